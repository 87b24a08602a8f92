// Plans and pools against the real libvirtd (qemu:///system): pool create --dir and disk
// create --pool through the journal, plan apply of one planned VM (dir pool, qcow2 and
// raw volumes made through the pool), a second apply that changes nothing, rollback that
// removes everything; and the seed deployment's XML through virt-xml-validate.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../../src/exec.js';
import { REPO, cli, uniqueName, withTempDir } from '../helpers.js';
import { parsePlan } from '../../src/plan/parse-plan.js';
import { planChanges } from '../../src/plan/plan-changes.js';
import { probePlanFacts } from '../../src/facts/probe-plan-facts.js';
import { renderPoolXml } from '../../src/render/pool-xml.js';
import { readFileSync } from 'node:fs';

const URI = 'qemu:///system';
const virsh = (...args: string[]) => exec(['virsh', '-q', '-c', URI, ...args], { timeoutMs: 60_000 });
const env = { ...process.env, LIBVIRT_DEFAULT_URI: URI };

/** Removes what a failed test may have left, by its unique names only. */
async function cleanup(pool: string, domain?: string): Promise<void> {
  if (domain !== undefined) await virsh('undefine', '--', domain);
  const vols = await virsh('vol-list', pool);
  for (const line of vols.stdout.split('\n')) {
    const v = line.trim().split(/\s+/)[0];
    if (v) await virsh('vol-delete', '--pool', pool, '--', v);
  }
  await virsh('pool-destroy', '--', pool);
  await virsh('pool-undefine', '--', pool);
}

