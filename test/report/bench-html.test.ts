// The HTML report opened in headless Chromium (Debian's chromium, driven by
// playwright-core): every chart renders as SVG with marks, no console errors, no network
// request, and a screenshot is taken. The report is built from a results file through
// the real CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { cli } from '../helpers.js';
import { makeResults } from '../bench/results-fixture.js';
import { tempDir } from '../bench/temp.js';

const CHROMIUM = '/usr/bin/chromium';

function fixtureResults(dir: string): string {
  const raw = { format: 'raw', cache: 'none' } as const;
  const r = makeResults('/var/lib/libvirt/images', [
    { config: { ...raw, preallocation: 'falloc', aio: 'native', allocation: 'preallocated' }, iops: [20000, 20500, 19800], anchors: ['kvmio'] },
    { config: { ...raw, preallocation: 'falloc', aio: 'io_uring', allocation: 'preallocated' }, iops: [26000, 26400, 25800] },
    { config: { ...raw, preallocation: 'full', aio: 'threads', allocation: 'preallocated' }, iops: [15000, 15300, 14800], anchors: ['seed'] },
    { config: { format: 'qcow2', clusterSizeBytes: 65536, preallocation: 'metadata', cache: 'none', aio: 'io_uring', allocation: 'sparse' }, iops: [18000, 18100, 17700], anchors: ['proxmox'] },
    { config: { ...raw, preallocation: 'off', aio: 'threads', allocation: 'sparse' }, iops: [12000, 12300, 11900], anchors: ['kubevirt-nova'] },
    { config: { format: 'qcow2', clusterSizeBytes: 65536, preallocation: 'metadata', cache: 'writeback', aio: 'threads', allocation: 'sparse' }, iops: [14000, 14100, 13800], anchors: ['virt-install'] },
  ]);
  // A host name that would break naive HTML: it must come out escaped.
  const file = join(dir, 'results.json');
  writeFileSync(file, JSON.stringify({ ...r, host: { ...r.host, hostname: '<script>alert(1)</script>' } }));
  return file;
}

test('report --format md and json describe the same run', async () => {
  const dir = tempDir('kvmio-rep-');
  const file = fixtureResults(dir);
  const md = await cli(['report', file, '--format', 'md']);
  assert.equal(md.code, 0, md.stderr);
  assert.match(md.stdout, /## 4k random write QD32 — qsd-fio \(nbd\)/);
  assert.match(md.stdout, /kvmio recommends raw-falloc-none-io_uring/);
  const js = await cli(['report', file, '--format', 'json']);
  assert.equal(js.code, 0, js.stderr);
  const j = JSON.parse(js.stdout) as { recommendations: { configId: string; rule: string; ofBare: number }[] };
  assert.equal(j.recommendations[0]?.configId, 'raw-falloc-none-io_uring');
  assert.equal(j.recommendations[0]?.rule, 'disk.aio.bench');
  assert.equal(j.recommendations[0]?.ofBare, 26000 / 40000);
});

test('report HTML renders every chart in headless Chromium without console errors or network', { skip: !existsSync(CHROMIUM) && 'chromium is not installed (scripts/deps.sh installs it)' }, async () => {
  const dir = tempDir('kvmio-rep-');
  const file = fixtureResults(dir);
  const html = join(dir, 'report.html');
  const r = await cli(['report', file, '-o', html]);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(html, 'utf8');
  assert.ok(!text.includes('<script>alert(1)</script>'), 'results text is escaped');
  assert.ok(!/(src|href)=["']https?:/.test(text), 'no external resources');

  const profile = tempDir('kvmio-chromium-'); // removed even when the launch fails
  // A fresh profile directory (playwright passes it as --user-data-dir).
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (req) => {
      if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) requests.push(req.url());
    });
    await page.goto(pathToFileURL(html).href);
    await page.evaluate(async () => void (await (globalThis as unknown as { kvmioCharts: Promise<unknown> }).kvmioCharts));
    const charts = await page.$$eval('.chart', (els) => els.map((e) => ({ id: e.id, svg: e.querySelectorAll('svg').length, marks: e.querySelectorAll('svg g.role-mark > path, svg g.role-mark > line').length })));
    assert.equal(charts.length, 3, 'IOPS, MB/s and latency charts for the one workload');
    for (const c of charts) {
      assert.equal(c.svg, 1, `${c.id} rendered an SVG`);
      assert.ok(c.marks >= 6, `${c.id} has data marks (${c.marks})`);
    }
    const bars = await page.$$eval('#chart-0-iops svg g.mark-rect.role-mark > path', (els) => els.length);
    assert.equal(bars, 6, 'one IOPS bar per configuration');
    const dots = await page.$$eval('#chart-0-latency svg g.mark-symbol.role-mark > path', (els) => els.length);
    assert.equal(dots, 18, 'p50, p99 and p99.9 for each of the 6 configurations');
    const shot = join(process.env.KVMIO_SCREENSHOT_DIR ?? dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, 'screenshot written');
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
  } finally {
    await browser.close();
  }
});
