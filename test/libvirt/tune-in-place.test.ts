// Acceptance (issue 17, the vm tune file diff): `kvmio vm tune --domain-xml F` prints a diff
// against F as written, whatever its style (quotes, tabs, 4-space indent, comments, CRLF,
// no final newline), and `-o OUT` writes the tuned XML. The real patch(1) applied to a copy
// of F with the printed diff gives exactly OUT; OUT passes virt-xml-validate and `virsh
// define --validate` on the running libvirtd; F itself is never changed; every changed line
// is one of the managed elements; a second tune of OUT proposes nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, execOk } from '../../src/exec.js';
import { cli, uniqueName, withTempDir } from '../helpers.js';

const URI = ['-c', process.env.LIBVIRT_DEFAULT_URI ?? 'qemu:///system'];

interface Style {
  readonly name: string;
  readonly q: '"' | "'";
  readonly indent: string;
  readonly eol: '\n' | '\r\n';
  readonly comments: boolean;
  readonly finalNewline: boolean;
  /** Attribute separator inside a tag (" " or e.g. "  " / "\n        "). */
  readonly sep?: string;
}

const STYLES: readonly Style[] = [
  { name: 'double quotes, 2 spaces', q: '"', indent: '  ', eol: '\n', comments: false, finalNewline: true },
  { name: 'single quotes (libvirt)', q: "'", indent: '  ', eol: '\n', comments: false, finalNewline: true },
  { name: 'tabs', q: "'", indent: '\t', eol: '\n', comments: true, finalNewline: true },
  { name: '4-space indent, double quotes, comments', q: '"', indent: '    ', eol: '\n', comments: true, finalNewline: true },
  { name: 'CRLF', q: "'", indent: '  ', eol: '\r\n', comments: true, finalNewline: true },
  { name: 'CRLF, tabs, no final newline', q: '"', indent: '\t', eol: '\r\n', comments: false, finalNewline: false },
  { name: 'no final newline, wide attribute spacing', q: "'", indent: '  ', eol: '\n', comments: true, finalNewline: false, sep: '  ' },
];

/** A domain with everything vm tune edits: a disk without <driver>, a writeback disk, a SATA disk with an address (moved by --bus), a self-closing virtio-scsi controller, <iothreadids>. */
function domainXml(s: Style, name: string, dir: string): string {
  const a = (pairs: [string, string][]): string => pairs.map(([k, v]) => `${s.sep ?? ' '}${k}=${s.q}${v}${s.q}`).join('');
  const i = (n: number): string => s.indent.repeat(n);
  const c = (text: string, n: number): string[] => (s.comments ? [`${i(n)}<!-- ${text} -->`] : []);
  const lines = [
    `<?xml version=${s.q}1.0${s.q} encoding=${s.q}UTF-8${s.q}?>`,
    ...c('written by hand: keep me, <disk> in a comment is not a disk', 0),
    `<domain${a([['type', 'qemu']])}>`,
    `${i(1)}<name>${name}</name>`,
    `${i(1)}<description>tune in place: a &amp; b, "quoted" &lt;x&gt; <![CDATA[ <raw> & ]]></description>`,
    `${i(1)}<memory${a([['unit', 'MiB']])}>64</memory>`,
    `${i(1)}<vcpu${a([['placement', 'static']])}>2</vcpu>`,
    `${i(1)}<iothreadids>`,
    `${i(2)}<iothread${a([['id', '1']])}/>`,
    `${i(1)}</iothreadids>`,
    `${i(1)}<os>`,
    `${i(2)}<type${a([['arch', 'x86_64'], ['machine', 'q35']])}>hvm</type>`,
    `${i(1)}</os>`,
    `${i(1)}<devices>`,
    `${i(2)}<emulator>/usr/bin/qemu-system-x86_64</emulator>`,
    ...c('the system disk', 2),
    `${i(2)}<disk${a([['type', 'file'], ['device', 'disk']])}>`,
    `${i(3)}<source${a([['file', `${dir}/a.raw`]])}/>`,
    `${i(3)}<target${a([['dev', 'vda'], ['bus', 'virtio']])}/>`,
    `${i(2)}</disk>`,
    `${i(2)}<disk${a([['type', 'file'], ['device', 'disk']])}>`,
    `${i(3)}<driver${a([['name', 'qemu'], ['type', 'qcow2'], ['cache', 'writeback']])} />`,
    `${i(3)}<source${a([['file', `${dir}/b.qcow2`]])}/>`,
    `${i(3)}<target${a([['dev', 'vdb'], ['bus', 'virtio']])}/>`,
    `${i(2)}</disk>`,
    `${i(2)}<disk${a([['type', 'file'], ['device', 'disk']])}>`,
    `${i(3)}<driver${a([['name', 'qemu'], ['type', 'raw']])}/>`,
    `${i(3)}<source${a([['file', `${dir}/c.raw`]])}/>`,
    `${i(3)}<target${a([['dev', 'sda'], ['bus', 'sata']])}/>`,
    ...c('a SATA address, dropped by the bus move', 3),
    `${i(3)}<address${a([['type', 'drive'], ['controller', '0'], ['bus', '0'], ['target', '0'], ['unit', '0']])}/>`,
    `${i(2)}</disk>`,
    `${i(2)}<controller${a([['type', 'scsi'], ['index', '0'], ['model', 'virtio-scsi']])}/>`,
    `${i(2)}<disk${a([['type', 'file'], ['device', 'disk']])}>`,
    `${i(3)}<driver${a([['name', 'qemu'], ['type', 'raw'], ['cache', 'none']])}/>`,
    `${i(3)}<source${a([['file', `${dir}/d.raw`]])}/>`,
    `${i(3)}<target${a([['dev', 'sdb'], ['bus', 'scsi']])}/>`,
    `${i(3)}<address${a([['type', 'drive'], ['controller', '0'], ['bus', '0'], ['target', '0'], ['unit', '1']])}/>`,
    `${i(2)}</disk>`,
    `${i(2)}<serial${a([['type', 'pty']])}/>`,
    `${i(1)}</devices>`,
    `</domain>`,
  ];
  return lines.join(s.eol) + (s.finalNewline ? s.eol : '');
}

