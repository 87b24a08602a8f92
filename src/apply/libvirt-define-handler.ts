// Engine handlers for libvirt domain definitions.
//
// libvirt-define (DomainDefine): snapshot = the saved definition (`virsh dumpxml
// --inactive --security-info`, so secrets such as VNC passwords survive a rollback; the
// journal is mode 0600), apply = `virsh define FILE` from a private temporary file,
// verify = the saved definition holds every element and attribute kvmio asked for
// (canonical-xml.ts: libvirt adds defaults and addresses, never removes), rollback =
// redefine the journaled XML (compared in canonical form), or `virsh undefine` when the
// domain did not exist before kvmio defined it.
// libvirt-edit (DomainEdit): the same snapshot and rollback around `virsh attach-device
// --config` / `iothreadadd --config` (disk create --attach).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { exec } from '../exec.js';
import { libvirtUri } from '../facts/commands.js';
import type { DomainDefine, DomainEdit } from '../model/action.js';
import { argvText } from '../render/argv-text.js';
import { unifiedDiff } from '../render/unified-diff.js';
import { canonicalXml, xmlCovers } from './canonical-xml.js';
import type { ActionHandler } from './action-handler.js';

export type DomainSnapshot = { readonly exists: false } | { readonly exists: true; readonly xml: string; readonly state: string };

const virshArgv = (uri: string | undefined, args: readonly string[]): string[] => ['virsh', '-q', '-c', uri ?? libvirtUri(), ...args];

