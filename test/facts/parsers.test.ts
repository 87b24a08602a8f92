import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockKind, blockTransport } from '../../src/facts/classify-block.js';
import { dmiHypervisor } from '../../src/facts/classify-guest.js';
import { classifyRoles } from '../../src/facts/classify-roles.js';
import { orderConfFiles, SYSCTL_DIRS } from '../../src/facts/conf-dirs.js';
import { parseCmdline } from '../../src/facts/parse-cmdline.js';
import { parseCpuVirtFlags } from '../../src/facts/parse-cpuinfo.js';
import { parseMountinfo, parseProcMounts, parseSwaps } from '../../src/facts/parse-mounts.js';
import { parseFlag, parseUnsigned } from '../../src/facts/parse-number.js';
import { isStorageClass, parsePciClass, pciChain } from '../../src/facts/parse-pci.js';
import { parseScheduler } from '../../src/facts/parse-scheduler.js';
import { normalizeSysctlKey, parseSysctlFile, winningSetting } from '../../src/facts/parse-sysctl.js';
import { parseTmpfiles } from '../../src/facts/parse-tmpfiles.js';
import { parseUdevRules } from '../../src/facts/parse-udev-rules.js';
import { missing, ok } from '../../src/facts/source.js';

describe('parseScheduler', () => {
  const cases: [string, string, string | undefined, string[] | undefined][] = [
    ['kernel 6.x list with none first', 'none [mq-deadline] kyber bfq\n', 'mq-deadline', ['none', 'mq-deadline', 'kyber', 'bfq']],
    ['kernel 5.x list with none last', '[mq-deadline] none\n', 'mq-deadline', ['mq-deadline', 'none']],
    ['NVMe on none', '[none] mq-deadline\n', 'none', ['none', 'mq-deadline']],
    ['bfq selected', 'none mq-deadline kyber [bfq]', 'bfq', ['none', 'mq-deadline', 'kyber', 'bfq']],
    ['bio-based queue (dm-linear) prints a bare none', 'none\n', 'none', ['none']],
    ['empty', '\n', undefined, undefined],
    ['no selection', 'mq-deadline kyber', undefined, undefined],
    ['two selections', '[none] [bfq]', undefined, undefined],
    ['binary garbage', '\u0000\u00ff[x', undefined, undefined],
  ];
  for (const [name, text, current, available] of cases) {
    it(name, () => {
      const r = parseScheduler(text);
      if (current === undefined) assert.equal(r.ok, false);
      else assert.deepEqual(r, { ok: true, value: { current, available } });
    });
  }
});

describe('parseUnsigned and parseFlag', () => {
  it('reads sysfs integers', () => assert.deepEqual(parseUnsigned('128\n', 'x'), { ok: true, value: 128 }));
  for (const bad of ['', '-1', '1.5', '12abc', '99999999999999999999']) it(`refuses "${bad}"`, () => assert.equal(parseUnsigned(bad, 'x').ok, false));
  it('reads 0 and 1 flags', () => {
    assert.deepEqual(parseFlag('1\n', 'r'), { ok: true, value: true });
    assert.deepEqual(parseFlag('0', 'r'), { ok: true, value: false });
    assert.equal(parseFlag('2', 'r').ok, false);
  });
});

describe('parseMountinfo', () => {
  it('reads device numbers, mount points with escaped spaces, types and sources', () => {
    const text = [
      '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard',
      '28 27 8:2 / /boot rw,relatime shared:5 master:1 - ext4 /dev/sda2 rw',
      '29 27 0:45 / /mnt/my\\040disk rw - btrfs /dev/sdb1 rw',
      'garbage line',
      '',
    ].join('\n');
    assert.deepEqual(parseMountinfo(text), {
      ok: true,
      value: [
        { devNumber: '254:0', mountpoint: '/', fstype: 'ext4', source: '/dev/vda' },
        { devNumber: '8:2', mountpoint: '/boot', fstype: 'ext4', source: '/dev/sda2' },
        { devNumber: '0:45', mountpoint: '/mnt/my disk', fstype: 'btrfs', source: '/dev/sdb1' },
      ],
    });
  });
  it('fails when no line has the fields (e.g. /proc/mounts given by mistake)', () => {
    assert.equal(parseMountinfo('/dev/vda / ext4 rw 0 0\n').ok, false);
  });
  it('reads an empty table as no mounts', () => assert.deepEqual(parseMountinfo(''), { ok: true, value: [] }));
  it('falls back to /proc/mounts, without device numbers', () => {
    assert.deepEqual(parseProcMounts('/dev/sda3 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n'), {
      ok: true,
      value: [
        { devNumber: '?', mountpoint: '/', fstype: 'ext4', source: '/dev/sda3' },
        { devNumber: '?', mountpoint: '/proc', fstype: 'proc', source: 'proc' },
      ],
    });
    assert.equal(parseProcMounts('junk\n').ok, false);
  });
  it('reads /proc/swaps', () => {
    assert.deepEqual(parseSwaps('Filename\tType\tSize\tUsed\tPriority\n/dev/vda2   partition\t1046524\t0\t-2\n'), { ok: true, value: ['/dev/vda2'] });
    assert.equal(parseSwaps('nonsense').ok, false);
  });
});

