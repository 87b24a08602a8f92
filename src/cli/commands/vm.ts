// kvmio vm audit / vm tune: the disks of libvirt domains (or domain XML files) against
// the decision table, and the fix as a diff of the domain XML, applied with --yes.
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { group } from '../group.js';
import { collect } from '../options.js';
import { defaultStateDir } from '../host-state.js';
import { refused, usageError } from '../../errors.js';
import { LIBVIRT_START_HINT } from '../../model/libvirt-hint.js';
import { shellLine } from '../../render/shell-quote.js';

interface VmAuditOptions {
  readonly domainXml: string[];
  readonly json?: boolean;
  readonly only: string[];
  readonly verbose?: boolean;
  readonly libvirt: boolean;
  readonly proxmoxConf: string[];
  readonly proxmoxStorage?: string;
}

interface VmTuneOptions {
  readonly domainXml?: string;
  readonly stateDir?: string;
  readonly yes?: boolean;
  readonly json?: boolean;
  readonly bus?: boolean;
  readonly proxmox?: string;
  readonly proxmoxStorage?: string;
}

const addFile = (v: string, p: string[] = []): string[] => [...p, v];

export function register(program: Command, ctx: Ctx): void {
  const vm = group(program, 'vm', 'VM disks: audit libvirt domains against the decision table, and tune them');
  vm.command('audit')
    .description('Audit the disks of libvirt domains (all, or those named) and --domain-xml files')
    .argument('[domain...]', 'libvirt domains to audit (default: every defined domain)')
    .option('--domain-xml <file...>', 'audit these domain XML files too (virsh dumpxml output)', addFile, [])
    .option('--proxmox-conf <file...>', 'audit these Proxmox VE VM configs too (VMID.conf; on a Proxmox host its own are audited anyway)', addFile, [])
    .option('--proxmox-storage <file>', 'storage.cfg to resolve --proxmox-conf volumes with (default /etc/pve/storage.cfg)')
    .option('--no-libvirt', 'do not read libvirt (only --domain-xml and --proxmox-conf files, and this host\'s Proxmox configs)')
    .option('--json', 'print the findings as JSON')
    .option('--only <id>', 'only checks with this id or dotted prefix (repeatable)', collect, [])
    .option('-v, --verbose', 'show why and the reference for passing checks too')
    .addHelpText('after', `
Exit codes: 0 no check failed, 1 a check failed, 2 usage error (unreadable or malformed --domain-xml).
"kvmio audit" runs the same checks together with the host's.
Objects: vm:NAME/TARGET (saved definition or file), vm:NAME[live]/TARGET (running
definition, when it differs), host (aio.vm-headroom, vm.libvirt).
JSON (--json): {"findings": [{id, object, status, observed?, expected?, why, fix?, ref?}],
               "counts": {fail, warn, skip, pass}, "status"}`)
    .action(async (domains: string[], opts: VmAuditOptions) => vmAudit(domains, opts, ctx));

  vm.command('tune')
    .description('Propose the recommended disk settings of a domain as a diff of its XML; --yes redefines it')
    .argument('[domain]', 'libvirt domain to tune (its saved definition)')
    .option('--domain-xml <file>', 'tune a domain XML file instead: prints the diff (never applied)')
    .option('--proxmox <vmid>', 'tune a Proxmox VE VM instead: proposes "qm set VMID --scsi0 …" (every option of the drive kept); --yes runs it, journaled')
    .option('--proxmox-storage <file>', 'storage.cfg for --proxmox (default /etc/pve/storage.cfg)')
    .option('--bus', 'also move disks on emulated buses (ide, sata, usb) to virtio: the guest\'s device names change (sda → vda)')
    .option('--yes', 'redefine the domain with virsh define (effective at its next boot), journaled: "kvmio rollback --yes" redefines the old XML')
    .option('--state-dir <dir>', 'journal and lock directory (default /var/lib/kvmio)')
    .option('--json', 'print the plan, the diff and the result as JSON')
    .addHelpText('after', `
Changes only <disk><driver> attributes (cache, io, discard, detect_zeroes, iothread),
<iothreads> and a virtio-scsi controller's iothread, plus the disk bus with --bus.
Every other element is kept. A second run proposes nothing.
Exit codes: 0 proposed or applied, 1 libvirt refused the definition (nothing changed)
or the domain is transient, 2 usage error.
JSON (--json): {domain, running, plan: {vm: {name, manager}, disks: [{key, label,
               set: {cache?, aio?, discard?, detectZeroes?, iothread?}, bus?, reasons[]}],
               controllers: [{key, iothread}], iothreads?, skipped[], warnings[]}, diff,
               applied: {defined, unmanagedKept?}, notes[]}`)
    .action(async (domain: string | undefined, opts: VmTuneOptions) => vmTune(domain, opts, ctx));
}

