import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DumpSource } from '../../src/facts/dump-source.js';
import { probeHost } from '../../src/facts/probe-host.js';
import { DUMP_FORMAT } from '../../src/facts/dump-format.js';
import { withTempDir } from '../helpers.js';

const PATHS = ['/usr/bin/udevadm', '/usr/sbin/udevadm', '/bin/udevadm', '/sbin/udevadm'];

describe('probeHost: udevPresent', () => {
  const cases: [string, Record<string, string>, boolean | 'unknown'][] = [
    ['every udevadm ENOENT → absent', Object.fromEntries(PATHS.map((p) => [`direct:${p}`, 'ENOENT'])), false],
    ['one opens → present', { ...Object.fromEntries(PATHS.map((p) => [`direct:${p}`, 'ENOENT'])), 'direct:/usr/sbin/udevadm': 'ok' }, true],
    ['EINVAL (no O_DIRECT there) still means it exists', { ...Object.fromEntries(PATHS.map((p) => [`direct:${p}`, 'ENOENT'])), 'direct:/usr/bin/udevadm': 'EINVAL' }, true],
    ['not recorded → unknown', {}, 'unknown'],
  ];
  for (const [name, opens, want] of cases) {
    it(name, async () => {
      await withTempDir(async (dir) => {
        writeFileSync(join(dir, 'kvmio-dump.json'), JSON.stringify({ format: DUMP_FORMAT, collectedAt: '', origin: 'test', redacted: false }));
        writeFileSync(join(dir, 'open.json'), JSON.stringify(opens));
        const facts = await probeHost(new DumpSource(dir));
        if (want === 'unknown') assert.equal(facts.udevPresent?.ok, false);
        else assert.deepEqual(facts.udevPresent, { ok: true, value: want });
      });
    });
  }
});
