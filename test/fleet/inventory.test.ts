// Ansible inventories (INI and YAML): groups, children, vars precedence, ranges, --limit,
// and malformed input as one usage line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandHostPattern, parseInventory, selectTargets } from '../../src/fleet/inventory.js';

const INI = `# datacenter 1
lonely ansible_host=192.0.2.9

[kvm]
hv[01:03].dc1 ansible_user=ops
hv-special ansible_host=192.0.2.50 ansible_port=2200 ansible_user="root"

[kvm:vars]
ansible_user=admin
ansible_port=22

[storage]
san1 ansible_host=192.0.2.77

[dc1:children]
kvm
storage

[dc1:vars]
ansible_port=2222
`;

const YAML = `all:
  hosts:
    lonely: {ansible_host: 192.0.2.9}
  children:
    dc1:
      vars: {ansible_port: 2222}
      children:
        kvm:
          vars:
            ansible_user: admin
            ansible_port: 22
          hosts:
            hv[01:03].dc1: {ansible_user: ops}
            hv-special: {ansible_host: 192.0.2.50, ansible_port: 2200, ansible_user: root}
        storage:
          hosts:
            san1: {ansible_host: 192.0.2.77}
`;

const EXPECTED = [
  { name: 'hv01.dc1', host: 'hv01.dc1', user: 'ops', port: 22 },
  { name: 'hv02.dc1', host: 'hv02.dc1', user: 'ops', port: 22 },
  { name: 'hv03.dc1', host: 'hv03.dc1', user: 'ops', port: 22 },
  { name: 'hv-special', host: '192.0.2.50', user: 'root', port: 2200 },
];

describe('inventories', () => {
  for (const [file, text] of [['hosts.ini', INI], ['hosts.yml', YAML]] as const) {
    it(`${file}: groups, children and the variable precedence (host > child group > parent group)`, () => {
      const inv = parseInventory(text, file);
      assert.deepEqual(selectTargets(inv, ['kvm'], file), EXPECTED);
      assert.deepEqual(selectTargets(inv, ['storage'], file), [{ name: 'san1', host: '192.0.2.77', port: 2222 }]);
      assert.deepEqual(selectTargets(inv, [], file).map((t) => t.name), ['lonely', 'hv01.dc1', 'hv02.dc1', 'hv03.dc1', 'hv-special', 'san1']);
      assert.deepEqual(selectTargets(inv, ['dc1'], file).map((t) => t.name), ['hv01.dc1', 'hv02.dc1', 'hv03.dc1', 'hv-special', 'san1']);
      assert.deepEqual(selectTargets(inv, ['san1', 'lonely'], file).map((t) => t.name), ['lonely', 'san1']);
    });
  }

  it('expands ranges as Ansible does', () => {
    assert.deepEqual(expandHostPattern('web[8:10]', 'x'), ['web8', 'web9', 'web10']);
    assert.deepEqual(expandHostPattern('db-[a:c].x', 'x'), ['db-a.x', 'db-b.x', 'db-c.x']);
    assert.deepEqual(expandHostPattern('n[001:010:3]', 'x'), ['n001', 'n004', 'n007', 'n010']);
  });

  const bad: [string, string, string[], RegExp][] = [
    ['a.ini', '[kvm\nhv1\n', [], /a\.ini: line 1: section "\[kvm" is not valid/],
    ['a.ini', '[kvm:weird]\n', [], /section "\[kvm:weird\]" is not valid/],
    ['a.ini', '[kvm]\nhv1 ansible_port\n', [], /line 2: "ansible_port" is not KEY=VALUE/],
    ['a.ini', '[kvm]\nhv1 ansible_user="x\n', [], /unterminated " quote/],
    ['a.ini', '[kvm]\nhv1\n', ['web'], /--limit web: no such group or host in a\.ini; expected one of kvm/],
    ['a.ini', '[kvm]\nhv1 ansible_port=99999\n', [], /host hv1 ansible_port: port "99999" is out of range; expected 1-65535/],
    ['a.ini', '[kvm]\nhv1 ansible_host=a;b\n', [], /host "a;b" is not valid/],
    ['a.ini', '[kvm]\nhv1 ansible_user=$(id)\n', [], /user "\$\(id\)" is not valid/],
    ['a.yml', 'all:\n  hosts: [a, b\n', [], /a\.yml: not valid YAML/],
    ['a.yml', '- a\n- b\n', [], /expected a mapping of groups at the top/],
    ['a.yml', 'all:\n  hostz: {}\n', [], /all: unknown key "hostz"; expected hosts, children or vars/],
    ['a.yml', 'all:\n  hosts: [a]\n', [], /all\.hosts: expected a mapping of host names/],
    ['a.ini', '# nothing\n', [], /no hosts; expected at least one host/],
  ];
  for (const [file, text, limit, message] of bad) {
    it(`refuses ${JSON.stringify(text.slice(0, 30))}${limit.length ? ` --limit ${limit.join(',')}` : ''} in one line`, () => {
      assert.throws(() => selectTargets(parseInventory(text, file), limit, file), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'usage');
        assert.match(e.message, message);
        assert.ok(!e.message.includes('\n'), e.message);
        return true;
      });
    });
  }
});