async function vmAudit(domains: string[], opts: VmAuditOptions, ctx: Ctx): Promise<void> {
  const [{ VM_CHECKS }, { matchesOnly, worst }, { sortFindings }, { LocalSource }, { auditVms }, { renderFindingsText, countFindings, findingsJson }] = await Promise.all([
    import('../../decide/vm-checks.js'),
    import('../../model/finding.js'),
    import('../../decide/sort-findings.js'),
    import('../../facts/local-source.js'),
    import('../vm-auditor.js'),
    import('../../report/findings-text.js'),
  ]);
  for (const o of opts.only) {
    if (!VM_CHECKS.some((c) => matchesOnly(c.id, [o]))) throw usageError(`--only ${o}: no such VM check id or prefix; expected one of ${VM_CHECKS.map((c) => c.id).join(', ')}`);
  }
  if (!opts.libvirt && opts.domainXml.length === 0 && opts.proxmoxConf.length === 0) throw usageError('--no-libvirt without --domain-xml or --proxmox-conf: nothing to audit; expected --domain-xml FILE or --proxmox-conf FILE');
  if (opts.proxmoxStorage !== undefined && opts.proxmoxConf.length === 0) throw usageError(`--proxmox-storage ${opts.proxmoxStorage} without --proxmox-conf: it resolves only those files' volumes; expected --proxmox-conf FILE`);
  const proxmox = { host: true, conf: opts.proxmoxConf, ...(opts.proxmoxStorage === undefined ? {} : { storage: opts.proxmoxStorage }) };
  const { findings: all, warnings } = await auditVms({ source: new LocalSource(), libvirt: opts.libvirt, domainXml: opts.domainXml, domains, env: ctx.env, proxmox });
  if (opts.libvirt && domains.length > 0) {
    const seen = new Set(all.flatMap((f) => (f.subject?.kind === 'vm' && f.subject.vm.manager.kind === 'libvirt' ? [f.subject.vm.name] : [])));
    for (const d of domains) if (!seen.has(d)) throw usageError(`vm audit ${d}: no such libvirt domain; expected one of "virsh list --all --name"`);
  }
  for (const w of warnings) ctx.warn(w);
  const findings = sortFindings(all.filter((f) => matchesOnly(f.id, opts.only)));
  if (opts.json === true) ctx.json({ findings: findingsJson(findings), counts: countFindings(findings), status: worst(findings) });
  else ctx.print(renderFindingsText(findings, { verbose: opts.verbose === true }));
  ctx.exitCode = findings.some((f) => f.status === 'fail') ? 1 : 0;
}

