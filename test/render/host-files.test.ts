import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execOk } from '../../src/exec.js';
import { renderGrubDropin } from '../../src/render/grub-dropin.js';
import { renderTmpfilesScheduler, renderUdevSchedulerRules, type SchedulerEntry } from '../../src/render/scheduler-persist.js';
import { renderSysctlConf } from '../../src/render/sysctl-conf.js';
import { checkUdevRules, parseUdevRuleLine } from '../../src/render/udev-grammar.js';
import { parseSysfsValue } from '../../src/apply/handlers.js';
import { withLoop, withTempDir } from '../helpers.js';
import { udevSchedulerRule } from '../../src/decide/udev-match.js';
import type { BlockDevice } from '../../src/facts/host-facts.js';
import { disk } from '../decide/fake-facts.js';
import { assertGolden } from './golden-check.js';

const entry = (dev: BlockDevice, scheduler: string, comment: string): SchedulerEntry => ({ device: dev.name, scheduler, udevRule: udevSchedulerRule(dev, scheduler), comment });
const ENTRIES: SchedulerEntry[] = [
  entry(disk('sda', { wwid: 'naa.5000c500a1b2c3d4' }), 'mq-deadline', 'sched.host-ssd'),
  entry(disk('nvme0n1', { transport: 'nvme', wwid: 'eui.0025388b71b1f0a1' }), 'none', 'sched.multiqueue'),
  entry(disk('vdb', { transport: 'virtio', serial: 'data-1' }), 'none', 'sched.guest-virtual'),
  entry(disk('sdb', { rot: true }), 'mq-deadline', 'sched.host-hdd (no stable identity: matched by kernel name)'),
];

describe('host file renderers (golden)', () => {
  it('udev scheduler rules', () => {
    const text = renderUdevSchedulerRules(ENTRIES);
    assertGolden('fix/60-kvmio-scheduler.rules', text);
    assert.deepEqual(checkUdevRules(text), []);
  });
  it('udev rules merge keeps other devices and replaces the same target', () => {
    const first = renderUdevSchedulerRules(ENTRIES.slice(0, 2));
    const merged = renderUdevSchedulerRules([{ ...ENTRIES[0]!, udevRule: ENTRIES[0]!.udevRule.replace('"mq-deadline"', '"bfq"') }, ENTRIES[2]!], first);
    assert.equal((merged.match(/naa\.5000c500a1b2c3d4/g) ?? []).length, 1);
    assert.match(merged, /naa\.5000c500a1b2c3d4", ATTR\{queue\/scheduler\}="bfq"/);
    assert.match(merged, /eui\.0025388b71b1f0a1/);
    assert.equal(renderUdevSchedulerRules(ENTRIES, renderUdevSchedulerRules(ENTRIES)), renderUdevSchedulerRules(ENTRIES), 'idempotent');
  });
  it('tmpfiles.d scheduler file', () => assertGolden('fix/kvmio-scheduler.tmpfiles.conf', renderTmpfilesScheduler(ENTRIES)));
  it('sysctl.d file', () =>
    assertGolden('fix/90-kvmio.conf', renderSysctlConf([{ key: 'fs.aio-max-nr', value: '524288', why: ['100 VMs × (1 main loop + 1 iothread serving native-AIO disks) = 200 AIO contexts'] }])));
  it('grub drop-in', () => assertGolden('fix/grub-kvmio.cfg', renderGrubDropin({ dropElevator: true, iommu: true })));
});

describe('grub drop-in, sourced by sh after /etc/default/grub', () => {
  const cases = [
    { name: 'drops elevator=, adds IOMMU, replaces iommu=soft', grub: 'GRUB_CMDLINE_LINUX="quiet elevator=deadline iommu=soft"\nGRUB_CMDLINE_LINUX_DEFAULT="elevator=noop splash amd_iommu=on"\n', edit: { dropElevator: true, iommu: true }, want: 'quiet intel_iommu=on iommu=pt|splash amd_iommu=on' },
    { name: 'only elevator=', grub: 'GRUB_CMDLINE_LINUX="elevator=deadline"\n', edit: { dropElevator: true, iommu: false }, want: '|' },
    { name: 'sourced twice stays the same', grub: 'GRUB_CMDLINE_LINUX="a"\n', edit: { dropElevator: false, iommu: true }, want: 'a intel_iommu=on iommu=pt|', twice: true },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      await withTempDir(async (dir) => {
        writeFileSync(join(dir, 'grub'), c.grub);
        writeFileSync(join(dir, 'kvmio.cfg'), renderGrubDropin(c.edit));
        const script = `. "$1"; . "$2"; ${c.twice ? '. "$2";' : ''} printf '%s|%s' "$GRUB_CMDLINE_LINUX" "$GRUB_CMDLINE_LINUX_DEFAULT"`;
        const r = await execOk(['sh', '-c', script, 'sh', join(dir, 'grub'), join(dir, 'kvmio.cfg')]);
        assert.equal(r.stdout, c.want);
      });
    });
  }
});

