// A child process for the SIGKILL tests of the libvirt-define handler: applies (or rolls
// back) one DomainDefine through the engine with the faultAfterStep hook, so the test
// runner itself is never the process killed. Does nothing unless KVMIO_DEFINE_CHILD
// names a JSON request (node --test may load this file as a test module).
import { readFileSync } from 'node:fs';
import { applyActions, rollbackJournal } from '../../src/apply/engine.js';
import type { DomainDefine } from '../../src/model/action.js';

interface Request {
  readonly mode: 'apply' | 'rollback';
  readonly stateDir: string;
  readonly action?: DomainDefine;
  readonly faultAfterStep?: number;
}

const path = process.env.KVMIO_DEFINE_CHILD;
if (path !== undefined && path !== '') {
  const req = JSON.parse(readFileSync(path, 'utf8')) as Request;
  const fault = req.faultAfterStep === undefined ? {} : { faultAfterStep: req.faultAfterStep };
  if (req.mode === 'apply' && req.action) {
    const out = await applyActions([req.action], { stateDir: req.stateDir, purpose: 'vm tune --yes', ...fault });
    process.exitCode = out.every((o) => o.status === 'changed' || o.status === 'unchanged') ? 0 : 1;
  } else {
    const r = await rollbackJournal({ stateDir: req.stateDir, yes: true, ...fault });
    process.exitCode = r.outcomes.every((o) => o.status === 'restored' || o.status === 'unchanged') ? 0 : 1;
  }
}
