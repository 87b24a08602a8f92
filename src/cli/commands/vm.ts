// kvmio vm audit / vm tune: the disks of libvirt domains (or domain XML files) against
// the decision table, and the fix as a diff of the domain XML, applied with --yes.
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { group } from '../group.js';
import { collect } from '../options.js';
import { refused, usageError } from '../../errors.js';
import { LIBVIRT_START_HINT } from '../../model/libvirt-hint.js';

interface VmAuditOptions {
  readonly domainXml: string[];
  readonly json?: boolean;
  readonly only: string[];
  readonly verbose?: boolean;
  readonly libvirt: boolean;
}

interface VmTuneOptions {
  readonly domainXml?: string;
  readonly yes?: boolean;
  readonly json?: boolean;
  readonly bus?: boolean;
}

const addFile = (v: string, p: string[] = []): string[] => [...p, v];

export function register(program: Command, ctx: Ctx): void {
  const vm = group(program, 'vm', 'VM disks: audit libvirt domains against the decision table, and tune them');
  vm.command('audit')
    .description('Audit the disks of libvirt domains (all, or those named) and --domain-xml files')
    .argument('[domain...]', 'libvirt domains to audit (default: every defined domain)')
    .option('--domain-xml <file...>', 'audit these domain XML files too (virsh dumpxml output)', addFile, [])
    .option('--no-libvirt', 'do not read libvirt (only --domain-xml files)')
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
    .option('--bus', 'also move disks on emulated buses (ide, sata, usb) to virtio: the guest\'s device names change (sda → vda)')
    .option('--yes', 'redefine the domain with virsh define (effective at its next boot)')
    .option('--json', 'print the plan, the diff and the result as JSON')
    .addHelpText('after', `
Changes only <disk><driver> attributes (cache, io, discard, detect_zeroes, iothread),
<iothreads> and a virtio-scsi controller's iothread, plus the disk bus with --bus.
Every other element is kept. A second run proposes nothing.
Exit codes: 0 proposed or applied, 1 libvirt refused the definition (nothing changed)
or the domain is transient, 2 usage error.
JSON (--json): {domain, running, plan: {disks: [{index, target, driver: {attr: value|null},
               bus?, reasons[]}], controllers[], iothreads?, skipped[], warnings[]}, diff,
               applied: {defined, unmanagedKept?}, notes[]}`)
    .action(async (domain: string | undefined, opts: VmTuneOptions) => vmTune(domain, opts, ctx));
}