describe('parseCmdline', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['seed host: legacy elevator and intel_iommu', 'BOOT_IMAGE=/vmlinuz root=UUID=x ro elevator=deadline intel_iommu=on\n', { elevator: 'deadline', intelIommu: 'on' }],
    ['AMD with passthrough mode', 'ro amd_iommu=on iommu=pt', { amdIommu: 'on', iommu: 'pt' }],
    ['the last occurrence wins', 'elevator=cfq elevator=noop', { elevator: 'noop' }],
    ['words after -- belong to init', 'quiet -- elevator=none', {}],
    ['quoted values keep spaces', 'dyndbg="file x +p" iommu=pt', { iommu: 'pt' }],
  ];
  for (const [name, text, want] of cases) {
    it(name, () => {
      const r = parseCmdline(text);
      assert.ok(r.ok);
      const { raw: _raw, ...rest } = r.value;
      assert.deepEqual(rest, want);
    });
  }
  it('refuses control characters', () => assert.equal(parseCmdline('ro\u0001quiet').ok, false));
});

describe('sysctl.d', () => {
  it('orders drop-ins as systemd-sysctl: same basename overridden by /etc, then sorted by basename', () => {
    const files = orderConfFiles(
      [
        { dir: '/etc/sysctl.d', names: ['99-sysctl.conf', '60-aio.conf', 'README.sysctl'] },
        { dir: '/run/sysctl.d' },
        { dir: '/usr/local/lib/sysctl.d', names: [] },
        { dir: '/usr/lib/sysctl.d', names: ['50-pid-max.conf', '60-aio.conf', '.hidden.conf'] },
        { dir: '/lib/sysctl.d', names: ['50-pid-max.conf', '10-a.conf'] },
      ],
      '.conf',
    );
    assert.deepEqual(files, ['/lib/sysctl.d/10-a.conf', '/usr/lib/sysctl.d/50-pid-max.conf', '/etc/sysctl.d/60-aio.conf', '/etc/sysctl.d/99-sysctl.conf']);
    assert.equal(SYSCTL_DIRS[0], '/etc/sysctl.d');
  });
  it('reads assignments, skipping comments and junk, with "-" and "/" keys normalized', () => {
    const text = '# comment\n; also comment\nfs.aio-max-nr = 1048576\n-vm.swappiness=10\nkernel/domainname = example\nnot an assignment\n=novalue\n';
    assert.deepEqual(parseSysctlFile(text, '/etc/sysctl.d/x.conf'), [
      { key: 'fs.aio-max-nr', value: '1048576', file: '/etc/sysctl.d/x.conf', line: 3 },
      { key: 'vm.swappiness', value: '10', file: '/etc/sysctl.d/x.conf', line: 4 },
      { key: 'kernel.domainname', value: 'example', file: '/etc/sysctl.d/x.conf', line: 5 },
    ]);
  });
  it('keeps dots inside slash-separated names (sysctl.d(5))', () => {
    assert.equal(normalizeSysctlKey('net/ipv4/conf/enp3s0.200/forwarding'), 'net.ipv4.conf.enp3s0/200.forwarding');
    assert.equal(normalizeSysctlKey('net.ipv4.conf.enp3s0/200.forwarding'), 'net.ipv4.conf.enp3s0/200.forwarding');
  });
  it('the last setting applied wins', () => {
    const s = [...parseSysctlFile('fs.aio-max-nr = 1048576\n', 'a'), ...parseSysctlFile('fs.aio-max-nr = 262144\n', 'b')];
    assert.equal(winningSetting(s, 'fs.aio-max-nr')?.value, '262144');
    assert.equal(winningSetting(s, 'vm.swappiness'), undefined);
  });
});

