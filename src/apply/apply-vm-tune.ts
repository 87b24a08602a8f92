// Redefines a domain with the tuned XML (`virsh define`: effective at the next boot),
// then verifies: the saved definition re-read from libvirt keeps every unmanaged element
// and a fresh plan proposes nothing. The only code here that changes a host.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KvmioError } from '../errors.js';
import { domainXml, virsh } from '../facts/libvirt.js';
import { unmanagedDigest } from '../render/edit-domain-xml.js';

export interface DefineResult {
  /** The saved XML libvirt holds after the define. */
  readonly after: string;
  /** Unmanaged elements as before (the check passed). */
  readonly unmanagedKept: boolean;
}

export async function applyVmTune(domain: string, originalXml: string, editedXml: string, opts: { uri?: string; busChanged: boolean }): Promise<DefineResult> {
  const uri = opts.uri === undefined ? {} : { uri: opts.uri };
  const dir = await mkdtemp(join(tmpdir(), 'kvmio-tune-'));
  try {
    const file = join(dir, `${domain}.xml`);
    await writeFile(file, editedXml, { mode: 0o600 });
    const r = await virsh(['define', file], uri);
    if (!r.ok) throw new KvmioError('failed', `${domain}: libvirt refused the tuned definition: ${r.reason}`, { hint: 'nothing was changed; run without --yes to see the proposed XML' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const after = await domainXml(domain, { inactive: true, ...uri });
  if (!after.ok) throw new KvmioError('failed', `${domain}: defined, but cannot re-read it: ${after.reason}`);
  const d = { ignoreAddresses: opts.busChanged };
  return { after: after.value, unmanagedKept: unmanagedDigest(originalXml, d) === unmanagedDigest(after.value, d) };
}