async function vmAudit(domains: string[], opts: VmAuditOptions, ctx: Ctx): Promise<void> {
  const [{ VM_CHECKS }, { matchesOnly, worst }, { sortFindings }, { LocalSource }, { auditVms }, { renderFindingsText, countFindings }] = await Promise.all([
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
  if (!opts.libvirt && opts.domainXml.length === 0) throw usageError('--no-libvirt without --domain-xml: nothing to audit; expected --domain-xml FILE');
  const { findings: all, warnings } = await auditVms({ source: new LocalSource(), libvirt: opts.libvirt, domainXml: opts.domainXml, domains });
  if (opts.libvirt && domains.length > 0) {
    const seen = new Set(all.map((f) => /^vm:([^/[]+)/.exec(f.object)?.[1]));
    for (const d of domains) if (!seen.has(d)) throw usageError(`vm audit ${d}: no such libvirt domain; expected one of "virsh list --all --name"`);
  }
  for (const w of warnings) ctx.warn(w);
  const findings = sortFindings(all.filter((f) => matchesOnly(f.id, opts.only)));
  if (opts.json === true) ctx.json({ findings, counts: countFindings(findings), status: worst(findings) });
  else ctx.print(renderFindingsText(findings, { verbose: opts.verbose === true }));
  ctx.exitCode = findings.some((f) => f.status === 'fail') ? 1 : 0;
}

async function vmTune(domain: string | undefined, opts: VmTuneOptions, ctx: Ctx): Promise<void> {
  if ((domain === undefined) === (opts.domainXml === undefined)) throw usageError('vm tune: give a DOMAIN or --domain-xml FILE (one of them)');
  if (opts.domainXml !== undefined && opts.yes) throw usageError(`vm tune --domain-xml ${opts.domainXml} --yes: files are not applied; expected no --yes (define the result with virsh define)`);
  const [{ readFile }, { parseDomainXml }, { domainXml, virsh, libvirtUri }, { LocalSource }, probe, { planVmTune, planIsEmpty }, edit, { unifiedDiff }] = await Promise.all([
    import('node:fs/promises'),
    import('../../facts/parse-domain.js'),
    import('../../facts/libvirt.js'),
    import('../../facts/local-source.js'),
    import('../../facts/probe-vm-disks.js'),
    import('../../decide/plan-vm-tune.js'),
    import('../../render/edit-domain-xml.js'),
    import('../../render/unified-diff.js'),
  ]);
  // The saved definition (what the next boot uses), or the file.
  let xml: string;
  let running = false;
  const label = domain ?? (opts.domainXml as string);
  if (domain !== undefined) {
    const r = await domainXml(domain, { inactive: true });
    if (!r.ok) {
      // libvirt unreachable is not "no such domain" (virsh: "failed to connect to the hypervisor").
      const { libvirtDown } = await import('../../facts/libvirt-socket.js');
      const down = libvirtDown(libvirtUri()) ?? (/failed to connect/i.test(r.reason) ? `libvirt unreachable: ${r.reason}` : undefined);
      if (down !== undefined) throw refused(`vm tune ${domain}: cannot read the domain: ${down}`, down.includes(LIBVIRT_START_HINT) ? undefined : LIBVIRT_START_HINT);
      throw usageError(`vm tune ${domain}: cannot read the domain: ${r.reason}`, 'expected a defined domain: virsh list --all --name');
    }
    xml = r.value;
    const info = await virsh(['dominfo', '--', domain]);
    running = info.ok && /^State:\s+(running|paused)/m.test(info.value);
    if (info.ok && /^Persistent:\s+no/m.test(info.value)) {
      throw refused(`vm tune ${domain}: a transient domain has no saved definition to tune; "virsh define" would make it persistent`, `dump it (virsh dumpxml ${domain} > FILE) and use kvmio vm tune --domain-xml FILE`);
    }
  } else {
    try {
      xml = await readFile(opts.domainXml as string, 'utf8');
    } catch (e) {
      throw usageError(`--domain-xml ${opts.domainXml}: cannot read it (${e instanceof Error ? e.message : String(e)}); expected a domain XML file`);
    }
  }
  const model = parseDomainXml(xml);
  if (!model.ok) throw usageError(`${label}: ${model.reason}; expected libvirt domain XML`);
  const src = new LocalSource();
  // Probe this domain's sources only (volumes through libvirt when a domain is named).
  const { withAioEvidence } = await import('../../bench/evidence.js');
  // Saved kvmio bench results feed aio rule 2, as in kvmio audit.
  const facts = withAioEvidence(await probe.probeVmFacts(src, domain === undefined ? { libvirt: false, domainXml: [opts.domainXml as string] } : { only: [domain] }), '/var/lib/kvmio');
  const plan = planVmTune(model.value, facts, { bus: opts.bus === true });
  const before = edit.normalizeDomainXml(xml);
  const after = planIsEmpty(plan) ? before : edit.applyTunePlan(xml, plan);
  const diff = unifiedDiff(before, after, { from: `${label} (saved)`, to: `${label} (tuned)` });
  const notes = [
    ...plan.skipped.map((s) => `kept: ${s}`),
    ...plan.warnings.map((w) => `warning: ${w}`),
  ];
  let applied: { defined: boolean; unmanagedKept?: boolean } = { defined: false };
  if (opts.yes && !planIsEmpty(plan) && domain !== undefined) {
    const { applyVmTune } = await import('../../apply/apply-vm-tune.js');
    const r = await applyVmTune(domain, xml, after, { busChanged: plan.disks.some((d) => d.bus !== undefined) });
    applied = { defined: true, unmanagedKept: r.unmanagedKept };
    const again = parseDomainXml(r.after);
    if (again.ok && !planIsEmpty(planVmTune(again.value, facts, { bus: opts.bus === true }))) notes.push(`warning: ${domain}: libvirt changed the tuned settings on define; a second run would propose more`);
    if (!r.unmanagedKept) notes.push(`warning: ${domain}: libvirt's saved XML differs from the original outside the tuned settings; compare with virsh dumpxml --inactive ${domain}`);
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
    for (const d of plan.disks) for (const r of d.reasons) out.push(`  ${d.target}: ${r}`);
    for (const c of plan.controllers) out.push(`  scsi controller ${c.index}: iothread ${c.iothread}: its disks' I/O leaves QEMU's main loop`);
  }
  for (const n of notes) out.push(n);
  if (!planIsEmpty(plan)) {
    if (applied.defined) out.push(`${label}: redefined; effective at its next boot${running ? ' (it is running: shut it down and start it; a reboot inside the guest keeps the old definition)' : ''}`);
    else if (domain !== undefined) out.push(`dry run: nothing changed; run "kvmio vm tune ${domain}${opts.bus ? ' --bus' : ''} --yes" to redefine it (effective at the next boot)`);
    else out.push(`dry run: to use it, edit the file as shown and run "virsh define ${opts.domainXml}"`);
  }
  ctx.print(out.join('\n'));
}
