// How much native AIO a libvirt domain uses: its disks with <driver io='native'> and the
// distinct iothreads serving them (each AioContext doing native AIO charges fs.aio-nr;
// FACTS.md). Pure parser plus a read-only probe over virsh.
import { DOMParser } from '@xmldom/xmldom';
import { domainXml, listDomains } from './libvirt.js';
import { missing, ok, type Read } from './source.js';

export interface DomainAio {
  readonly name: string;
  readonly nativeDisks: number;
  /** Distinct iothreads that serve native-AIO disks. */
  readonly nativeIothreads: number;
}

export function parseDomainAio(xml: string): Read<DomainAio> {
  let doc;
  try {
    doc = new DOMParser({ onError: () => undefined }).parseFromString(xml, 'text/xml');
  } catch (e) {
    return missing(`domain XML does not parse: ${(e as Error).message}`);
  }
  const dom = doc.documentElement;
  if (!dom || dom.nodeName !== 'domain') return missing('not a libvirt <domain> document');
  const name = dom.getElementsByTagName('name')[0]?.textContent?.trim() ?? '?';
  let nativeDisks = 0;
  const iothreads = new Set<string>();
  const disks = dom.getElementsByTagName('disk');
  for (let i = 0; i < disks.length; i++) {
    const driver = disks[i]?.getElementsByTagName('driver')[0];
    if (driver?.getAttribute('io') !== 'native') continue;
    nativeDisks++;
    const t = driver.getAttribute('iothread');
    if (t) iothreads.add(t);
  }
  return ok({ name, nativeDisks, nativeIothreads: iothreads.size });
}

/** Every defined domain's native-AIO use (read-only virsh). */
export async function probeLibvirtAio(opts: { uri?: string } = {}): Promise<Read<readonly DomainAio[]>> {
  const names = await listDomains(opts);
  if (!names.ok) return names;
  const out: DomainAio[] = [];
  for (const n of names.value) {
    const xml = await domainXml(n, { ...opts, inactive: true });
    if (!xml.ok) return missing(`${n}: ${xml.reason}`);
    const d = parseDomainAio(xml.value);
    if (!d.ok) return missing(`${n}: ${d.reason}`);
    out.push(d.value);
  }
  return ok(out);
}