async function virshOk(uri: string | undefined, args: readonly string[]): Promise<string> {
  const argv = virshArgv(uri, args);
  const r = await exec(argv, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${argvText(argv)}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  return r.stdout;
}

const NOT_FOUND = /failed to get domain|domain not found|no domain with matching/i;

/** The saved definition, or absent; any other virsh failure throws (never read as "absent"). */
export async function snapshotDomain(domain: string, uri: string | undefined): Promise<DomainSnapshot> {
  const argv = virshArgv(uri, ['dumpxml', '--inactive', '--security-info', '--', domain]);
  const r = await exec(argv, { timeoutMs: 60_000 });
  if (r.code !== 0) {
    if (NOT_FOUND.test(r.stderr)) return { exists: false };
    throw new Error(`${argvText(argv)}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  }
  const state = (await virshOk(uri, ['domstate', '--', domain])).trim();
  return { exists: true, xml: r.stdout, state };
}

/** Writes XML to a private temporary file and runs `virsh define` on it. */
async function define(uri: string | undefined, domain: string, xml: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kvmio-define-'));
  try {
    const file = join(dir, `${basename(domain).replace(/[^A-Za-z0-9._-]/g, '_')}.xml`);
    await writeFile(file, xml, { mode: 0o600 });
    await virshOk(uri, ['define', file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Restores OLD: redefine it, or undefine a domain that did not exist. */
async function restoreDomain(domain: string, uri: string | undefined, old: DomainSnapshot): Promise<void> {
  if (old.exists) await define(uri, domain, old.xml);
  else if ((await snapshotDomain(domain, uri)).exists) await virshOk(uri, ['undefine', '--', domain]);
}

function compareDomain(old: DomainSnapshot, cur: DomainSnapshot): string | undefined {
  if (!old.exists) return cur.exists ? 'defined, originally absent' : undefined;
  if (!cur.exists) return 'undefined, originally defined';
  return canonicalXml(old.xml) === canonicalXml(cur.xml) ? undefined : 'the saved definition differs from the original (canonical form)';
}

function describeRestoreDomain(domain: string, old: DomainSnapshot, cur: DomainSnapshot): string {
  if (!old.exists) return cur.exists ? `domain ${domain}: undefine (kvmio defined it)\n` : `domain ${domain}: already absent\n`;
  return unifiedDiff(cur.exists ? cur.xml : '', old.xml, { from: `${domain} (saved now)`, to: `${domain} (before kvmio)` }) || `domain ${domain}: unchanged\n`;
}

function refuseUndefine(old: DomainSnapshot, cur: DomainSnapshot, domain: string): string | undefined {
  // undefine of a running domain only makes it transient; it would keep running.
  return !old.exists && cur.exists && cur.state !== 'shut off' ? `domain ${domain} is ${cur.state}; kvmio defined it, but undefines it only when shut off (virsh shutdown ${domain})` : undefined;
}

const nameOf = (xml: string): string | undefined => {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  return doc.documentElement?.getElementsByTagName('name').item(0)?.textContent?.trim();
};

export const domainDefineHandler: ActionHandler<DomainDefine, DomainSnapshot> = {
  locate: (a) => a,
  key: (a) => `libvirt:${a.uri ?? libvirtUri()}:${a.domain}`,
  snapshot: (a) => snapshotDomain(a.domain, a.uri),
  isDone: (a, s) => s.exists && xmlCovers(a.xml, s.xml) === undefined,
  check: (a) => {
    let name: string | undefined;
    try {
      name = nameOf(a.xml);
    } catch {
      name = undefined;
    }
    if (name !== a.domain) return `the XML to define names domain "${name ?? '(none)'}", expected "${a.domain}"`;
    try {
      canonicalXml(a.xml);
    } catch (e) {
      return `the XML to define is not well-formed: ${(e as Error).message}`;
    }
    return undefined;
  },
  describe: (a, s) => unifiedDiff(s.exists ? s.xml : '', a.xml, { from: `${a.domain} (saved)`, to: `${a.domain} (kvmio)` }) || `domain ${a.domain}: define\n`,
  apply: (a) => define(a.uri, a.domain, a.xml),
  verify: (a, s) => (!s.exists ? `domain ${a.domain} is not defined` : xmlCovers(a.xml, s.xml)),
  restore: (a, old) => restoreDomain(a.domain, a.uri, old),
  compare: compareDomain,
  describeRestore: (a, old, cur) => describeRestoreDomain(a.domain, old, cur),
  refuseRestore: (a, old, cur) => refuseUndefine(old, cur, a.domain),
};

const hasDiskSource = (xml: string, path: string): boolean => {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const disks = doc.documentElement?.getElementsByTagName('disk');
  for (let i = 0; disks && i < disks.length; i++) {
    const src = disks.item(i)?.getElementsByTagName('source').item(0);
    if (src && (src.getAttribute('file') === path || src.getAttribute('dev') === path)) return true;
  }
  return false;
};

async function runEdit(a: DomainEdit): Promise<void> {
  for (const st of a.steps) {
    if (st.file === undefined) {
      const r = await exec(st.argv, { timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`${argvText(st.argv)}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
      continue;
    }
    const dir = await mkdtemp(join(tmpdir(), 'kvmio-edit-'));
    try {
      const path = join(dir, basename(st.file.name));
      await writeFile(path, st.file.content, { mode: 0o600 });
      const argv = st.argv.map((x) => (x === st.file?.name ? path : x));
      const r = await exec(argv, { timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`${argvText(st.argv)}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

export const domainEditHandler: ActionHandler<DomainEdit, DomainSnapshot> = {
  locate: (a) => a,
  key: (a) => `libvirt:${a.uri ?? libvirtUri()}:${a.domain}`,
  snapshot: (a) => snapshotDomain(a.domain, a.uri),
  isDone: (a, s) => s.exists && a.addsDiskSource !== undefined && hasDiskSource(s.xml, a.addsDiskSource),
  check: (a, s) => (s.exists ? undefined : `domain ${a.domain} is not defined (virsh list --all)`),
  describe: (a) => a.steps.map((st) => argvText(st.argv)).join('\n'),
  apply: (a) => runEdit(a),
  verify: (a, s) => (!s.exists ? `domain ${a.domain} is not defined` : a.addsDiskSource !== undefined && !hasDiskSource(s.xml, a.addsDiskSource) ? `${a.domain} has no disk ${a.addsDiskSource}` : undefined),
  restore: (a, old) => restoreDomain(a.domain, a.uri, old),
  compare: compareDomain,
  describeRestore: (a, old, cur) => describeRestoreDomain(a.domain, old, cur),
};
