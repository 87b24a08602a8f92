// kvmio collect -o DIR [--redact]: run the host probe through a recording source and save
// exactly what it read as a dump, for `kvmio audit --from DIR` elsewhere (or a bug report).
import type { Command } from 'commander';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { usageError } from '../../errors.js';
import type { Ctx } from '../context.js';
import { addFleetCollectOptions, fleetCollect, type CollectFlags } from '../fleet.js';

interface CollectOptions {
  readonly output: string;
  readonly redact?: boolean;
  readonly json?: boolean;
}

/** Refuses anything but a new or empty directory: a dump never overwrites or deletes files. */
export function checkOutputDir(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw usageError(`-o ${dir}: exists and is not a directory; expected a new or empty directory`);
  const entries = readdirSync(dir);
  if (entries.length > 0) {
    throw usageError(
      `-o ${dir}: directory is not empty (${entries.length} entries); expected a new or empty directory`,
      'choose another directory; kvmio never overwrites or deletes files, so remove an old dump yourself if you want to reuse its name',
    );
  }
}

export function register(program: Command, ctx: Ctx): void {
  addFleetCollectOptions(program.command('collect'))
    .description('record what the audit reads on this host (sysfs, procfs, config files, libvirt domains and their disk images) into a dump directory')
    .requiredOption('-o, --output <dir>', 'directory to write the dump to (new or empty)')
    .option('--redact', 'hide serial numbers, WWIDs and the host name')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nAudit a dump with: kvmio audit --from DIR\nWith --host/--inventory: one dump per host in DIR/HOST (kvmio audit --from DIR audits them side by side).\nExit codes: 0 written, 1 write failed (or a host failed), 2 usage error (DIR not empty).')
    .action(async (opts: CollectOptions & CollectFlags) => {
      const dir = resolve(ctx.cwd, opts.output);
      checkOutputDir(dir);
      if (await fleetCollect(opts, dir, ctx)) return;
      const [{ LocalSource }, { RecordingSource }, { probeHost }, { libvirtUri, VM_COMMANDS }, { libvirtDown }, { vmFacts }] = await Promise.all([
        import('../../facts/local-source.js'), import('../../facts/recording-source.js'), import('../../facts/probe-host.js'),
        import('../../facts/commands.js'), import('../../facts/libvirt-socket.js'), import('../vm-facts.js'),
      ]);
      const rec = new RecordingSource(new LocalSource());
      const facts = await probeHost(rec);
      // VM facts: libvirt's domains, their volumes and every local image, read as the audit reads them.
      const uri = libvirtUri(ctx.env);
      const down = libvirtDown(uri);
      if (down) rec.noteUnavailable(VM_COMMANDS.domainList(uri), down);
      const vms = down ? undefined : await vmFacts({ source: rec, libvirt: true, domainXml: [] }, uri);
      if (facts.hostname.ok) rec.addSensitive(facts.hostname.value);
      const stats = await rec.save(dir, { redact: Boolean(opts.redact) });
      const devices = facts.blockDevices.ok ? facts.blockDevices.value.length : 0;
      const roles = [facts.roles.kvmHost ? 'kvm-host' : '', facts.roles.guest ? 'guest' : ''].filter((r) => r !== '');
      const summary = {
        dir, redacted: Boolean(opts.redact), files: stats.files, links: stats.links, commands: stats.commands,
        blockDevices: devices, roles, domains: vms ? new Set(vms.vms.map((v) => v.ref.name)).size : 0, images: vms?.sources.size ?? 0,
      };
      if (opts.json) ctx.json(summary);
      else {
        ctx.print(`collected ${stats.files} files, ${stats.links} links and ${stats.commands} command outputs (${devices} block devices, ${summary.domains} libvirt domains, ${summary.images} disk sources; roles: ${roles.join(', ') || 'none'}) into ${dir}${opts.redact ? ', redacted' : ''}`);
      }
    });
}
