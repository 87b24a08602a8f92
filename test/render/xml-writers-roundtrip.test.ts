// Issue 18, class 4: what kvmio writes for programs is well-formed. For each XML writer
// (render/xml-text.ts renderXml, domain-xml.ts, libvirt-disk.ts, pool-xml.ts, hostdev.ts,
// and the in-place editor behind vm tune, libvirt/source-edit.ts), ≥ 2,000 generated
// strings (unicode, control characters, quotes, "]]>", "&", CR/LF/tab) are written: each
// is either refused with one clear usage error (and then really holds a character XML 1.0
// cannot carry), or the output parses back (xmldom; xmllint --noout on a sample) to
// exactly the value given. The oracle for "carriable" is written here from the Char
// production (§2.2), independently of the code under test.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { exec } from '../../src/exec.js';
import { KvmioError } from '../../src/errors.js';
import { el, renderXml, textEl } from '../../src/render/xml-text.js';
import { renderPoolXml } from '../../src/render/pool-xml.js';
import { renderPlannedDomain } from '../../src/render/domain-xml.js';
import { renderDomainXml } from '../../src/render/libvirt-disk.js';
import { renderHostdevXml } from '../../src/render/hostdev.js';
import { chooseDiskConfig } from '../../src/decide/choose-disk-config.js';
import { SourceEdit } from '../../src/libvirt/source-edit.js';
import { bytes } from '../../src/size.js';
import { cli, prng, withTempDir } from '../helpers.js';

const N = 2000;

const PIECES = [
  'a', 'Z', '0', ' ', '/', '-', '.', '"', "'", '&', '<', '>', ']]>', '<![CDATA[', '&amp;', '&#10;', '--', '<!--', '?>',
  '\t', '\n', '\r', '\r\n', '\u0000', '\u0001', '\u0008', '\u000b', '\u000c', '\u001b', '\u001f', '\u007f', '\u0085', '\u00a0',
  '\u2028', '\u2029', 'é', 'ß', '漢', '\u0301', '\ufeff', '\ufffd', '\ufffe', '\uffff', '\ud800', '\udfff', '\ud83d\ude00', '\u{10ffff}',
];

function gen(rand: () => number): string {
  let s = '';
  const n = Math.floor(rand() * 9);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(rand() * PIECES.length)] as string;
  return s;
}

/** XML 1.0 §2.2 Char, code point by code point (a lone surrogate is its own code point). */
function carriable(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    const ok = c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
    if (!ok) return false;
  }
  return true;
}

/** Errors fail (a warning, e.g. xmldom's about U+FFFD, is only advice). */
function parseStrict(xml: string): Document {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, msg) => void (level === 'warning' ? undefined : errors.push(`${level}: ${msg}`)) }).parseFromString(xml, 'text/xml');
  assert.deepEqual(errors, [], `${JSON.stringify(xml)} does not parse`);
  return doc;
}

const first = (doc: Document, tag: string): Element => {
  const e = doc.getElementsByTagName(tag)[0];
  assert.ok(e, `no <${tag}>`);
  return e;
};

/** Runs WRITE on N generated values; CHECK reads the output back. Returns a sample of outputs for xmllint. */
function property(seed: number, write: (v: string) => string, check: (doc: Document, v: string) => void): { written: string[]; refused: number } {
  const rand = prng(seed);
  const written: string[] = [];
  let refused = 0;
  for (let i = 0; i < N; i++) {
    const v = gen(rand);
    let out: string;
    try {
      out = write(v);
    } catch (e) {
      assert.ok(e instanceof KvmioError && e.code === 'usage', `seed ${seed} #${i} ${JSON.stringify(v)}: not a usage error: ${String(e)}`);
      assert.ok(!carriable(v), `seed ${seed} #${i}: ${JSON.stringify(v)} is carriable but was refused: ${e.message}`);
      assert.match(e.message, /cannot carry/);
      assert.ok(!e.message.includes('\n'), 'one line');
      refused++;
      continue;
    }
    assert.ok(carriable(v), `seed ${seed} #${i}: ${JSON.stringify(v)} cannot be carried, yet was written: ${JSON.stringify(out)}`);
    check(parseStrict(out), v);
    if (written.length < 60) written.push(out);
  }
  // Both branches ran: the generator reaches refused and written values alike.
  assert.ok(refused > N / 10 && refused < N - N / 10, `refused ${refused} of ${N}`);
  return { written, refused };
}

