// `--domain-xml FILE`: libvirt domain XML files as VMs of the "libvirt-xml" manager. The
// files are the user's input, read through the local filesystem (not the probed host's
// Source: a file given on the command line is on this machine even when auditing a dump).
import { readFile } from 'node:fs/promises';
import { usageError } from '../errors.js';
import type { Vm } from '../model/vm.js';
import { unresolvedVolumes } from './probe-domains.js';
import { readDomainXml } from './read-domain.js';

/** Reads each file; one that cannot be read or is not domain XML is a usage error. */
export async function readDomainFiles(files: readonly string[]): Promise<{ vms: Vm[]; xml: Map<string, string> }> {
  const vms: Vm[] = [];
  const xml = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw usageError(`--domain-xml ${file}: cannot read it (${e instanceof Error ? e.message : String(e)}); expected a libvirt domain XML file`);
    }
    const vm = readDomainXml(text, { kind: 'libvirt-xml', file }, false);
    if (!vm.ok) throw usageError(`--domain-xml ${file}: ${vm.reason}; expected a libvirt domain XML file (virsh dumpxml NAME)`);
    vms.push(unresolvedVolumes(vm.value));
    xml.set(file, text);
  }
  return { vms, xml };
}
