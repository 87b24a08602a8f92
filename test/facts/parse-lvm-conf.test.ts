// lvm.conf syntax as both sources print it: `lvmconfig --type full devices` (recorded on
// this machine, LVM 2.03.16) and the file's own text (comments, sections, arrays over
// lines, escapes); the scan settings with lvm2's defaults; the devices file. Garbage is a
// reason, never an empty config (an empty config would mean "accept everything").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lvmScanSettings, parseLvmConfig } from '../../src/facts/parse-lvm-conf.js';
import { parseDevicesFile } from '../../src/facts/parse-lvm-devices-file.js';

// Recorded: `lvmconfig --type full devices` on Debian 12 (lvm2 2.03.16), cut to the keys around the ones read.
const LVMCONFIG = `devices {
	dir="/dev"
	scan=["/dev"]
	obtain_device_list_from_udev=0
	use_devicesfile=0
	devicesfile="system.devices"
	filter=["a|.*|"]
	global_filter=["a|.*|"]
	cache_file_prefix=""
	scan_lvs=0
	pv_min_size=2048
}
`;

// The shape Proxmox VE hosts carry at the end of lvm.conf (pve-manager's block), plus a hand edit.
const FILE = `# This is an example configuration file for the LVM2 system.
config {
	checks = 1
}
devices {
	# Configuration option devices/global_filter.
	# global_filter = [ "a|.*|" ]
	scan_lvs = 1
}
activation {
	auto_activation_volume_list = [ "pve" ]
}
devices {
     # added by pve-manager to avoid scanning ZFS zvols and Ceph rbds
     global_filter=["r|/dev/zd.*|","r|/dev/rbd.*|",
        "r|^/dev/disk/by-id/wwn-0x5000c500a1b2c3d4$|" ,
        "r|/dev/has \\"quote|", 'r|/dev/single|']
     use_devicesfile = 1
     devicesfile = "vms.devices"
}
`;

describe('parse-lvm-conf', () => {
  it('reads lvmconfig --type full output: every key by path, numbers as numbers', () => {
    const t = parseLvmConfig(LVMCONFIG);
    assert.ok(t.ok, t.ok ? '' : t.reason);
    assert.deepEqual(t.value.get('devices/global_filter'), ['a|.*|']);
    assert.equal(t.value.get('devices/scan_lvs'), 0);
    assert.equal(t.value.get('devices/cache_file_prefix'), '');
    assert.deepEqual(lvmScanSettings(t.value), { globalFilter: ['a|.*|'], filter: ['a|.*|'], useDevicesFile: false, devicesFile: 'system.devices', scanLvs: false });
  });
  it('reads the file: comments skipped, sections repeated (the later key wins), arrays over lines, both quote kinds, escapes', () => {
    const t = parseLvmConfig(FILE);
    assert.ok(t.ok, t.ok ? '' : t.reason);
    assert.deepEqual(lvmScanSettings(t.value), {
      globalFilter: ['r|/dev/zd.*|', 'r|/dev/rbd.*|', 'r|^/dev/disk/by-id/wwn-0x5000c500a1b2c3d4$|', 'r|/dev/has "quote|', 'r|/dev/single|'],
      filter: [],
      useDevicesFile: true,
      devicesFile: 'vms.devices',
      scanLvs: true,
    });
    assert.deepEqual(t.value.get('activation/auto_activation_volume_list'), ['pve']);
    assert.equal(t.value.get('config/checks'), 1);
  });
  it("an empty text is lvm2's defaults: accept all, no devices file, scan_lvs 0", () => {
    const t = parseLvmConfig('# nothing set\n');
    assert.ok(t.ok);
    assert.deepEqual(lvmScanSettings(t.value), { globalFilter: [], filter: [], useDevicesFile: false, devicesFile: 'system.devices', scanLvs: false });
  });
  const bad: [string, string, RegExp][] = [
    ['an unterminated string', 'devices {\n global_filter = [ "r|x|\n}', /line 2: unterminated string/],
    ['an unclosed section', 'devices {\n scan_lvs = 0\n', /section "devices" is not closed/],
    ['a stray brace', '}\n', /line 1: "}", expected a setting/],
    ['a key without a value', 'devices {\n scan_lvs =\n}', /line 3: "}", expected a value for devices\/scan_lvs/],
    ['lvm error text instead of a config', '  Configuration node devices/x not found', /expected "=" or "\{" after Configuration/],
    ['a bare word as a value', 'devices { dir = /dev }', /expected a value for devices\/dir/],
  ];
  for (const [name, text, re] of bad) {
    it(`refuses ${name}`, () => {
      const t = parseLvmConfig(text);
      assert.equal(t.ok, false);
      if (!t.ok) assert.match(t.reason, re);
    });
  }
});

describe('parse-lvm-devices-file', () => {
  it('reads entries (lvm 2.03.16 format), skipping VERSION, SYSTEMID and comments', () => {
    const text = `# LVM uses devices listed in this file.
# Created by LVM command lvmdevices pid 4242 at Tue Dec  1 10:00:00 2026
VERSION=1.1.2
IDTYPE=devname IDNAME=/dev/loop3 DEVNAME=/dev/loop3 PVID=Yw2l7bXq9cZk1Q8mR4tT6uV0wX2yZ4aB PART=.
IDTYPE=sys_wwid IDNAME=naa.5000c500a1b2c3d4 DEVNAME=/dev/sdb PVID=. PART=2
`;
    const r = parseDevicesFile(text);
    assert.deepEqual(r, { ok: true, value: [
      { idType: 'devname', idName: '/dev/loop3', devName: '/dev/loop3', pvid: 'Yw2l7bXq9cZk1Q8mR4tT6uV0wX2yZ4aB', part: '.' },
      { idType: 'sys_wwid', idName: 'naa.5000c500a1b2c3d4', devName: '/dev/sdb', part: '2' },
    ] });
  });
  it('refuses a line without IDTYPE/IDNAME', () => {
    const r = parseDevicesFile('VERSION=1.1.1\nDEVNAME=/dev/sdb PVID=x\n');
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.reason, /line 2: no IDTYPE\/IDNAME/);
  });
});