async function vmTune(domain: string | undefined, opts: VmTuneOptions, ctx: Ctx): Promise<void> {
  if (opts.proxmox !== undefined) {
    if (domain !== undefined || opts.domainXml !== undefined) throw usageError(`vm tune --proxmox ${opts.proxmox}: give the VMID alone, not with a DOMAIN or --domain-xml`);
    return (await import('./vm-tune-proxmox.js')).vmTuneProxmox(opts.proxmox, opts, ctx);
  }
  if ((domain === undefined) === (opts.domainXml === undefined)) throw usageError('vm tune: give a DOMAIN or --domain-xml FILE (one of them)');
  if (opts.domainXml !== undefined && opts.yes) throw usageError(`vm tune --domain-xml ${opts.domainXml} --yes: files are not applied; expected no --yes (define the result with virsh define)`);
  const [{ readFile }, { LocalSource }, { libvirtUri, VM_COMMANDS }, { virshText }, { parseDominfo }, { vmFacts }, { planVmTune, planIsEmpty }, edit, { unifiedDiff }, { readDomainXml }] = await Promise.all([
    import('node:fs/promises'),
    import('../../facts/local-source.js'),
    import('../../facts/commands.js'),
    import('../../libvirt/probe-domains.js'),
    import('../../libvirt/dominfo.js'),
    import('../vm-facts.js'),
    import('../../decide/plan-vm-tune.js'),
    import('../../libvirt/edit-domain.js'),
    import('../../render/unified-diff.js'),
    import('../../libvirt/read-domain.js'),
  ]);
  const src = new LocalSource();
  const uri = libvirtUri(ctx.env);
  // The saved definition (what the next boot uses), or the file.
  let xml: string;
  let running = false;
  const label = domain ?? (opts.domainXml as string);
  if (domain !== undefined) {
    const r = await virshText(src, VM_COMMANDS.savedXml(uri, domain));
    if (!r.ok) {
      // libvirt unreachable is not "no such domain" (virsh: "failed to connect to the hypervisor").
      const { libvirtDown } = await import('../../facts/libvirt-socket.js');
      const down = libvirtDown(uri) ?? (/failed to connect/i.test(r.reason) ? `libvirt unreachable: ${r.reason}` : undefined);
      if (down !== undefined) throw refused(`vm tune ${domain}: cannot read the domain: ${down}`, down.includes(LIBVIRT_START_HINT) ? undefined : LIBVIRT_START_HINT);
      throw usageError(`vm tune ${domain}: cannot read the domain: ${r.reason}`, 'expected a defined domain: virsh list --all --name');
    }
    xml = r.value;
    const info = await virshText(src, VM_COMMANDS.dominfo(uri, domain));
    const di = info.ok ? parseDominfo(info.value) : undefined;
    running = di?.running === true;
    if (di && !di.persistent) {
      throw refused(`vm tune ${domain}: a transient domain has no saved definition to tune; "virsh define" would make it persistent`, `dump it (${shellLine`virsh dumpxml ${domain}`} > FILE) and use kvmio vm tune --domain-xml FILE`);
    }
  } else {
    try {
      xml = await readFile(opts.domainXml as string, 'utf8');
    } catch (e) {
      throw usageError(`--domain-xml ${opts.domainXml}: cannot read it (${e instanceof Error ? e.message : String(e)}); expected a domain XML file`);
    }
  }
  const parsed = readDomainXml(xml, domain === undefined ? { kind: 'libvirt-xml', file: label } : { kind: 'libvirt', origin: 'saved', uri });
  if (!parsed.ok) throw usageError(`${label}: ${parsed.reason}; expected libvirt domain XML`);
  // Probe this domain's sources only (volumes through libvirt when a domain is named).
  const { withAioEvidence } = await import('../../bench/evidence.js');
  // Saved kvmio bench results feed aio rule 2, as in kvmio audit.
  const facts = withAioEvidence(await vmFacts(domain === undefined ? { source: src, libvirt: false, domainXml: [label] } : { source: src, libvirt: true, domainXml: [], domains: [domain] }, uri), defaultStateDir(ctx.env, ctx.cwd));
  const isSaved = (v: (typeof facts.vms)[number]): boolean => v.ref.name === parsed.value.ref.name && v.ref.manager.kind === parsed.value.ref.manager.kind && (v.ref.manager.kind !== 'libvirt' || v.ref.manager.origin === 'saved');
  const vm = facts.vms.find(isSaved) ?? parsed.value;
  const plan = planVmTune(vm, facts, { bus: opts.bus === true });
  const before = edit.normalizeDomainXml(xml);
  const after = planIsEmpty(plan) ? before : edit.applyTunePlan(xml, plan);
  const diff = unifiedDiff(before, after, { from: `${label} (saved)`, to: `${label} (tuned)` });
  const notes = [
    ...plan.skipped.map((s) => `kept: ${s}`),
    ...plan.warnings.map((w) => `warning: ${w}`),
  ];
  let applied: { defined: boolean; unmanagedKept?: boolean } = { defined: false };
  if (opts.yes && !planIsEmpty(plan) && domain !== undefined) {
    const [{ defineAction }, engine, { resolveHostState }] = await Promise.all([import('../../libvirt/define-action.js'), import('../../apply/engine.js'), import('../host-state.js')]);
    const { root, stateDir } = resolveHostState({ ...(opts.stateDir === undefined ? {} : { stateDir: opts.stateDir }) }, ctx);
    const outcomes = await engine.applyActions([defineAction(plan, after)], { stateDir, onNote: (n) => ctx.warn(n), root, wait: false });
    const failed = outcomes.find((o) => o.status === 'refused' || o.status === 'failed' || o.status === 'not-run');
    if (failed) throw refused(`${domain}: libvirt refused the tuned definition: ${failed.error ?? failed.status}`, 'nothing was changed; run without --yes to see the proposed XML');
    const reread = await virshText(src, VM_COMMANDS.savedXml(uri, domain));
    const busChanged = plan.disks.some((d) => d.bus !== undefined);
    const unmanagedKept = reread.ok && edit.unmanagedDigest(xml, { ignoreAddresses: busChanged }) === edit.unmanagedDigest(reread.value, { ignoreAddresses: busChanged });
    applied = { defined: true, unmanagedKept };
    const again = reread.ok ? readDomainXml(reread.value, { kind: 'libvirt', origin: 'saved', uri }) : undefined;
    if (again?.ok && !planIsEmpty(planVmTune({ ...again.value, disks: again.value.disks.map((d, i) => ({ ...d, source: vm.disks[i]?.source ?? d.source })) }, facts, { bus: opts.bus === true }))) notes.push(`warning: ${domain}: libvirt changed the tuned settings on define; a second run would propose more`);
    if (!unmanagedKept) notes.push(`warning: ${domain}: libvirt's saved XML differs from the original outside the tuned settings; compare with ${shellLine`virsh dumpxml --inactive ${domain}`}`);
  }
  if (opts.json === true) {
    ctx.json({ domain: label, running, plan, diff, applied, notes });
    return;
  }
  const out: string[] = [];
  if (planIsEmpty(plan)) out.push(`${label}: nothing to change: its disks already have the recommended settings`);
  else {
    out.push(diff.trimEnd());
    out.push('');
    out.push('why:');
    for (const d of plan.disks) for (const r of d.reasons) out.push(`  ${d.label}: ${r}`);
    for (const c of plan.controllers) out.push(`  ${c.key.replace(':', ' controller ')}: iothread ${c.iothread}: its disks' I/O leaves QEMU's main loop`);
  }
  for (const n of notes) out.push(n);
  if (!planIsEmpty(plan)) {
    const { shellQuote } = await import('../../render/shell-quote.js');
    if (applied.defined) out.push(`${label}: redefined; effective at its next boot${running ? ' (it is running: shut it down and start it; a reboot inside the guest keeps the old definition)' : ''}; "kvmio rollback --yes" undoes it`);
    else if (domain !== undefined) out.push(`dry run: nothing changed; run "kvmio vm tune ${shellQuote(domain)}${opts.bus ? ' --bus' : ''} --yes" to redefine it (effective at the next boot)`);
    else out.push(`dry run: to use it, edit the file as shown and run "virsh define ${shellQuote(label)}"`);
  }
  ctx.print(out.join('\n'));
}
