// The backing-chain parsers over answers recorded from real qemu-img 7.2
// (test/fixtures/qemu-img/: a three-layer chain 4 KiB ← 128 KiB ← 64 KiB clusters, the
// stderr of a missing backing file and of a loop made with `qemu-img rebase -u`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isLocalBackingName, parseQemuImgChain, parseQemuImgChainError } from '../../src/facts/parse-qemu-img.js';
import { fixture } from '../helpers.js';

const recorded = (name: string): string => readFileSync(fixture('qemu-img', name), 'utf8');
const DIR = '/tmp/kvmio-qemu-img-rec';

describe('parseQemuImgChain', () => {
  it('reads every layer of a recorded three-layer chain, top first', () => {
    const r = parseQemuImgChain(recorded('chain-three-layers.json'));
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.deepEqual(
      r.value.map((l) => [l.filename, l.format, l.clusterSize?.bytes, l.virtualSize.bytes, l.backingFile, l.backingFormat]),
      [
        [`${DIR}/top.qcow2`, 'qcow2', 65536, 32 * 1024 ** 3, `${DIR}/mid.qcow2`, 'qcow2'],
        [`${DIR}/mid.qcow2`, 'qcow2', 131072, 32 * 1024 ** 3, `${DIR}/base.qcow2`, 'qcow2'],
        [`${DIR}/base.qcow2`, 'qcow2', 4096, 32 * 1024 ** 3, undefined, undefined],
      ],
    );
    assert.ok(r.value.every((l) => l.actualSize !== undefined && l.actualSize.bytes > 0));
  });
  it('reads one object (a dump taken without --backing-chain) as a chain of one', () => {
    const r = parseQemuImgChain('{"filename": "a", "format": "raw", "virtual-size": 4096}');
    assert.ok(r.ok);
    assert.equal(r.value.length, 1);
  });
  const bad: [string, string, RegExp][] = [
    ['an empty array', '[]', /empty backing chain/],
    ['a bad layer', '[{"filename": "a", "format": "qcow2", "virtual-size": 1}, {"filename": "b", "format": "raw"}]', /layer 1: virtual-size/],
    ['not JSON', 'qemu-img: Could not open', /not JSON/],
  ];
  for (const [name, text, why] of bad) {
    it(`refuses ${name}`, () => {
      const r = parseQemuImgChain(text);
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.reason, why);
    });
  }
});

describe('parseQemuImgChainError', () => {
  it('a loop names the file that closes it', () =>
    assert.deepEqual(parseQemuImgChainError(recorded('chain-loop.stderr')), { ok: false, problem: 'loop', file: `${DIR}/b.qcow2`, reason: `qemu-img: backing file ${DIR}/b.qcow2 creates an infinite loop` }));
  it('a missing backing file names it once, with the errno text', () =>
    assert.deepEqual(parseQemuImgChainError(recorded('chain-missing.stderr')), { ok: false, problem: 'unreadable', file: `${DIR}/gone.qcow2`, reason: `${DIR}/gone.qcow2: No such file or directory` }));
  it('anything else is unreadable with qemu-img\'s last line', () =>
    assert.deepEqual(parseQemuImgChainError("qemu-img: warning: x\nqemu-img: Image is not in qcow2 format\n"), { ok: false, problem: 'unreadable', reason: 'Image is not in qcow2 format' }));
});

describe('isLocalBackingName (block.c path_has_protocol)', () => {
  const cases: [string, boolean][] = [
    ['/var/lib/libvirt/images/base.qcow2', true],
    ['base.qcow2', true],
    ['../base/a:b.qcow2', true],
    ['nbd:localhost:10809', false],
    ['json:{"driver":"nbd"}', false],
    ['https://example.invalid/base.qcow2', false],
    ['a:b.qcow2', false],
  ];
  for (const [name, local] of cases) it(`${name} → ${local ? 'local' : 'protocol'}`, () => assert.equal(isLocalBackingName(name), local));
});