/** The lines a tune may change: the managed elements (and a controller that gains a <driver>). */
const MANAGED_LINE = /<(driver|target|address|iothreads|iothread|controller)\b|^\s*<!-- a SATA address/;

describe('vm tune --domain-xml: the diff applies to the file as written, -o writes what it says', () => {
  for (const style of STYLES) {
    it(`${style.name}: patch(1) of the printed diff gives OUT byte for byte; OUT validates and libvirt defines it`, () =>
      withTempDir(async (dir) => {
        await execOk(['qemu-img', 'create', '-q', '-f', 'raw', join(dir, 'a.raw'), '16M']);
        await execOk(['qemu-img', 'create', '-q', '-f', 'qcow2', join(dir, 'b.qcow2'), '16M']);
        await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', join(dir, 'c.raw'), '16M']);
        await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', join(dir, 'd.raw'), '16M']);
        const name = uniqueName('kvmio-inplace');
        const file = join(dir, 'dom.xml');
        const original = domainXml(style, name, dir);
        writeFileSync(file, original);
        const dry = await cli(['vm', 'tune', '--domain-xml', file, '--bus']);
        assert.equal(dry.code, 0, dry.stderr);
        assert.match(dry.stdout, /dry run: nothing written/);
        const out = join(dir, 'out.xml');
        const wrote = await cli(['vm', 'tune', '--domain-xml', file, '--bus', '-o', out]);
        assert.equal(wrote.code, 0, wrote.stderr);
        assert.match(wrote.stdout, /tuned XML written to/);
        assert.equal(readFileSync(file, 'utf8'), original, 'the input file is never changed');
        const tuned = readFileSync(out, 'utf8');
        assert.notEqual(tuned, original);

        // The printed output as a person would save it: patch skips the text around the diff.
        writeFileSync(join(dir, 'tune.out'), dry.stdout);
        copyFileSync(file, join(dir, 'copy.xml'));
        const p = await exec(['patch', '-s', join(dir, 'copy.xml'), join(dir, 'tune.out')]);
        assert.equal(p.code, 0, `patch: ${p.stdout}${p.stderr}`);
        assert.equal(readFileSync(join(dir, 'copy.xml'), 'utf8'), tuned, 'patched copy equals -o OUT');

        // Minimal: only managed lines change, and they keep the file's quotes, indentation and line ends.
        const changed = dry.stdout.split('\n').filter((l) => /^[-+]/.test(l) && !/^(---|\+\+\+) /.test(l));
        assert.ok(changed.length > 0);
        for (const l of changed) {
          assert.match(l, MANAGED_LINE, `an unmanaged line changed: ${JSON.stringify(l)}`);
          assert.ok(!l.includes(style.q === '"' ? "='" : '="'), `quote style changed: ${JSON.stringify(l)}`);
          if (style.eol === '\r\n') assert.ok(l.endsWith('\r') || l === '\\ No newline at end of file', `line end changed: ${JSON.stringify(l)}`);
        }
        assert.ok(tuned.split(style.eol).every((l) => !/^ +\t|^\t+ /.test(l)), 'indentation is not mixed');

        const v = await exec(['virt-xml-validate', out, 'domain']);
        assert.equal(v.code, 0, `virt-xml-validate: ${v.stdout}${v.stderr}`);
        try {
          const d = await exec(['virsh', '-q', ...URI, 'define', '--validate', out], { timeoutMs: 60_000 });
          assert.equal(d.code, 0, `virsh define --validate: ${d.stdout}${d.stderr}`);
        } finally {
          await exec(['virsh', '-q', ...URI, 'undefine', name]);
        }
        const again = await cli(['vm', 'tune', '--domain-xml', out, '--bus']);
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /nothing to change/);
      }));
  }

  it('-o without --domain-xml is a usage error, and nothing is written', () =>
    withTempDir(async (dir) => {
      const r = await cli(['vm', 'tune', 'some-domain', '-o', join(dir, 'o.xml')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /-o .*only with --domain-xml/);
    }));
});