async function xmllint(outputs: readonly string[]): Promise<void> {
  if ((await exec(['sh', '-c', 'command -v xmllint'])).code !== 0) return; // not installed: xmldom's check stands
  await withTempDir(async (dir) => {
    const files = outputs.map((x, i) => {
      const f = join(dir, `o${i}.xml`);
      writeFileSync(f, x);
      return f;
    });
    const r = await exec(['xmllint', '--noout', ...files]);
    assert.equal(r.code, 0, `xmllint: ${r.stderr}`);
  });
}

const fileConfig = (path: string) =>
  chooseDiskConfig({ kind: 'file', path, format: 'raw', allocation: 'preallocated', virtualSize: bytes(1 << 24), actualSize: bytes(1 << 24), directIo: true }, {}, {});

describe('every XML writer: a value is refused or reads back exactly (2,000 generated values each)', () => {
  it('renderXml: attributes and text', async () => {
    const { written } = property(1801, (v) => renderXml(el('a', [['v', v]], [textEl('t', v)])), (doc, v) => {
      assert.equal(first(doc, 'a').getAttribute('v'), v);
      assert.equal(first(doc, 't').textContent, v);
    });
    await xmllint(written);
  });

  it('domain-xml.ts: a planned domain\'s name', async () => {
    const { written } = property(1802, (v) => renderPlannedDomain({ name: v, memoryMiB: 64, vcpus: 1, firmware: 'bios', type: 'qemu', disks: [] }), (doc, v) => {
      assert.equal(first(doc, 'name').textContent, v);
      assert.equal(doc.getElementsByTagName('devices').length, 1);
    });
    await xmllint(written);
  });

  it('libvirt-disk.ts: a disk\'s file path and the domain name', async () => {
    const { written } = property(1803, (v) => renderDomainXml([fileConfig(`/srv/${v}`)], { name: `vm${v}` }), (doc, v) => {
      assert.equal(first(doc, 'source').getAttribute('file'), `/srv/${v}`);
      assert.equal(first(doc, 'name').textContent, `vm${v}`);
    });
    await xmllint(written);
  });

  it('pool-xml.ts: a dir pool\'s name and path, a logical pool\'s volume group', async () => {
    const { written } = property(1804, (v) => renderPoolXml({ type: 'dir', name: `p${v}`, path: `/srv/${v}` }), (doc, v) => {
      assert.equal(first(doc, 'name').textContent, `p${v}`);
      assert.equal(first(doc, 'path').textContent, `/srv/${v}`);
    });
    property(1805, (v) => renderPoolXml({ type: 'logical', name: 'p', vg: v, devices: [`/dev/${v}`] }), (doc, v) => {
      assert.equal(doc.getElementsByTagName('name')[1]?.textContent, v);
      assert.equal(first(doc, 'device').getAttribute('path'), `/dev/${v}`);
    });
    await xmllint(written);
  });

  it('hostdev.ts: an address is refused unless it is a PCI address, and then reads back', () => {
    const rand = prng(1806);
    for (let i = 0; i < N; i++) {
      const v = i % 4 === 0 ? `0000:0${i % 10}:00.${i % 8}` : gen(rand);
      let out: string;
      try {
        out = renderHostdevXml(v);
      } catch (e) {
        assert.ok(e instanceof Error && !e.message.includes('\n'), String(e));
        continue;
      }
      const a = first(parseStrict(out), 'address');
      assert.equal(`${a.getAttribute('domain')}:${a.getAttribute('bus')}:${a.getAttribute('slot')}.${a.getAttribute('function')}`.replace(/0x/g, ''), v.toLowerCase().replace(/^(?=[0-9a-f]{2}:)/, '0000:'));
    }
  });

  it('source-edit.ts (vm tune): a changed, a new and a new element\'s attribute, in single- and double-quoted files', async () => {
    const bases = ["<domain type='kvm'>\n  <name>x</name>\n  <devices>\n    <disk type='file'>\n      <driver name='qemu'/>\n    </disk>\n  </devices>\n</domain>\n", '<domain type="kvm">\r\n  <name>x</name>\r\n  <devices>\r\n    <disk type="file">\r\n      <driver name="qemu"/>\r\n    </disk>\r\n  </devices>\r\n</domain>'];
    let k = 0;
    const { written } = property(1807, (v) => {
      const ed = new SourceEdit(bases[k++ % 2] as string);
      const driver = ed.doc.getElementsByTagName('driver')[0] as Element;
      ed.setAttribute(driver, 'name', v);
      ed.setAttribute(driver, 'cache', v);
      const extra = ed.doc.createElement('extra');
      extra.setAttribute('v', v);
      extra.appendChild(ed.doc.createTextNode(v));
      ed.insertAfter(driver, [ed.doc.createTextNode('\n      '), extra]);
      return ed.text();
    }, (doc, v) => {
      const d = first(doc, 'driver');
      assert.equal(d.getAttribute('name'), v);
      assert.equal(d.getAttribute('cache'), v);
      assert.equal(first(doc, 'extra').getAttribute('v'), v);
      // Text is read back after line-end normalization (§2.11), but a CR written as &#13; survives it.
      assert.equal(first(doc, 'extra').textContent, v);
      assert.equal(first(doc, 'name').textContent, 'x');
    });
    await xmllint(written);
  });
});

