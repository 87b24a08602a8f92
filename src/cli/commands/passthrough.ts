// `kvmio passthrough list|check|bind|unbind`: VFIO for storage controllers and SR-IOV
// devices, never the host's own disks. Thin: probe, decide, render, apply.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { group } from '../group.js';
import { collect } from '../options.js';
import { refused, usageError } from '../../errors.js';
import { shellLine } from '../../render/shell-quote.js';

interface CommonOpts {
  readonly json?: boolean;
  readonly from?: string;
  readonly with?: string[];
}

interface ActOpts extends CommonOpts {
  readonly yes?: boolean;
  readonly sysfsRoot?: string;
  readonly root?: string;
  readonly stateDir?: string;
  readonly wait?: boolean;
}

function strayMessage(stray: readonly string[], a: { readonly iommuGroup?: number; readonly members: readonly { readonly address: string }[] }): string {
  return `--with ${stray.join(', ')}: not in IOMMU group ${a.iommuGroup ?? '(none)'}; expected one of its members: ${a.members.map((m) => m.address).join(', ')}`;
}

function address(text: string, normalize: (t: string) => string | undefined): string {
  const a = normalize(text);
  if (a === undefined) throw usageError(`ADDR: "${text}" is not a PCI address; expected DDDD:BB:SS.F (e.g. 0000:05:00.0) or BB:SS.F`);
  return a;
}

export function register(program: Command, ctx: Ctx): void {
  const pt = group(program, 'passthrough', "VFIO pass-through of NVMe/SATA/SAS/RAID controllers and SR-IOV devices, never the host's own disks");
  pt.addHelpText('after', `
A device is refused when any device in its IOMMU group carries the host's root or boot
disk, a mounted filesystem or swap, an LVM PV in a volume group, a libvirt storage pool
or a disk of a libvirt domain (or when that cannot be checked), when the group holds a
non-storage device you did not name with --with, or when it is an SR-IOV PF with VFs
enabled. bind/unbind change nothing without --yes; rollback with: kvmio rollback --yes.

Exit codes: 0 allowed / done, 1 refused, not ready (no IOMMU, no vfio-pci) or a write
failed, 2 usage error (bad address, no such device).`);

  pt.command('list')
    .description('storage controllers and SR-IOV devices: IOMMU group, disks and what they hold, verdict')
    .option('--json', 'print JSON')
    .option('--from <dir>', 'read a dump written by kvmio collect instead of this host')
    .action(async (opts: CommonOpts) => {
      const { loadPassthrough } = await import('../../facts/probe-passthrough.js');
      const { printList } = await import('../../report/passthrough-text.js');
      const f = await loadPassthrough(opts.from === undefined ? undefined : resolve(ctx.cwd, opts.from), ctx.env, []);
      const { assessAll } = await import('../../decide/passthrough.js');
      const all = assessAll(f.host, f.pt);
      if (opts.json) ctx.json({ source: f.host.source, devices: all });
      else ctx.print(printList(all, f.host));
    });

  pt.command('check <addr>')
    .description('readiness (IOMMU, kernel parameters, vfio-pci) and the guards for one device and its IOMMU group')
    .option('--with <addr>', 'another group member you accept to hand over too (repeatable)', collect, [])
    .option('--json', 'print JSON')
    .option('--from <dir>', 'read a dump written by kvmio collect instead of this host')
    .action(async (addr: string, opts: CommonOpts) => {
      const { loadPassthrough } = await import('../../facts/probe-passthrough.js');
      const { assessNamed } = await import('../../decide/passthrough-check.js');
      const { printCheck } = await import('../../report/passthrough-text.js');
      const { normalizePciAddress } = await import('../../decide/pci-class.js');
      const a = address(addr, normalizePciAddress);
      const named = (opts.with ?? []).map((w) => address(w, normalizePciAddress));
      const f = await loadPassthrough(opts.from === undefined ? undefined : resolve(ctx.cwd, opts.from), ctx.env, [a, ...named]);
      const r = assessNamed(f, a, named);
      if (!r.found) throw usageError(`ADDR: no PCI device ${a} (not in /sys/bus/pci/devices); list candidates with: kvmio passthrough list`);
      if (r.strayNamed.length > 0) throw usageError(strayMessage(r.strayNamed, r.assessment));
      if (opts.json) ctx.json({ ...r, readiness: (await import('../../report/findings-text.js')).findingsJson(r.readiness) });
      else ctx.print(printCheck(r));
      ctx.exitCode = r.ready && r.assessment.verdict.status === 'allowed' ? 0 : 1;
    });

  for (const direction of ['bind', 'unbind'] as const) {
    pt.command(`${direction} <addr>`)
      .description(direction === 'bind'
        ? 'move the whole IOMMU group to vfio-pci (driver_override, unbind, drivers_probe), journaled; prints <hostdev> XML and the QEMU argument'
        : 'give every vfio-pci member of the group back to its own kernel driver, journaled')
      .option('--yes', 'do it (otherwise print what would be written)')
      .option('--with <addr>', 'another group member you accept to hand over too (repeatable)', collect, [])
      .option('--json', 'print JSON')
      .option('--from <dir>', 'read facts from a dump (with --sysfs-root: the tree being written)')
      .option('--sysfs-root <dir>', 'write under DIR/sys instead of /sys (tests: a writable copy of a recorded tree)')
      .option('--root <dir>', 'redirect the files kvmio writes (the journal) under DIR')
      .option('--state-dir <dir>', 'journal and lock directory (default /var/lib/kvmio, under --root when given)')
      .option('--wait', 'wait for another kvmio run to release the lock instead of refusing')
      .action(async (addr: string, opts: ActOpts) => {
        const { normalizePciAddress } = await import('../../decide/pci-class.js');
        const a = address(addr, normalizePciAddress);
        const named = (opts.with ?? []).map((w) => address(w, normalizePciAddress));
        if (opts.sysfsRoot !== undefined && opts.from === undefined) {
          throw usageError(`--sysfs-root ${opts.sysfsRoot}: needs --from DUMP, the recorded facts of the tree being written (e.g. --from COPY --sysfs-root COPY/fs)`);
        }
        const { loadPassthrough } = await import('../../facts/probe-passthrough.js');
        const { applyPassthrough } = await import('../../apply/apply-passthrough.js');
        const { printAct } = await import('../../report/passthrough-text.js');
        const { resolveHostState, faultHook } = await import('../host-state.js');
        const { stateDir } = resolveHostState(opts, ctx);
        const abs = (p: string): string => resolve(ctx.cwd, p);
        const f = await loadPassthrough(opts.from === undefined ? undefined : abs(opts.from), ctx.env, [a, ...named]);
        const fault = faultHook(ctx.env);
        const r = await applyPassthrough(direction, f, a, named, {
          yes: opts.yes === true,
          sysfsRoot: opts.sysfsRoot === undefined ? '/' : abs(opts.sysfsRoot),
          stateDir,
          onNote: (n: string) => ctx.warn(n),
          wait: opts.wait === true,
          ...(fault === undefined ? {} : { faultAfterStep: fault }),
        });
        if (opts.json) ctx.json(r);
        else ctx.print(printAct(r));
        if (r.refusal !== undefined) throw refused(r.refusal, direction === 'bind' ? shellLine`kvmio passthrough check ${a}` : undefined);
        if (r.failed) ctx.exitCode = 1;
      });
  }
}
