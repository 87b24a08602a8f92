// Loads the domain XML fixtures (test/fixtures/domains/NAME.xml) with their hand-written
// host facts (NAME.facts.json), and compares outputs with golden files.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import assert from 'node:assert/strict';
import { parseVersion } from '../src/decide/version.js';
import { parseDomainXml } from '../src/facts/parse-domain.js';
import { missing, ok } from '../src/facts/source.js';
import type { SourceFacts, VmDefinition, VmFacts } from '../src/facts/vm-disk-facts.js';
import type { Backend, Platform } from '../src/model/disk-types.js';
import { bytes } from '../src/size.js';
import { fixture } from './helpers.js';

export const DOMAIN_FIXTURES = ['virt-install', 'virt-manager', 'proxmox-like', 'odd-network-unknown', 'missing-source', 'native-without-direct'];

export const domainXmlText = (name: string): string => readFileSync(fixture('domains', `${name}.xml`), 'utf8');

export function fixtureDefinition(name: string): VmDefinition {
  const m = parseDomainXml(domainXmlText(name));
  assert.ok(m.ok, `${name}: ${m.ok ? '' : m.reason}`);
  return { model: m.value, origin: 'file', running: false, file: `${name}.xml` };
}

interface RawSource {
  kind: 'present' | 'missing';
  reason?: string;
  isBlock?: boolean;
  /** A logical volume (block device behind LVM). */
  lv?: { vg: string; lv: string; thin: boolean };
  fsType?: string;
  directIo?: boolean;
  image?: { format: string; virtualSize: number; actualSize: number; clusterSize?: number; extendedL2?: boolean };
}

/** What probeSource would return for a hand-written description (the disk probe's Backend included). */
export function toSourceFacts(path: string, r: RawSource): SourceFacts {
  if (r.kind === 'missing') return { kind: 'missing', path, reason: r.reason ?? 'missing' };
  const img = r.image;
  const direct = r.directIo === undefined ? {} : { directIo: r.directIo };
  let backend: Backend;
  if (r.lv) backend = { kind: 'lv', vg: r.lv.vg, lv: r.lv.lv, path, thin: r.lv.thin, ...direct };
  else if (r.isBlock || !img) backend = { kind: 'block', path, device: /\d$/.test(path) ? 'partition' : 'whole', ...direct };
  else {
    backend = {
      kind: 'file',
      path,
      format: img.format as 'raw' | 'qcow2',
      virtualSize: bytes(img.virtualSize),
      actualSize: bytes(img.actualSize),
      allocation: img.actualSize >= img.virtualSize ? 'preallocated' : 'sparse',
      ...(r.fsType ? { fsType: r.fsType } : {}),
      ...direct,
      ...(img.clusterSize ? { clusterSize: bytes(img.clusterSize) } : {}),
    };
  }
  return {
    kind: 'present',
    path,
    backend: img && img.format !== 'raw' && img.format !== 'qcow2' ? missing(`SOURCE: ${path} is a ${img.format} image; expected raw or qcow2`) : ok(backend),
    image: img
      ? ok({ format: img.format, virtualSize: bytes(img.virtualSize), actualSize: bytes(img.actualSize), ...(img.clusterSize ? { clusterSize: bytes(img.clusterSize) } : {}), ...(img.extendedL2 !== undefined ? { extendedL2: img.extendedL2 } : {}) })
      : missing('block device: no image to inspect'),
  };
}

/** VmFacts for the given definitions with the facts file of `factsOf`. */
export function fixtureFacts(defs: readonly VmDefinition[], factsOf: string): VmFacts {
  const raw = JSON.parse(readFileSync(fixture('domains', `${factsOf}.facts.json`), 'utf8')) as {
    platform: Record<string, string>;
    aioNr: number;
    aioMaxNr: number;
    sources: Record<string, RawSource>;
  };
  const platform: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw.platform)) platform[k] = parseVersion(v);
  return {
    definitions: defs,
    libvirt: undefined,
    sources: new Map(Object.entries(raw.sources).map(([p, r]) => [p, toSourceFacts(p, r)])),
    volumes: new Map(),
    platform: platform as Platform,
    aioNr: ok(raw.aioNr),
    aioMaxNr: ok(raw.aioMaxNr),
  };
}

/**
 * Compares `actual` with the golden file. Only UPDATE_GOLDEN=1 writes it; a missing or
 * different golden fails, with or without CI, so a test cannot pass by creating its own.
 */
export function assertGolden(path: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) assert.fail(`golden file missing: ${path} (UPDATE_GOLDEN=1 writes it; review it before committing)`);
  assert.equal(actual, readFileSync(path, 'utf8'), `differs from ${path} (UPDATE_GOLDEN=1 rewrites it)`);
}