describe('hostile values at the flag and in files', () => {
  it('disk xml --domain "a</name><devices>": escaped, one <devices>, the name reads back', async () => {
    await withTempDir(async (dir) => {
      const img = join(dir, 'a\n\tb "c" & <d>.raw');
      writeFileSync(img, Buffer.alloc(1 << 20));
      const r = await cli(['disk', 'xml', img, '--domain', 'a</name><devices>']);
      assert.equal(r.code, 0, r.stderr);
      const doc = parseStrict(r.stdout);
      assert.equal(first(doc, 'name').textContent, 'a</name><devices>');
      assert.equal(doc.getElementsByTagName('devices').length, 1);
      assert.equal(first(doc, 'source').getAttribute('file'), img, 'a newline and a tab in the path read back (not as spaces)');
      assert.match(r.stdout, /&#10;&#9;b/);
      const f = join(dir, 'd.xml');
      writeFileSync(f, r.stdout);
      const lint = await exec(['xmllint', '--noout', f]);
      assert.equal(lint.code, 0, lint.stderr);
    });
  });

  it('a control character at the flag is a usage error naming the flag, the value and what is expected; nothing printed', async () => {
    for (const [args, flag] of [[['disk', 'xml', '/nonexistent/x', '--domain', 'vm\u0001'], '--domain'], [['disk', 'xml', '/nonexistent/x', '--serial', 's\u001b[31m'], '--serial'], [['disk', 'xml', '/nonexistent/x\u0007'], 'SOURCE'], [['pool', 'create', 'p', '--dir', '/srv/\ud800'], '--dir']] as const) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^kvmio: ${flag.replace(/[-]/g, '\\-')}: ".*" has U\\+[0-9A-F]{4} at offset \\d+, which XML 1\\.0 cannot carry .*expected`, 'm'));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  it('disk args still takes a path XML could not carry (QEMU argv carries it)', async () => {
    const r = await cli(['disk', 'args', '/nonexistent/x\u0007']);
    assert.doesNotMatch(r.stderr, /cannot carry/);
  });
});