describe('parseUdevRules', () => {
  it('finds ATTR{queue/scheduler} assignments with their matches (RHEL docs example)', () => {
    const text = '# comment\nACTION=="add|change", SUBSYSTEM=="block", KERNEL=="sd[a-z]", ATTR{queue/rotational}=="0", ATTR{queue/scheduler}="mq-deadline"\n';
    assert.deepEqual(parseUdevRules(text, '/etc/udev/rules.d/60-sched.rules'), [{
      kind: 'udev', file: '/etc/udev/rules.d/60-sched.rules', line: 2,
      text: 'ACTION=="add|change", SUBSYSTEM=="block", KERNEL=="sd[a-z]", ATTR{queue/rotational}=="0", ATTR{queue/scheduler}="mq-deadline"',
      kernel: 'sd[a-z]', matches: { ACTION: 'add|change', SUBSYSTEM: 'block', 'ATTR{queue/rotational}': '0' }, scheduler: 'mq-deadline',
    }]);
  });
  it('joins continued lines and reads RUN echo rules', () => {
    const text = 'ACTION=="add", KERNEL=="nvme[0-9]n[0-9]", \\\n  RUN+="/bin/sh -c \'echo none > /sys$devpath/queue/scheduler\'"\n';
    const r = parseUdevRules(text, 'f');
    assert.equal(r.length, 1);
    assert.equal(r[0]?.scheduler, 'none');
    assert.equal(r[0]?.line, 1);
    assert.equal(r[0]?.kernel, 'nvme[0-9]n[0-9]');
  });
  it('ignores matches on the scheduler and malformed lines', () => {
    assert.deepEqual(parseUdevRules('ATTR{queue/scheduler}=="bfq", GOTO="x"\nATTR{queue/scheduler}="bfq" garbage(\n', 'f'), []);
  });
});

describe('parseTmpfiles', () => {
  it('reads w lines for /sys/block/X/queue/scheduler (the seed\'s way)', () => {
    const text = '# old\nw /sys/block/sda/queue/scheduler - - - - deadline\nw+ /sys/class/block/nvme0n1/queue/scheduler - - - - none\nd /run/x 0755 root root -\nw /sys/block/sdb/queue/read_ahead_kb - - - - 4096\n';
    const r = parseTmpfiles(text, '/usr/lib/tmpfiles.d/IO_ioscheduler.conf');
    assert.deepEqual(r.map((x) => [x.kernel, x.scheduler, x.line]), [['sda', 'deadline', 2], ['nvme0n1', 'none', 3]]);
  });
});

describe('PCI', () => {
  it('parses class codes and spots storage controllers', () => {
    assert.deepEqual(parsePciClass('0x010802\n'), { ok: true, value: 0x010802 });
    assert.equal(parsePciClass('10802').ok, false);
    for (const c of [0x010802, 0x010601, 0x010700, 0x010400]) assert.equal(isStorageClass(c), true);
    for (const c of [0x018000, 0x020000, 0x060400]) assert.equal(isStorageClass(c), false);
  });
  it('lists the PCI addresses of a device path, root first', () => {
    assert.deepEqual(pciChain('/sys/devices/pci0000:00/0000:00:02.0/0000:04:00.0/nvme/nvme0/nvme0n1'), ['0000:00:02.0', '0000:04:00.0']);
  });
});

describe('parseCpuVirtFlags', () => {
  it('keeps vmx, svm and hypervisor only', () => assert.deepEqual(parseCpuVirtFlags('processor : 0\nflags\t\t: fpu vmx sse hypervisor\n'), { ok: true, value: ['vmx', 'hypervisor'] }));
  it('fails without a flags line', () => assert.equal(parseCpuVirtFlags('garbage').ok, false));
});

