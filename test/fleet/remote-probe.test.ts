// The remote probe script against this machine, under dash and busybox sh: its stream,
// parsed locally, must answer every read the host probe makes exactly as the machine
// does (a read the script does not send fails this test), and audit to the same
// findings as `kvmio collect` of the same machine.
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exec, execOk } from '../../src/exec.js';
import { VM_COMMANDS } from '../../src/facts/commands.js';
import { dumpName } from '../../src/facts/dump-format.js';
import { vmFacts } from '../../src/cli/vm-facts.js';
import { DumpSource } from '../../src/facts/dump-source.js';
import { LocalSource } from '../../src/facts/local-source.js';
import { probeHost } from '../../src/facts/probe-host.js';
import { RecordingSource } from '../../src/facts/recording-source.js';
import { REMOTE_PROBE_SH } from '../../src/facts/remote-probe-script.js';
import { parseProbeStream } from '../../src/facts/remote-stream.js';
import { writeDump } from '../../src/facts/write-dump.js';
import { RemoteSource } from '../../src/facts/remote-source.js';
import type { CommandSpec, OpenMode, Read, Source } from '../../src/facts/source.js';
import { auditHost } from '../../src/decide/audit-host.js';
import { fixture, REPO, uniqueName, withTempDir } from '../helpers.js';
import { probeProxmox } from '../../src/proxmox/probe-proxmox.js';

/** Values that change between two reads a moment apart. */
const VOLATILE = new Set(['/proc/cpuinfo', '/proc/sys/fs/aio-nr']);
/** Loop devices other tests attach and detach all the time: their attributes come and go (vda's and the rest are compared). */
const CHURNING = /^\/sys\/devices\/virtual\/block\/loop\d+\//;

/** Answers from `truth`, and notes every read `other` answers differently. */
class ComparingSource implements Source {
  readonly label = 'local';
  readonly mismatches: string[] = [];
  reads = 0;
  constructor(private readonly truth: Source, private readonly other: Source, private readonly volatile = true) {}
  private async both<T>(what: string, path: string, f: (s: Source) => Promise<Read<T>>): Promise<Read<T>> {
    this.reads++;
    const [a, b] = await Promise.all([f(this.truth), f(this.other)]);
    if (this.volatile && CHURNING.test(path)) return a;
    if (a.ok !== b.ok || (!this.volatile && !a.ok && !b.ok && a.reason !== b.reason)) this.mismatches.push(`${what} ${path}: machine ${a.ok ? 'ok' : a.reason}, stream ${b.ok ? 'ok' : b.reason}`);
    else if (a.ok && b.ok && !(this.volatile && VOLATILE.has(path)) && JSON.stringify(a.value) !== JSON.stringify(b.value)) {
      this.mismatches.push(`${what} ${path}: machine ${JSON.stringify(a.value).slice(0, 60)}, stream ${JSON.stringify(b.value).slice(0, 60)}`);
    }
    return a;
  }
  readonly read = new Set<string>();
  /** Names a listing lacks: a dump holds only the plain files the probe read (RecordingSource too). */
  readonly unlisted: string[] = [];
  readText(p: string) {
    this.read.add(p);
    return this.both('readText', p, (s) => s.readText(p));
  }
  async listDir(p: string) {
    this.reads++;
    const [a, b] = await Promise.all([this.truth.listDir(p), this.other.listDir(p)]);
    if (a.ok !== b.ok) this.mismatches.push(`listDir ${p}: machine ${a.ok ? 'ok' : a.reason}, stream ${b.ok ? 'ok' : b.reason}`);
    else if (a.ok && b.ok) {
      for (const n of b.value) if (!a.value.includes(n)) this.mismatches.push(`listDir ${p}: stream has ${n}, machine does not`);
      for (const n of a.value) if (!b.value.includes(n)) this.unlisted.push(`${p}/${n}`);
    }
    return a;
  }
  /** The names missing from listings must be plain files the probe never read. */
  checkUnlisted(): void {
    for (const path of this.unlisted) {
      if (this.read.has(path) || !lstatSync(path).isFile()) this.mismatches.push(`listDir: ${path} missing from the stream's listing`);
    }
  }
  readLink(p: string) { return this.both('readLink', p, (s) => s.readLink(p)); }
  run(c: CommandSpec) { return this.both('run', c.name, (s) => s.run(c)); }
  tryOpen(p: string, m: OpenMode) { return this.both(`tryOpen ${m}`, p, (s) => s.tryOpen(p, m)); }
}

