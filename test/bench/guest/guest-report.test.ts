// The guest section of summary and reports from a results file whose figures the test
// states: ratios to bare and to the backend tier, totals over VMs, the TCG mark.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResultsSchema, type Results } from '../../../src/bench/results-schema.js';
import { summarize } from '../../../src/bench/stats.js';
import { renderSummaryText } from '../../../src/bench/summary.js';
import { guestRows } from '../../../src/bench/guest/guest-summary.js';
import { buildBenchReport } from '../../../src/report/bench-report.js';
import { renderBenchMarkdown } from '../../../src/report/bench-markdown.js';
import { TCG_NOTE } from '../../../src/bench/guest/choose-accel.js';
import { evidenceFromResults } from '../../../src/bench/evidence.js';
import { makeResults, W_RANDWRITE } from '../results-fixture.js';

const fig = (iops: number) => ({ iops, bandwidthBytesPerSec: iops * 4096, durationMs: 2000, ios: iops * 2, latency: { p50Ns: 1e6, p99Ns: 2e6, p999Ns: 3e6 } });

function withGuests(r: Results, iops: readonly number[], accel: 'tcg' | 'kvm'): Results {
  const points = iops.map((x, i) => {
    const repeats = [fig(x)];
    return {
      id: `guest:native.virtio-blk.iothread.q1:randwrite-4k-qd32:none:raw:vms${iops.length}:vm${i}`, tier: 'guest', runner: 'appliance-fio', transport: 'virtio-blk',
      workload: W_RANDWRITE, config: { id: 'raw-falloc-none-native.virtio-blk.iothread.q1', format: 'raw', preallocation: 'falloc', aio: 'native', cache: 'none', allocation: 'preallocated', bus: 'virtio-blk', iothread: true, queues: 1 },
      repeats, summary: summarize(repeats), functionalOnly: accel === 'tcg',
      guest: {
        accel, accelReason: 'test', ...(accel === 'tcg' ? { note: TCG_NOTE } : {}), machine: 'q35', vcpus: 2, memoryMiB: 512, vmCount: iops.length, vmIndex: i,
        scheduler: 'none', target: 'raw', bootS: [4], outcomes: [{ status: 'ok' }], aioNr: { baseline: 0, max: 2048 * iops.length, limit: 65536, perVm: 2048, samples: [] },
      },
    };
  });
  return ResultsSchema.parse({ ...r, points: [...r.points, ...points] });
}

describe('guest section', () => {
  const backend = makeResults('/store', [{ config: { format: 'raw', preallocation: 'falloc', cache: 'none', aio: 'native' }, iops: [20000] }], { bare: 40000 });
  it('per-VM median, total, ×bare and ×backend for 4 VMs', () => {
    const rows = guestRows(withGuests(backend, [1000, 2000, 3000, 4000], 'kvm'));
    assert.equal(rows.length, 1);
    const row = rows[0];
    assert.equal(row?.vms, 4);
    assert.equal(row?.perVmIops, 2500);
    assert.equal(row?.totalIops, 10000);
    assert.equal(row?.ofBare, 2500 / 40000);
    assert.equal(row?.ofBackend, 2500 / 20000);
    assert.equal(row?.aioNrPerVm, 2048);
    assert.equal(row?.functionalOnly, false);
  });
  it('TCG rows are marked functional only in the summary and the report, and stay out of the backend tables', () => {
    const r = withGuests(backend, [1000], 'tcg');
    const text = renderSummaryText(r);
    assert.match(text, /tcg \(functional only\)/);
    assert.ok(text.includes(TCG_NOTE));
    // The backend table lists only the backend configuration.
    assert.doesNotMatch(text, /raw-falloc-none-native\.virtio-blk/);
    const rep = buildBenchReport(r, 'r.json');
    assert.equal(rep.tables.every((t) => t.rows.every((x) => !x.configId.includes('virtio'))), true);
    const md = renderBenchMarkdown(rep);
    assert.match(md, /## Guest tier/);
    assert.match(md, /\| randwrite-4k-qd32 \| raw-falloc-none-native \| virtio-blk\+iothread q1 \| none \| raw \| 1 \| 1 \| 1000 \| 1000 \| 2000 \| 0\.03× \| 0\.05× \| 4\.0 \| 2048 \| tcg \(functional only\) \|/);
    assert.match(md, /fs\.aio-nr with 1 VM\(s\) on raw-falloc-none-native: peak 2048 of fs\.aio-max-nr 65536/);
  });
  it('guest points, even clear winners, never become aio evidence', () => {
    // Only guest points (the backend ones removed), two repeats each, native far ahead of threads.
    const only = withGuests(makeResults('/store', [{ config: { format: 'raw', preallocation: 'falloc', cache: 'none', aio: 'native' }, iops: [1] }]), [9000, 9000], 'kvm');
    const r = ResultsSchema.parse({ ...only, points: only.points.filter((p) => p.tier === 'guest').map((p) => ({ ...p, repeats: [fig(9000), fig(9000)] })) });
    const ev = evidenceFromResults(r, 'r.json', { kind: 'file', path: '/store/vm.raw', format: 'raw', allocation: 'preallocated', directIo: true });
    assert.equal(ev.evidence, undefined);
  });
  it('no guest points, no guest section', () => {
    assert.doesNotMatch(renderSummaryText(backend), /guest tier/);
    assert.doesNotMatch(renderBenchMarkdown(buildBenchReport(backend, 'r.json')), /Guest tier/);
  });
});
