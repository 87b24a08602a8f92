// The reason the bench script prints under an anchor that beats kvmio's recommendation
// beyond the spread: one per kind of difference, never silence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainAnchorWin } from '../../src/bench/anchor-wins.js';
import { configId } from '../../src/bench/anchors.js';
import type { DiskConfiguration } from '../../src/bench/results-schema.js';

const c = (x: Omit<DiskConfiguration, 'id'>): DiskConfiguration => ({ id: configId(x), ...x });
const kvmio = c({ format: 'raw', preallocation: 'falloc', cache: 'none', aio: 'native' });

const CASES: readonly [string, DiskConfiguration, RegExp][] = [
  ['virt-install: writeback through the host page cache', c({ format: 'qcow2', clusterSizeBytes: 65536, preallocation: 'metadata', cache: 'writeback', aio: 'threads' }), /^cache=writeback reads and writes through the host page cache.*cached twice.*live migration.*qemuMigrationSrcIsSafe/],
  ['the seed: a fully written image', c({ format: 'raw', preallocation: 'full', cache: 'none', aio: 'threads' }), /^preallocation=full vs falloc: .*unwritten-extent conversion.*docs\/disk\.md/],
  ['same image, another aio mode', c({ format: 'raw', preallocation: 'falloc', cache: 'none', aio: 'io_uring' }), /^the same image under aio=io_uring: aio rule 2 takes a measured winner only beyond the spread/],
  ['KubeVirt/Nova: a sparse image', c({ format: 'raw', preallocation: 'off', cache: 'none', aio: 'threads' }), /^a sparse image \(preallocation=off, aio=threads\): kvmio preallocates .*werror=enospc.*the raw-falloc-none-threads row shows whether the aio mode alone/],
  ['anything else is said to be unexplained', c({ format: 'qcow2', clusterSizeBytes: 65536, preallocation: 'metadata', cache: 'none', aio: 'io_uring' }), /^not explained by kvmio's table \(qcow2 metadata none io_uring vs raw-falloc-none-native\)/],
];

for (const [name, anchor, want] of CASES) {
  test(`anchor wins: ${name}`, () => assert.match(explainAnchorWin(anchor, kvmio), want));
}
