// `--explain`: every choice with its value, rule id, reason and reference, then warnings.
import type { Choice, DiskConfig } from '../model/disk-types.js';

const line = (what: string, c: Choice<unknown>, unset = 'default'): string[] => [
  `${what.padEnd(13)} ${String(c.value ?? unset).padEnd(12)} [${c.rule}]`,
  `${' '.repeat(14)}why: ${c.reason}`,
  `${' '.repeat(14)}ref: ${c.ref}`,
];

export function renderExplain(configs: readonly DiskConfig[]): string {
  const out: string[] = [];
  for (const c of configs) {
    if (c.kind === 'hostdev') {
      out.push(`${c.backend.address}: PCI pass-through${c.backend.class ? ` (class ${c.backend.class})` : ''}`);
      out.push(`${'device'.padEnd(13)} hostdev      [disk.pci.hostdev]`, `${' '.repeat(14)}why: the guest drives the controller itself (VFIO); libvirt managed='yes' binds it to vfio-pci`);
      out.push(...line('machine', c.machine));
    } else {
      const b = c.backend;
      const what = b.kind === 'file' ? `${b.format} file, ${b.allocation}${b.fsType ? ` on ${b.fsType}` : ''}` : b.kind === 'lv' ? `logical volume ${b.vg}/${b.lv}${b.thin ? ' (thin)' : ''}` : `block device (${b.device})`;
      out.push(`${b.path}: ${what}`);
      out.push(
        ...line('machine', c.machine),
        ...line('bus', c.bus),
        ...line('cache', c.cache),
        ...line('aio', c.aio),
        ...line('iothread', c.iothread, 'off'),
        ...line('queues', c.queues),
        ...line('discard', c.discard, 'ignore'),
        ...line('detect_zeroes', c.detectZeroes, 'off'),
        ...line('target', c.target),
      );
    }
    for (const w of c.warnings) out.push(`warning: ${w}`);
  }
  return `${out.join('\n')}\n`;
}
