// An LVM devices file (/etc/lvm/devices/system.devices, lvm 2.03.12+; lvmdevices(8)):
// with devices/use_devicesfile=1 LVM uses only the devices listed there, so a VM disk
// not listed is never scanned by the host. Lines are `KEY=VALUE` fields (IDTYPE, IDNAME,
// DEVNAME, PVID, PART) after VERSION/SYSTEMID lines (lib/device/device_id.c). Pure.
import { missing, ok, type Read } from './source.js';

/** One line of an LVM devices file (/etc/lvm/devices/system.devices, lvmdevices(8)). */
export interface DevicesFileEntry {
  /** devname, sys_wwid, sys_serial, mpath_uuid, lvmlv_uuid … */
  readonly idType: string;
  readonly idName: string;
  /** The device's name when the entry was written ("/dev/sdb"): only a hint, the id matches. */
  readonly devName?: string;
  readonly pvid?: string;
  readonly part?: string;
}

/** `KEY=VALUE` fields per line; comment and VERSION/SYSTEMID lines skipped. A line without IDTYPE is an error. */
export function parseDevicesFile(text: string): Read<readonly DevicesFileEntry[]> {
  const out: DevicesFileEntry[] = [];
  let n = 0;
  for (const raw of text.split('\n')) {
    n++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || /^(VERSION|SYSTEMID|HASH)=/.test(line)) continue;
    const fields = new Map<string, string>();
    for (const f of line.split(/\s+/)) {
      const eq = f.indexOf('=');
      if (eq > 0) fields.set(f.slice(0, eq), f.slice(eq + 1));
    }
    const idType = fields.get('IDTYPE');
    const idName = fields.get('IDNAME');
    if (idType === undefined || idName === undefined) return missing(`devices file: line ${n}: no IDTYPE/IDNAME`);
    const devName = fields.get('DEVNAME');
    const pvid = fields.get('PVID');
    const part = fields.get('PART');
    out.push({ idType, idName, ...(devName && devName !== '.' ? { devName } : {}), ...(pvid && pvid !== '.' ? { pvid } : {}), ...(part ? { part } : {}) });
  }
  return ok(out);
}
