// Where the host's LVM settings come from (probe-host-use.ts probeHostLvm), over recorded
// answers: lvmconfig when it runs, the file when lvm2's tools are absent, "not installed"
// when neither is there, a reason when lvmconfig fails or prints garbage; the devices file
// read only when use_devicesfile=1, and "absent" when it does not exist.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostUseCommands, probeHostLvm } from '../../src/facts/probe-host-use.js';
import { passthroughCommands } from '../../src/facts/probe-passthrough.js';
import { REMOTE_PROBE_SH } from '../../src/facts/remote-probe-script.js';
import { MemorySource } from '../memory-source.js';

const LVMCONFIG = hostUseCommands.lvmconfig().name;

function source(o: { lvmconfig?: { code: number; stdout?: string; stderr?: string }; files?: Record<string, string> }): MemorySource {
  const s = new MemorySource();
  if (o.lvmconfig) s.commands.set(LVMCONFIG, { code: o.lvmconfig.code, stdout: o.lvmconfig.stdout ?? '', stderr: o.lvmconfig.stderr ?? '' });
  for (const [p, t] of Object.entries(o.files ?? {})) s.files.set(p, t);
  return s;
}

describe('probeHostLvm', () => {
  it('asks lvmconfig --type full devices (the merged settings) before the file', async () => {
    const s = source({ lvmconfig: { code: 0, stdout: 'devices {\n\tglobal_filter=["r|/dev/zd.*|"]\n\tuse_devicesfile=0\n\tscan_lvs=0\n}\n' }, files: { '/etc/lvm/lvm.conf': 'devices { global_filter = [ "a|.*|" ] }' } });
    const r = await probeHostLvm(s);
    assert.deepEqual(r, { ok: true, value: { installed: true, from: 'lvmconfig --type full devices', scan: { globalFilter: ['r|/dev/zd.*|'], filter: [], useDevicesFile: false, devicesFile: 'system.devices', scanLvs: false } } });
    assert.deepEqual(hostUseCommands.lvmconfig().argv, ['env', 'LVM_SUPPRESS_FD_WARNINGS=1', 'lvmconfig', '--type', 'full', 'devices']);
  });
  it('without lvm2 tools (env exit 127) reads /etc/lvm/lvm.conf; without both, lvm2 is not installed', async () => {
    const r = await probeHostLvm(source({ lvmconfig: { code: 127, stderr: 'env: lvmconfig: No such file or directory' }, files: { '/etc/lvm/lvm.conf': 'devices {\n  global_filter = [ "r|^/dev/sdb$|" ]\n}\n' } }));
    assert.ok(r.ok && r.value.installed);
    assert.equal(r.ok && r.value.installed ? r.value.from : '', '/etc/lvm/lvm.conf');
    assert.deepEqual(r.ok && r.value.installed ? r.value.scan.globalFilter : [], ['r|^/dev/sdb$|']);
    assert.deepEqual(await probeHostLvm(source({ lvmconfig: { code: 127 } })), { ok: true, value: { installed: false } });
  });
  it('a failing lvmconfig with no file, and garbage, are reasons (never "accept all")', async () => {
    const failed = await probeHostLvm(source({ lvmconfig: { code: 5, stderr: '  Configuration node devices not found' } }));
    assert.equal(failed.ok, false);
    if (!failed.ok) assert.match(failed.reason, /^LVM settings unreadable: lvmconfig: exit 5: Configuration node devices not found; \/etc\/lvm\/lvm.conf: ENOENT/);
    const garbage = await probeHostLvm(source({ lvmconfig: { code: 0, stdout: 'devices {\n global_filter = [ "r|x|\n' } }));
    assert.equal(garbage.ok, false);
    if (!garbage.ok) assert.match(garbage.reason, /^lvmconfig --type full devices: lvm config: line 2: unterminated string/);
  });
  it('reads the devices file named by devicesfile only when use_devicesfile=1; a missing one is "absent"', async () => {
    const conf = 'devices {\n\tuse_devicesfile=1\n\tdevicesfile="vm-host.devices"\n}\n';
    const listed = await probeHostLvm(source({ lvmconfig: { code: 0, stdout: conf }, files: { '/etc/lvm/devices/vm-host.devices': 'VERSION=1.1.1\nIDTYPE=devname IDNAME=/dev/sda3 DEVNAME=/dev/sda3 PVID=abc\n' } }));
    assert.deepEqual(listed.ok && listed.value.installed ? listed.value.devicesFile : undefined, { ok: true, value: [{ idType: 'devname', idName: '/dev/sda3', devName: '/dev/sda3', pvid: 'abc' }] });
    const absent = await probeHostLvm(source({ lvmconfig: { code: 0, stdout: conf } }));
    assert.equal(absent.ok && absent.value.installed ? absent.value.devicesFile : undefined, 'absent');
  });
});

describe('the remote probe script sends what probeHostUse reads', () => {
  it('runs pvs and lvmconfig under the dump names and with the argv the probe uses, and sends lvm.conf and the devices file', () => {
    for (const spec of [passthroughCommands.pvs(), hostUseCommands.lvmconfig()]) {
      assert.ok(REMOTE_PROBE_SH.includes(`run ${spec.name} ${spec.argv.join(' ')}\n`), `the script runs ${spec.name} as: ${spec.argv.join(' ')}`);
    }
    for (const f of ['/etc/lvm/lvm.conf', '/etc/lvm/devices/system.devices']) assert.ok(REMOTE_PROBE_SH.includes(`rfile ${f}\n`), f);
  });
});