async function streamDump(shell: readonly string[], dir: string): Promise<DumpSource> {
  const r = await exec([...shell, '-s'], { input: REMOTE_PROBE_SH, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'the script writes nothing to stderr');
  const tree = parseProbeStream(r.stdout);
  assert.ok(tree.complete);
  await writeDump(dir, tree, { redact: false, origin: 'test' });
  return new DumpSource(dir);
}

describe('remote probe script', () => {
  it('is embedded unchanged (run node scripts/embed-remote-probe.mjs after editing remote-probe.sh)', () => {
    assert.equal(REMOTE_PROBE_SH, readFileSync(join(REPO, 'src', 'facts', 'remote-probe.sh'), 'utf8'));
  });

  for (const shell of [['dash'], ['busybox', 'sh']]) {
    it(`under ${shell.join(' ')}: sends every read the host probe makes, with the machine's values`, async () => {
      // Other tests attach loop devices and set schedulers meanwhile: a live difference goes
      // away on the next try, a read the script does not send stays.
      let last: string[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        last = await withTempDir(async (dir) => {
          const cmp = new ComparingSource(new LocalSource(), await streamDump(shell, dir));
          await probeHost(cmp);
          cmp.checkUnlisted();
          assert.ok(cmp.reads > 50, `the probe made ${cmp.reads} reads`);
          return cmp.mismatches;
        });
        if (last.length === 0) break;
      }
      assert.deepEqual(last, []);
    });
  }

  it('on a Proxmox VE node: sends every read probeProxmox makes (the pve-host fixture over /etc, in a private mount namespace)', async () => {
    await withTempDir(async (dir) => {
      const pve = fixture('proxmox', 'pve-host');
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      // pveversion is Proxmox's; the fixture recorded its answer
      writeFileSync(join(bin, 'pveversion'), `#!/bin/sh\nexec cat ${join(pve, 'cmd', 'pveversion.out')}\n`, { mode: 0o755 });
      // pvesm path STORAGE:VOLUME answers with the path kvmio resolves from storage.cfg (the volumes do not exist here)
      const recorded = await probeProxmox(new DumpSource(pve));
      const volumes = recorded.vms.flatMap((p) => p.vm.disks).filter((d) => d.device !== 'cdrom' && d.device !== 'floppy');
      const paths = volumes.flatMap((d) => (d.source.kind === 'volume' && d.source.path ? [[`${d.source.pool}:${d.source.volume}`, d.source.path]] : d.source.kind === 'file' || d.source.kind === 'block' ? [['', d.source.path]] : []));
      assert.ok(paths.length >= 6, `${paths.length} local disk sources in the fixture`);
      writeFileSync(join(dir, 'volumes.tsv'), paths.filter(([id]) => id !== '').map(([id, p]) => `${id}\t${p}\n`).join(''));
      writeFileSync(join(bin, 'pvesm'), `#!/bin/sh\n[ "$1" = path ] || exit 2\nwhile IFS="$(printf '\\t')" read -r id p; do [ "$id" = "$2" ] && { printf '%s\\n' "$p"; exit 0; }; done <${join(dir, 'volumes.tsv')}\necho "no such volume '$2'" >&2\nexit 255\n`, { mode: 0o755 });
      // The fixture's /etc/pve shows through a read-only overlay on /etc, seen only by this process.
      const inNs = join(dir, 'in-ns.sh');
      writeFileSync(inNs, 'mount -t overlay overlay -o "lowerdir=$1:/etc" /etc || exit 9\nexec dash -s\n');
      const r = await exec(['unshare', '--mount', '--propagation', 'private', '--', 'sh', inNs, join(pve, 'fs', 'etc')], {
        input: REMOTE_PROBE_SH,
        env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, r.stderr);
      const tree = parseProbeStream(r.stdout);
      assert.ok(tree.complete);
      await writeDump(join(dir, 'dump'), tree, { redact: false, origin: 'test' });
      const viaStream = await probeProxmox(new DumpSource(join(dir, 'dump')));
      assert.equal(viaStream.present, true);
      assert.ok(viaStream.vms.length >= 8, `${viaStream.vms.length} VMs`);
      assert.deepEqual(viaStream, recorded);
      assert.ok(tree.commands.has('qemu-system-x86_64--version'), 'the QEMU version the table needs for io_uring');
      // every local disk source of every VM was looked at (stat), as probeVmSources asks
      const unsent = paths.map(([, p]) => p as string).filter((p) => !tree.commands.has(`stat/${dumpName(p)}`));
      assert.deepEqual(unsent, []);
    });
  });

  it('runs the disk-source commands with the argv of src/facts/commands.ts (stat, qemu-img info, lvs)', () => {
    // The script cannot import commands.ts: its words must match them (paths are "$1" there).
    const words = (line: string): string => line.replace(/["']/g, '');
    const lines = REMOTE_PROBE_SH.split('\n').map(words);
    for (const spec of [VM_COMMANDS.stat('$1'), VM_COMMANDS.imageInfo('$1'), VM_COMMANDS.lvs('$1')]) {
      const argv = spec.argv.join(' ');
      assert.ok(lines.some((l) => l.includes(` ${argv}`)), `the script runs ${spec.argv[0]} as: ${argv}`);
    }
  });

  it('in memory (RemoteSource) answers every read exactly as the written dump (DumpSource)', async () => {
    await withTempDir(async (dir) => {
      const r = await exec(['dash', '-s'], { input: REMOTE_PROBE_SH, timeoutMs: 30_000 });
      const tree = parseProbeStream(r.stdout);
      await writeDump(dir, tree, { redact: false, origin: 'test' });
      const cmp = new ComparingSource(new DumpSource(dir), new RemoteSource('test', tree), false);
      await probeHost(cmp);
      assert.deepEqual(cmp.mismatches, []);
      for (const p of ['/nonexistent', '/sys', '/proc/self/mountinfo', '/sys/class/block', '/proc/cmdline/x']) {
        for (const f of ['readText', 'listDir', 'readLink'] as const) {
          assert.deepEqual(await new RemoteSource('t', tree)[f](p), await new DumpSource(dir)[f](p), `${f} ${p}`);
        }
      }
    });
  });

  it('audits to the same findings as kvmio collect of the same machine', async () => {
    // two snapshots a moment apart: a live change (another test's loop device) differs once, a real gap always
    let last: { local: unknown[]; viaStream: unknown[] } = { local: [], viaStream: [1] };
    for (let attempt = 0; attempt < 3 && JSON.stringify(last.local) !== JSON.stringify(last.viaStream); attempt++) {
      last = await withTempDir(async (dir) => {
        const rec = new RecordingSource(new LocalSource());
        await probeHost(rec);
        await rec.save(join(dir, 'local'), { redact: false });
        const remote = await streamDump(['dash'], join(dir, 'stream'));
        const local = auditHost(await probeHost(new DumpSource(join(dir, 'local'))));
        assert.ok(local.length > 5);
        return { local, viaStream: auditHost(await probeHost(remote)) };
      });
    }
    assert.deepEqual(last.viaStream, last.local);
  });

  it('parses framing: no final newline, empty files, banner lines before the start, cut-off streams', () => {
    const t = parseProbeStream('Welcome!\nkvmio-probe/1\nF /a\n|x\n|y\n-\nF /b\nF /c\n|\nD /d\n|d sub\n|f file\nE /e EACCES\nO rw:/dev/kvm ok\nkvmio-probe-end\n');
    assert.deepEqual(t.entries.get('/a'), { kind: 'file', text: 'x\ny' });
    assert.deepEqual(t.entries.get('/b'), { kind: 'file', text: '' });
    assert.deepEqual(t.entries.get('/c'), { kind: 'file', text: '\n' });
    assert.deepEqual(t.entries.get('/d/sub'), { kind: 'dir' });
    assert.equal(t.entries.has('/d/file'), false);
    assert.deepEqual(t.errors, { '/e': 'EACCES' });
    assert.deepEqual(t.opens, { 'rw:/dev/kvm': 'ok' });
    assert.ok(t.complete);
    assert.equal(parseProbeStream('kvmio-probe/1\nF /a\n|x\n').complete, false);
    assert.throws(() => parseProbeStream('hello\n'), /no "kvmio-probe\/1" line/);
    assert.throws(() => parseProbeStream('kvmio-probe/1\nQ what\n'), /line 2: unknown record/);
  });

  it('resolves paths through the links sent before them', () => {
    const t = parseProbeStream('kvmio-probe/1\nL /sys/class/block/vda\n|../../devices/x/vda\nF /sys/class/block/vda/size\n|10\nkvmio-probe-end\n');
    assert.deepEqual(t.entries.get('/sys/devices/x/vda/size'), { kind: 'file', text: '10\n' });
  });
});

describe('remote probe script: VM facts (dump-format.ts layout)', () => {
  it('records a libvirt domain\'s XML and its images under the names and argv commands.ts catalogues', async () => {
    await withTempDir(async (dir) => {
      const name = uniqueName("kvmio-fleet-it's");
      const qcow = join(dir, "disk 'one'.qcow2");
      const raw = join(dir, 'two.img');
      await execOk(['qemu-img', 'create', '-q', '-f', 'qcow2', qcow, '64M']);
      await execOk(['qemu-img', 'create', '-q', '-f', 'raw', raw, '16M']);
      const xml = `<domain type='qemu'><name>${escapeXml(name)}</name><memory unit='MiB'>64</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${escapeXml(qcow)}'/><target dev='vda' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${escapeXml(raw)}'/><target dev='vdb' bus='virtio'/></disk>
<disk type='file' device='cdrom'><source file='${escapeXml(join(dir, 'absent.iso'))}'/><target dev='sda' bus='sata'/><readonly/></disk></devices></domain>`;
      writeFileSync(join(dir, 'dom.xml'), xml);
      await execOk(['virsh', '-q', '-c', 'qemu:///system', 'define', join(dir, 'dom.xml')]);
      try {
        const dump = await streamDump(['busybox', 'sh'], join(dir, 'dump'));
        const uri = 'qemu:///system';
        const local = new LocalSource();
        const expected = [
          VM_COMMANDS.domainList(uri), VM_COMMANDS.runningList(uri), VM_COMMANDS.savedXml(uri, name),
          VM_COMMANDS.stat(qcow), VM_COMMANDS.imageInfo(qcow), VM_COMMANDS.stat(raw), VM_COMMANDS.imageInfo(raw),
          VM_COMMANDS.qemuVersion(), VM_COMMANDS.virshVersion(),
        ];
        for (const spec of expected) {
          const [a, b] = await Promise.all([local.run(spec), dump.run(spec)]);
          assert.ok(a.ok && b.ok, `${spec.name}: ${a.ok ? '' : a.reason} ${b.ok ? '' : b.reason}`);
          if (spec.name === 'virsh-list' || spec.name === 'virsh-list-running') {
            // other tests may define domains meanwhile: ours must be there
            if (spec.name === 'virsh-list') assert.ok(b.value.stdout.split('\n').includes(name));
            continue;
          }
          assert.equal(b.value.code, a.value.code, spec.name);
          assert.equal(b.value.stdout, a.value.stdout, spec.name);
        }
        assert.equal((await dump.run(VM_COMMANDS.stat(join(dir, 'absent.iso')))).ok, false, 'a cdrom is not inspected');
        for (const p of [qcow, raw]) assert.deepEqual(await dump.tryOpen(p, 'direct'), await local.tryOpen(p, 'direct'));
        // the VM probe itself: every read it makes about our domain and its images is in the stream, with the machine's answer
        const cmp = new ComparingSource(local, dump);
        await vmFacts({ source: cmp, libvirt: true, domainXml: [] }, uri);
        const ours = [name, qcow, raw].flatMap((v) => [dumpName(v), v]);
        const relevant = cmp.mismatches.filter((m) => ours.some((o) => m.includes(o)));
        assert.deepEqual(relevant, []);
        assert.ok(cmp.reads >= 6, `the VM probe made ${cmp.reads} reads`);
      } finally {
        await exec(['virsh', '-q', '-c', 'qemu:///system', 'undefine', name]);
      }
    });
  });
});

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
