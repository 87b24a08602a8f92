// The libvirt-define handler on the real libvirtd (qemu:///system): a uniquely named
// domain, tuned through the engine (what `vm tune --yes` does), rolled back to the
// original definition (canonical form), and killed with SIGKILL after every durable
// step, in a child process: each rerun converges and each rollback restores. The domain
// is undefined in finally.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { canonicalXml, xmlCovers } from '../../src/apply/canonical-xml.js';
import { applyActions, previewActions, rollbackJournal } from '../../src/apply/engine.js';
import { listRuns, readJournal } from '../../src/apply/journal.js';
import { exec, execOk } from '../../src/exec.js';
import type { DomainDefine } from '../../src/model/action.js';
import { REPO, uniqueName, withTempDir } from '../helpers.js';

const URI = 'qemu:///system';
const virsh = (...args: string[]): ReturnType<typeof exec> => exec(['virsh', '-q', '-c', URI, ...args]);
const saved = async (dom: string): Promise<string> => (await execOk(['virsh', '-q', '-c', URI, 'dumpxml', '--inactive', '--security-info', dom])).stdout;

const domainXml = (name: string, image: string, driver: string): string =>
  `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>` +
  `<devices><disk type='file' device='disk'><driver name='qemu' type='raw'${driver}/><source file='${image}'/><target dev='vda' bus='virtio'/></disk></devices></domain>`;

/** The tuned XML: libvirt's own saved definition with the disk driver changed, as vm tune writes it. */
const tuned = (xml: string): string => xml.replace(/<driver name='qemu' type='raw'\/>/, `<driver name='qemu' type='raw' cache='none' io='threads' discard='unmap'/>`);

const defineAction = (dom: string, xml: string): DomainDefine => ({ kind: 'libvirt-define', id: 'vm.tune', object: dom, reason: 'recommended disk settings', domain: dom, uri: URI, xml });

async function withDomain<T>(dir: string, fn: (dom: string, original: string) => Promise<T>): Promise<T> {
  const dom = uniqueName('kvmio-define');
  const image = join(dir, 'd.raw');
  await execOk(['qemu-img', 'create', '-q', '-f', 'raw', image, '1M']);
  const file = join(dir, 'dom.xml');
  writeFileSync(file, domainXml(dom, image, ''));
  await execOk(['virsh', '-q', '-c', URI, 'define', file]);
  try {
    return await fn(dom, await saved(dom));
  } finally {
    await virsh('undefine', dom);
  }
}

async function child(dir: string, req: object): Promise<number> {
  const path = join(dir, 'child.json');
  writeFileSync(path, JSON.stringify(req));
  const r = await exec([process.execPath, join(REPO, 'dist', 'test', 'apply', 'define-child.js')], { env: { KVMIO_DEFINE_CHILD: path } });
  return r.code;
}

describe('libvirt-define handler (real libvirtd)', () => {
  it('defines the tuned XML, verifies it, and rollback brings the saved definition back in canonical form', async () => {
    await withTempDir((dir) =>
      withDomain(dir, async (dom, original) => {
        const state = join(dir, 'state');
        const a = defineAction(dom, tuned(original));
        const dry = await previewActions([a], { stateDir: state });
        assert.equal(dry[0]?.status, 'would-change');
        assert.match(dry[0]?.change ?? '', /\+.*cache='none' io='threads'/);
        const out = await applyActions([a], { stateDir: state, purpose: 'vm tune --yes' });
        assert.deepEqual(out.map((o) => o.status), ['changed'], out[0]?.error);
        assert.equal(xmlCovers(a.xml, await saved(dom)), undefined, 'libvirt holds what kvmio defined');
        assert.deepEqual((await applyActions([a], { stateDir: state })).map((o) => o.status), ['unchanged']);
        assert.deepEqual(listRuns(readJournal(state)).map((r) => [r.purpose, r.changed]), [['vm tune --yes', 1]]);
        const dryRb = await rollbackJournal({ stateDir: state, yes: false });
        assert.deepEqual(dryRb.outcomes.map((o) => o.status), ['would-restore']);
        const rb = await rollbackJournal({ stateDir: state, yes: true });
        assert.deepEqual(rb.outcomes.map((o) => o.status), ['restored'], rb.outcomes[0]?.error);
        assert.equal(canonicalXml(await saved(dom)), canonicalXml(original));
      }),
    );
  });

  it('a domain kvmio defined is undefined on rollback', async () => {
    await withTempDir(async (dir) => {
      const dom = uniqueName('kvmio-new');
      const image = join(dir, 'n.raw');
      await execOk(['qemu-img', 'create', '-q', '-f', 'raw', image, '1M']);
      try {
        const state = join(dir, 'state');
        const out = await applyActions([defineAction(dom, domainXml(dom, image, " cache='none'"))], { stateDir: state });
        assert.deepEqual(out.map((o) => o.status), ['changed'], out[0]?.error);
        assert.equal((await virsh('dominfo', dom)).code, 0);
        const rb = await rollbackJournal({ stateDir: state, yes: true });
        assert.deepEqual(rb.outcomes.map((o) => o.status), ['restored'], rb.outcomes[0]?.error);
        assert.notEqual((await virsh('dominfo', dom)).code, 0, 'undefined again');
      } finally {
        await virsh('undefine', dom);
      }
    });
  });

  it('refuses XML that names another domain, defining nothing', async () => {
    await withTempDir((dir) =>
      withDomain(dir, async (dom, original) => {
        const out = await applyActions([defineAction(dom, original.replace(`<name>${dom}</name>`, '<name>someone-else</name>'))], { stateDir: join(dir, 'state') });
        assert.equal(out[0]?.status, 'refused');
        assert.match(out[0]?.error ?? '', /names domain "someone-else", expected/);
        assert.equal(canonicalXml(await saved(dom)), canonicalXml(original));
      }),
    );
  });

  it('killed with SIGKILL after every step: the rerun converges and rollback restores the original', async () => {
    await withTempDir((dir) =>
      withDomain(dir, async (dom, original) => {
        const state = join(dir, 'state');
        const action = defineAction(dom, tuned(original));
        let kills = 0;
        for (let n = 1; ; n++) {
          const code = await child(dir, { mode: 'apply', stateDir: state, action, faultAfterStep: n });
          if (code === 0) break;
          assert.equal(code, 128, `step ${n}: killed by its own SIGKILL`);
          kills++;
          assert.equal(await child(dir, { mode: 'apply', stateDir: state, action }), 0, `rerun after a kill at step ${n}`);
          assert.equal(xmlCovers(action.xml, await saved(dom)), undefined, `tuned after rerun (step ${n})`);
          assert.equal(await child(dir, { mode: 'rollback', stateDir: state }), 0, `rollback after a kill at step ${n}`);
          assert.equal(canonicalXml(await saved(dom)), canonicalXml(original), `original after rollback (step ${n})`);
        }
        assert.equal(kills, 3, 'journal before, define, journal done');
        // a rollback killed after its restore is rerun to the same original
        const rb = await child(dir, { mode: 'rollback', stateDir: state, faultAfterStep: 1 });
        assert.equal(rb, 128);
        assert.equal(await child(dir, { mode: 'rollback', stateDir: state }), 0);
        assert.equal(canonicalXml(await saved(dom)), canonicalXml(original));
      }),
    );
  });
});