describe('classify block devices', () => {
  const cases: [string, string, string | undefined, boolean, string, string][] = [
    ['SATA disk on AHCI', 'sda', '/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda', false, 'disk', 'sata'],
    ['SATA partition', 'sda4', '/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda4', true, 'part', 'sata'],
    ['SAS disk', 'sdb', '/sys/devices/pci0000:00/0000:00:03.0/0000:3b:00.0/host1/port-1:1/end_device-1:1/target1:0:1/1:0:1:0/block/sdb', false, 'disk', 'sas'],
    ['RAID logical drive', 'sdc', '/sys/devices/pci0000:00/0000:00:01.0/0000:03:00.0/host2/target2:1:0/2:1:0:0/block/sdc', false, 'disk', 'scsi'],
    ['NVMe namespace', 'nvme0n1', '/sys/devices/pci0000:00/0000:00:02.0/0000:04:00.0/nvme/nvme0/nvme0n1', false, 'disk', 'nvme'],
    ['multipath NVMe namespace', 'nvme0n1', '/sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1', false, 'disk', 'nvme'],
    ['virtio-blk', 'vda', '/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda', false, 'disk', 'virtio'],
    ['virtio-scsi disk', 'sda', '/sys/devices/pci0000:00/0000:00:05.0/virtio3/host0/target0:0:0/0:0:0:0/block/sda', false, 'disk', 'virtio'],
    ['USB stick', 'sdd', '/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdd', false, 'disk', 'usb'],
    ['Xen disk', 'xvda', '/sys/devices/vbd-51712/block/xvda', false, 'disk', 'xen'],
    ['loop', 'loop0', '/sys/devices/virtual/block/loop0', false, 'loop', 'loop'],
    ['loop partition', 'loop0p1', '/sys/devices/virtual/block/loop0/loop0p1', true, 'part', 'loop'],
    ['device-mapper', 'dm-0', '/sys/devices/virtual/block/dm-0', false, 'dm', 'dm'],
    ['md RAID', 'md127', '/sys/devices/virtual/block/md127', false, 'md', 'md'],
    ['zram', 'zram0', '/sys/devices/virtual/block/zram0', false, 'zram', 'zram'],
    ['unknown path', 'sdq', undefined, false, 'disk', 'scsi'],
  ];
  for (const [name, dev, path, isPartition, kind, transport] of cases) {
    it(name, () => {
      const id = { name: dev, isPartition, ...(path ? { sysfsPath: path } : {}) };
      assert.equal(blockKind(id), kind);
      assert.equal(blockTransport(id), transport);
    });
  }
});

describe('dmiHypervisor', () => {
  const cases: [string, string, string | undefined][] = [
    ['QEMU', 'Standard PC (Q35 + ICH9, 2009)', 'QEMU'],
    ['Microsoft Corporation', 'Virtual Machine', 'Hyper-V'],
    ['Microsoft Corporation', 'Surface Pro', undefined],
    ['VMware, Inc.', 'VMware Virtual Platform', 'VMware'],
    ['HP', 'ProLiant DL360 Gen9', undefined],
    ['Supermicro', 'AS -1114S-WN10RT', undefined],
  ];
  for (const [vendor, product, want] of cases) it(`${vendor} / ${product}`, () => assert.equal(dmiHypervisor(vendor, product), want));
});

describe('classifyRoles', () => {
  const noDmi = missing('no DMI');
  it('a PVM host: /dev/kvm without vmx/svm is still a KVM host', () => {
    const r = classifyRoles({ kvm: ok({ opened: true }), cpuFlags: ok(['hypervisor']), dmi: noDmi, disks: [] });
    assert.deepEqual([r.kvmHost, r.guest], [true, true]);
    assert.ok(r.evidence.includes('kvm host without vmx/svm CPU flags (nested or PVM KVM)'));
  });
  it('vmx without a usable /dev/kvm is not a KVM host, and EACCES says how to fix it', () => {
    const r = classifyRoles({ kvm: ok({ opened: false, error: 'EACCES' }), cpuFlags: ok(['vmx']), dmi: ok({ sysVendor: 'Dell Inc.', productName: 'PowerEdge R640' }), disks: [] });
    assert.deepEqual([r.kvmHost, r.guest], [false, false]);
    assert.match(r.evidence[0] ?? '', /EACCES; run as root/);
  });
  it('unknown inputs give no roles, with the reason', () => {
    const r = classifyRoles({ kvm: missing('open rw /dev/kvm: not in dump'), cpuFlags: missing('x'), dmi: noDmi, disks: [] });
    assert.deepEqual([r.kvmHost, r.guest], [false, false]);
    assert.match(r.evidence[0] ?? '', /not probed \(open rw \/dev\/kvm: not in dump\)/);
  });
});