describe('kvmio pool create and disk create --pool on the real libvirtd', () => {
  it('creates a dir pool and a volume through it; vol-list shows it; rollback removes both', async () => {
    await withTempDir(async (dir) => {
      const pool = uniqueName('kvmio-pool');
      const st = join(dir, 'state');
      try {
        const dry = await cli(['pool', 'create', pool, '--dir', join(dir, 'p'), '--state-dir', st], env);
        assert.equal(dry.code, 0, dry.stderr);
        assert.match(dry.stdout, /would-change +pool .*: not defined → defined, active, autostart on/);
        assert.equal((await virsh('pool-info', pool)).code, 1, 'a dry run defines nothing');
        const p = await cli(['pool', 'create', pool, '--dir', join(dir, 'p'), '--state-dir', st, '--yes'], env);
        assert.equal(p.code, 0, p.stderr + p.stdout);
        const info = await virsh('pool-info', pool);
        assert.match(info.stdout, /State:\s+running/);
        assert.match(info.stdout, /Autostart:\s+yes/);
        const d = await cli(['disk', 'create', 'web', '--size', '16M', '--pool', pool, '--format', 'qcow2', '--state-dir', st, '--yes'], env);
        assert.equal(d.code, 0, d.stderr + d.stdout);
        assert.match(d.stdout, /vol-create-as .* web\.qcow2 16777216 --format qcow2 --allocation 0 --prealloc-metadata/);
        const list = await virsh('vol-list', pool);
        assert.match(list.stdout, new RegExp(`web\\.qcow2\\s+${join(dir, 'p', 'web.qcow2').replace(/[.]/g, '\\.')}`));
        const info2 = await exec(['qemu-img', 'info', '--output=json', join(dir, 'p', 'web.qcow2')]);
        assert.equal(JSON.parse(info2.stdout).format, 'qcow2');
        const again = await cli(['disk', 'create', 'web', '--size', '16M', '--pool', pool, '--format', 'qcow2', '--state-dir', st, '--yes'], env);
        assert.match(again.stdout, /unchanged/);
        const rb = await cli(['rollback', '--state-dir', st, '--yes'], env);
        assert.equal(rb.code, 0, rb.stderr + rb.stdout);
        assert.equal((await virsh('pool-info', pool)).code, 1, 'pool undefined');
        assert.ok(!existsSync(join(dir, 'p', 'web.qcow2')), 'volume deleted');
        assert.ok(!existsSync(join(dir, 'p')), 'the empty directory pool-build made is gone');
      } finally {
        await cleanup(pool);
      }
    });
  });

  it('pool create refuses a VG that does not exist, and a bad name is a usage error', async () => {
    const r = await cli(['pool', 'create', uniqueName('kvmio-pool'), '--vg', 'kvmio-no-such-vg'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--vg kvmio-no-such-vg: (no such volume group|volume groups unreadable)/);
    const u = await cli(['pool', 'create', '-x', '--dir', '/tmp'], env);
    assert.equal(u.code, 2);
  });
});

describe('kvmio plan apply on the real libvirtd', () => {
  it('defines a planned VM with volumes made through its dir pool; a second apply changes nothing; rollback undoes all', async () => {
    await withTempDir(async (dir) => {
      const pool = uniqueName('kvmio-plan-pool');
      const vm = uniqueName('kvmio-plan-vm');
      const st = join(dir, 'state');
      const file = join(dir, 'plan.yaml');
      writeFileSync(file, [
        'kvmio: kvmio-plan/1',
        'host:',
        '  schedulers: { policy: keep }',
        'pools:',
        `  - { name: ${pool}, type: dir, path: ${join(dir, 'pool')} }`,
        'vms:',
        `  - name: ${vm}`,
        '    memory: 64M',
        '    vcpus: 1',
        '    disks:',
        `      - { type: image, pool: ${pool}, name: root.qcow2, size: 16M, format: qcow2 }`,
        `      - { type: image, pool: ${pool}, name: data.raw, size: 8M }`,
        '',
      ].join('\n'));
      const args = ['plan', 'apply', file, '--domain-type', 'qemu', '--state-dir', st, '--root', join(dir, 'root')];
      try {
        const dry = await cli(args, env);
        assert.equal(dry.code, 0, dry.stderr + dry.stdout);
        // this machine's sysfs must not be touched by the test: no live (sysfs) host action
        // planned; files go under --root (objects that are paths)
        assert.doesNotMatch(dry.stdout, /^would-change +(sched|aio)\.[\w.-]+ (?!\/)/m);
        const r = await cli([...args, '--yes'], env);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.match(r.stdout, /changed +pool\.create/);
        assert.match(r.stdout, /changed +plan\.domain/);
        const vols = await virsh('vol-list', pool);
        assert.match(vols.stdout, /root\.qcow2/);
        assert.match(vols.stdout, /data\.raw/);
        const raw = JSON.parse((await exec(['qemu-img', 'info', '--output=json', join(dir, 'pool', 'data.raw')])).stdout) as { 'actual-size': number; 'virtual-size': number };
        assert.ok(raw['actual-size'] >= raw['virtual-size'], 'raw preallocated (--allocation = capacity)');
        const xml = (await virsh('dumpxml', '--inactive', vm)).stdout;
        assert.match(xml, /machine='pc-q35/);
        assert.match(xml, /<driver name='qemu' type='raw' cache='none' io='native' iothread='2'\/>/);
        assert.match(xml, new RegExp(`<source file='${join(dir, 'pool', 'root.qcow2')}'`));
        const second = await cli([...args, '--yes'], env);
        assert.equal(second.code, 0, second.stderr + second.stdout);
        assert.match(second.stdout, /^0 changes made, 5 already as planned$/m);
        const rb = await cli(['rollback', '--state-dir', st, '--yes'], env);
        assert.equal(rb.code, 0, rb.stderr + rb.stdout);
        assert.equal((await virsh('dominfo', vm)).code, 1, 'domain undefined');
        assert.equal((await virsh('pool-info', pool)).code, 1, 'pool undefined');
        assert.ok(!existsSync(join(dir, 'pool', 'root.qcow2')));
      } finally {
        await cleanup(pool, vm);
      }
    });
  });

  it('a plan with problems applies nothing', async () => {
    await withTempDir(async (dir) => {
      const pool = uniqueName('kvmio-plan-pool');
      const file = join(dir, 'plan.yaml');
      writeFileSync(file, `kvmio: kvmio-plan/1\npools:\n  - { name: ${pool}, type: dir, path: ${join(dir, 'pool')} }\nvms:\n  - name: a\n    disks: [{ type: disk, device: /dev/vda }]\n`);
      try {
        const r = await cli(['plan', 'apply', file, '--state-dir', join(dir, 'st'), '--yes'], env);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /plan\.yaml:6:35: vms\[0\]\.disks\[0\]\.device: "\/dev\/vda" would be given to VM "a" but vda carries the host's root filesystem/);
        assert.equal((await virsh('pool-info', pool)).code, 1, 'nothing defined');
        assert.ok(!existsSync(join(dir, 'st', 'journal.jsonl')));
      } finally {
        await cleanup(pool);
      }
    });
  });
});

describe('the seed deployment\'s XML passes virt-xml-validate', () => {
  it('every planned domain (complete, as for a new VM) and the pools', async () => {
    const file = join(REPO, 'examples', 'seed-homelab.yaml');
    const parsed = parsePlan(readFileSync(file, 'utf8'), file);
    assert.ok(parsed.ok);
    const recorded = await probePlanFacts(join(REPO, 'test', 'fixtures', 'hosts', 'dl360-gen9'), {}, { pci: [], domains: parsed.value.plan.vms.map((v) => v.name) });
    // as if no VM existed yet: every domain complete, as plan apply defines a new one
    const facts = { ...recorded, pt: { ...recorded.pt, domains: { ok: true as const, value: [] } }, domainXml: {} };
    const changes = planChanges(parsed.value.plan, facts);
    const domains = changes.filter((c) => c.section === 'domains' && c.status === 'create').map((c) => c.text ?? '');
    assert.equal(domains.length, 5);
    for (const [i, xml] of domains.entries()) {
      // UEFI (OVMF) exactly on the VMs that get a passed-through device, as the guide uses
      assert.equal(/<os firmware='efi'>/.test(xml), /<hostdev /.test(xml), `domain ${i}`);
    }
    assert.equal(domains.filter((x) => /<os firmware='efi'>/.test(x)).length, 3);
    await withTempDir(async (dir) => {
      for (const [i, xml] of domains.entries()) {
        const f = join(dir, `d${i}.xml`);
        writeFileSync(f, xml);
        const v = await exec(['virt-xml-validate', f, 'domain']);
        assert.equal(v.code, 0, `${xml}\n${v.stderr}${v.stdout}`);
      }
      for (const [i, p] of [renderPoolXml({ type: 'logical', name: 'vmdata', vg: 'vmdata', devices: ['/dev/sda4'] }), renderPoolXml({ type: 'dir', name: 'images', path: '/var/lib/libvirt/images' })].entries()) {
        const f = join(dir, `p${i}.xml`);
        writeFileSync(f, p);
        const v = await exec(['virt-xml-validate', f, 'storagepool']);
        assert.equal(v.code, 0, `${p}\n${v.stderr}${v.stdout}`);
      }
    });
  });
});