describe('udev rule grammar check', () => {
  const good = [
    'ACTION=="add|change", SUBSYSTEM=="block", KERNEL=="sd[a-z]", ATTR{queue/rotational}=="0", ATTR{queue/scheduler}="mq-deadline"',
    'SUBSYSTEM=="block", ENV{ID_SERIAL}!="x", ENV{KVMIO}:="1"',
    'KERNEL=="nvme*", ATTR{wwid}=="eui.1 with \\"quote\\"", ATTR{queue/scheduler}="none"',
    '# a comment',
    '',
  ];
  const bad: [string, RegExp][] = [
    ['KERNEL="sda", ATTR{queue/scheduler}="none"', /KERNEL can only be matched/],
    ['KERNEL=="sda" ATTR{queue/scheduler}="none"', /missing comma/],
    ['KERNEL=="sda", ATTR{queue/scheduler}=none', /cannot parse/],
    ['KERNEL=="sda", ATTRS{serial}="x"', /ATTRS can only be matched/],
    ['KERNEL=="sda", FOO=="x", ATTR{a}="b"', /unknown key FOO/],
    ['KERNEL=="sda", ATTR="x"', /ATTR needs \{attribute\}/],
    ['KERNEL{x}=="sda", ATTR{a}="b"', /KERNEL takes no/],
    ['KERNEL=="sda", ATTR{queue/scheduler}+="none"', /assigned with =/],
    ['KERNEL=="sda", SUBSYSTEM=="block"', /assigns nothing/],
    ['KERNEL=="sda", ATTR{a}="b",', /trailing comma/],
    ['KERNEL=="sd"a", ATTR{a}="b"', /cannot parse|missing comma/],
  ];
  for (const line of good) it(`accepts ${JSON.stringify(line).slice(0, 60)}`, () => assert.deepEqual(parseUdevRuleLine(line).errors, []));
  for (const [line, re] of bad) it(`rejects ${line.slice(0, 60)}`, () => assert.match(parseUdevRuleLine(line).errors.join('; '), re));
});

describe('tmpfiles.d file applied by the real systemd-tmpfiles', () => {
  it('sets a loop device scheduler', async () => {
    await withTempDir(async (dir) => {
      await withLoop(dir, 4, async (devPath) => {
        const dev = devPath.replace('/dev/', '');
        const sched = `/sys/block/${dev}/queue/scheduler`;
        const before = parseSysfsValue(readFileSync(sched, 'utf8')).value;
        const want = before === 'bfq' ? 'mq-deadline' : 'bfq';
        try {
          const conf = join(dir, 'kvmio-scheduler.conf');
          writeFileSync(conf, renderTmpfilesScheduler([{ device: dev, scheduler: want, udevRule: '', comment: 'test' }]));
          await execOk(['systemd-tmpfiles', '--create', conf]);
          assert.equal(parseSysfsValue(readFileSync(sched, 'utf8')).value, want);
        } finally {
          writeFileSync(sched, before);
        }
      });
    });
  });
});
