// kvmio vm tune --proxmox VMID [--bus] [--yes]: the same plan as for libvirt domains
// (decide/plan-vm-tune.ts over the model), written back as one `qm set` that keeps every
// option of each drive string; --yes runs it through the journal engine (the
// proxmox-set handler), so `kvmio rollback --yes` puts the old strings back.
import type { Ctx } from '../context.js';
import { refused, usageError } from '../../errors.js';

interface Opts {
  readonly yes?: boolean;
  readonly json?: boolean;
  readonly bus?: boolean;
  readonly stateDir?: string;
  readonly proxmoxStorage?: string;
}

export async function vmTuneProxmox(vmidText: string, opts: Opts, ctx: Ctx): Promise<void> {
  if (!/^[1-9]\d{2,8}$/.test(vmidText)) throw usageError(`--proxmox ${vmidText}: not a VMID; expected an integer from 100 to 999999999`);
  const vmid = Number(vmidText);
  const [{ LocalSource }, { parseStorageCfg }, { readProxmoxVm }, { PVE_STORAGE_CFG }, { probeVmFacts }, { planVmTune }, { wantsFromPlan }, qm, { PROXMOX_HANDLERS }] = await Promise.all([
    import('../../facts/local-source.js'),
    import('../../proxmox/parse-storage-cfg.js'),
    import('../../proxmox/read-proxmox-vm.js'),
    import('../../proxmox/probe-proxmox.js'),
    import('../../facts/probe-vm-disks.js'),
    import('../../decide/plan-vm-tune.js'),
    import('../../proxmox/wants-from-plan.js'),
    import('../../proxmox/plan-qm-set.js'),
    import('../../apply/proxmox-handler.js'),
  ]);
  const src = new LocalSource();
  // The config file has the [PENDING] section `qm config` folds in; without it (not this
  // node's VM, or no pmxcfs mounted) ask qm, which answers for this node's VMs.
  const file = `/etc/pve/qemu-server/${vmid}.conf`;
  let text = await src.readText(file);
  let from = file;
  if (!text.ok) {
    const r = await src.run({ name: `qm-config-${vmid}`, argv: ['qm', 'config', String(vmid)], timeoutMs: 30_000 });
    if (!r.ok || r.value.code !== 0) {
      throw usageError(`vm tune --proxmox ${vmid}: no such VM on this node (${file}: ${text.reason}; qm config: ${r.ok ? r.value.stderr.trim() || `exit ${r.value.code}` : r.reason})`, 'expected a VMID from "qm list" on this node');
    }
    text = { ok: true, value: r.value.stdout };
    from = `qm config ${vmid}`;
  }
  const storageFile = opts.proxmoxStorage ?? PVE_STORAGE_CFG;
  const st = await src.readText(storageFile);
  if (!st.ok && opts.proxmoxStorage !== undefined) throw usageError(`--proxmox-storage ${storageFile}: cannot read it (${st.reason}); expected a Proxmox storage.cfg`);
  const pvm = readProxmoxVm({ vmid, file: from, text: text.value, storage: st.ok ? parseStorageCfg(st.value) : undefined });
  const facts = await probeVmFacts(src, [pvm.vm], []);
  const plan = planVmTune(pvm.vm, facts, { bus: opts.bus === true });
  const { wants, skipped } = wantsFromPlan(plan, pvm, { bus: opts.bus === true });
  const qplan = qm.planQmSet(pvm, wants, { bus: opts.bus === true });
  const options = qm.qmSetOptions(qplan);
  const argv = qm.qmSetArgv(vmid, options);
  const notes = [
    ...plan.skipped.map((s) => `kept: ${s}`),
    ...skipped.map((s) => `kept: ${s}`),
    ...qplan.skipped.map((s) => `kept: ${s}`),
    ...plan.warnings.map((w) => `warning: ${w}`),
    ...qplan.warnings.map((w) => `warning: ${w}`),
    ...pvm.vm.problems?.map((p) => `warning: ${p}`) ?? [],
  ];
  const empty = qm.qmPlanIsEmpty(qplan);
  let applied = false;
  if (opts.yes && !empty) {
    const [engine, { resolveHostState }] = await Promise.all([import('../../apply/engine.js'), import('../host-state.js')]);
    const { stateDir } = resolveHostState({ ...(opts.stateDir === undefined ? {} : { stateDir: opts.stateDir }) }, ctx);
    const action = { kind: 'proxmox-set' as const, id: 'vm.tune', object: `vm:${pvm.vm.ref.name}`, reason: 'the decision table (kvmio vm tune --proxmox)', vmid, set: options, notes: ['Proxmox applies disk option changes of a running VM at its next start (stop and start it)'] };
    const out = await engine.applyActions([action], { stateDir, onNote: (n) => ctx.warn(n), handlers: PROXMOX_HANDLERS, purpose: 'vm tune --proxmox --yes' });
    const bad = out.find((o) => o.status !== 'changed' && o.status !== 'unchanged');
    if (bad) throw refused(`VM ${vmid}: ${bad.status}: ${bad.error ?? ''}`, 'the journal holds what was read before; "kvmio rollback --yes" restores anything that changed');
    applied = true;
  }
  if (opts.json === true) {
    ctx.json({ vmid, name: pvm.vm.ref.name, running: pvm.vm.running, plan: qplan, argv: empty ? null : argv, applied, notes });
    return;
  }
  const lines: string[] = [];
  if (empty) lines.push(`VM ${vmid} (${pvm.vm.ref.name}): nothing to change: its disks already have the recommended settings`);
  else {
    for (const d of qplan.drives) {
      lines.push(`${d.key}: ${d.from}`);
      lines.push(`${' '.repeat(d.key.length)}→ ${d.to}`);
      for (const r of d.reasons) lines.push(`    why: ${r}`);
    }
    if (qplan.scsihw) lines.push(`scsihw: ${qplan.scsihw.from} → ${qplan.scsihw.to}`, `    why: ${qplan.scsihw.reason}`);
    lines.push('', qm.displayArgv(argv));
  }
  lines.push(...notes);
  if (!empty) {
    if (applied) lines.push(`VM ${vmid}: set; Proxmox applies it at the VM's next start (a running VM keeps it pending); "kvmio rollback --yes" undoes it`);
    else lines.push(`dry run: nothing changed; run "kvmio vm tune --proxmox ${vmid}${opts.bus ? ' --bus' : ''} --yes" to apply it (journaled)`);
  }
  ctx.print(lines.join('\n'));
}
