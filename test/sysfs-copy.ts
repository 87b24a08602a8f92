// A writable copy of a recorded host (test/fixtures/hosts/NAME) for tests that write its
// sysfs tree (passthrough bind/unbind, plan apply --sysfs-root): the write-only
// attributes sysfs has but a dump does not record (drivers_probe, each driver's
// bind/unbind, the vfio-pci driver directory) are added.
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from './helpers.js';

export function writableCopy(host: string, dir: string): { dump: string; root: string } {
  const dump = join(dir, host);
  cpSync(fixture('hosts', host), dump, { recursive: true, verbatimSymlinks: true });
  const pci = join(dump, 'fs', 'sys', 'bus', 'pci');
  writeFileSync(join(pci, 'drivers_probe'), '');
  for (const d of new Set(['vfio-pci', ...readdirSync(join(pci, 'drivers'))])) {
    const dd = join(pci, 'drivers', d);
    mkdirSync(dd, { recursive: true });
    for (const f of ['bind', 'unbind']) writeFileSync(join(dd, f), '');
    rmSync(join(dd, '.kvmio-keep'), { force: true });
  }
  return { dump, root: join(dump, 'fs') };
}
