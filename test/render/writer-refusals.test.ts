// Issue 18, class 4, beyond XML: a value the target format cannot carry literally is not
// written. udev: a wwid/serial with a quote, backslash, glob or control character is not
// used as the identity (the next one is); tmpfiles.d and sysctl.d refuse words that would
// change the line; a plan value with a Jinja2 delimiter never reaches the playbook.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { udevSchedulerRule } from '../../src/decide/udev-match.js';
import { checkUdevRules } from '../../src/render/udev-grammar.js';
import { tmpfilesLine } from '../../src/render/scheduler-persist.js';
import { renderSysctlConf } from '../../src/render/sysctl-conf.js';
import { KvmioError } from '../../src/errors.js';
import { disk } from '../decide/fake-facts.js';

describe('udev rules: an identity that cannot be matched literally is not used', () => {
  const cases: { scenario: string; wwid?: string; serial?: string; want: RegExp }[] = [
    { scenario: 'a wwid with a quote falls back to a clean serial', wwid: 'naa.5"000', serial: 'S1', want: /ATTRS\{serial\}=="S1"/ },
    { scenario: 'a serial with a glob falls back to the kernel name', serial: 'WD-*', want: /KERNEL=="sdq"/ },
    { scenario: 'a serial with a newline falls back to the kernel name', serial: 'ab\nACTION=="remove"', want: /KERNEL=="sdq"/ },
    { scenario: 'a wwid with a backslash falls back', wwid: 'naa.\\x41', want: /KERNEL=="sdq"/ },
    { scenario: 'a wwid with spaces is matched as it is', wwid: 't10.ATA     SAMSUNG SSD', want: /ATTRS\{wwid\}=="t10\.ATA {5}SAMSUNG SSD"/ },
  ];
  for (const c of cases) {
    it(c.scenario, () => {
      const rule = udevSchedulerRule(disk('sdq', { ...(c.wwid === undefined ? {} : { wwid: c.wwid }), ...(c.serial === undefined ? {} : { serial: c.serial }) }), 'mq-deadline');
      assert.match(rule, c.want);
      assert.ok(!rule.includes('\n'), rule);
      assert.deepEqual(checkUdevRules(rule), []);
    });
  }
});

describe('tmpfiles.d and sysctl.d refuse what would change the line', () => {
  for (const device of ['sd a', 'sda\nw /etc/shadow - - - - x', 'sd%a', 'sd\\a']) {
    it(`tmpfiles device ${JSON.stringify(device)}`, () => {
      assert.throws(() => tmpfilesLine({ device, scheduler: 'none', udevRule: '', comment: '' }), (e: unknown) => e instanceof KvmioError && e.code === 'refused' && /cannot be written safely/.test(e.message) && !e.message.includes('\n'));
    });
  }
  it('a sane tmpfiles line is written', () => assert.equal(tmpfilesLine({ device: 'nvme0n1', scheduler: 'none', udevRule: '', comment: '' }), 'w /sys/block/nvme0n1/queue/scheduler - - - - none'));
  it('a sysctl value with a line break is refused; a comment with one becomes two comment lines', () => {
    assert.throws(() => renderSysctlConf([{ key: 'fs.aio-max-nr', value: '1\nkernel.panic = 1', why: [] }]), /cannot be written safely/);
    const text = renderSysctlConf([{ key: 'fs.aio-max-nr', value: '1048576', why: ['one\nkernel.panic = 1'] }]);
    assert.deepEqual(text.split('\n').filter((l) => !l.startsWith('#') && l !== ''), ['fs.aio-max-nr = 1048576']);
  });
});

describe('a plan value Ansible would template is refused before the playbook is written', () => {
  it('export ansible: a dir pool path holding "{{ … }}" exits 2 and writes nothing', async () => {
    const { writeFileSync, existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { cli, withTempDir } = await import('../helpers.js');
    await withTempDir(async (dir) => {
      const plan = ['kvmio: kvmio-plan/1', 'pools:', `  - { name: imgs, type: dir, path: "/srv/{{ lookup('pipe', 'touch ${dir}/pwned') }}" }`, 'vms: []', ''].join('\n');
      writeFileSync(join(dir, 'p.yaml'), plan);
      const r = await cli(['export', 'ansible', join(dir, 'p.yaml'), '-o', join(dir, 'out')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /pools\[0\]\.path: .* holds a Jinja2 delimiter/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(!existsSync(join(dir, 'out')));
    });
  });
});
