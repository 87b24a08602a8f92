// The playbook `kvmio export ansible PLAN` writes: Ansible converges every inventory host
// on the plan with standard modules, so a fleet uses Ansible as its engine and kvmio grows
// no agent. Host settings use ansible.posix.sysctl and ansible.builtin.copy (udev rules or
// tmpfiles.d for schedulers, the GRUB drop-in, with an update-grub handler); LVM uses
// community.general.lvg/lvol when that collection is present (else `command` with
// `creates:`, and LV tasks skipped where the kernel has no device-mapper); pools and
// domains use community.libvirt.virt_pool/virt when present (else virsh through
// `command` with `creates:` on libvirtd's own config files, so --check predicts the
// change and a rerun changes nothing). Every file path is under
// `kvmio_root` (default ""), and `kvmio_live: false` leaves live sysctls alone, so the
// playbook can be tried on a scratch tree. Pure: plan in, YAML text out.
import { stringify } from 'yaml';
import type { Plan } from '../plan/plan-schema.js';
import { renderGrubDropin, GRUB_DROPIN_PATH } from './grub-dropin.js';
import { renderPoolXml } from './pool-xml.js';
import { AIO_MAX_NR_KEY } from '../model/host-files.js';
import { shellComment, shellLine, shellQuote } from './shell-quote.js';
import { usageError } from '../errors.js';

export const PLAN_PLAYBOOK = 'kvmio-plan.yml';

export interface AnsiblePlanOptions {
  readonly version: string;
  /** The plan file's name, for the header comment. */
  readonly planFile: string;
  /** community.general (lvg, lvol) is installed on the controller. */
  readonly general: boolean;
  /** community.libvirt (virt_pool, virt) is installed on the controller. */
  readonly libvirt: boolean;
  /** fs.aio-max-nr to set (plan-changes sizes "from-vms"). */
  readonly aioMaxNr: number;
  /** Complete domain XML per planned VM. */
  readonly domains: readonly { readonly name: string; readonly xml: string }[];
}

// Schedulers by class, for hosts kvmio has not seen (RHEL "Set the disk scheduler using
// udev rules"): NVMe and other multi-queue devices none, SATA/SAS disks mq-deadline
// (the kernel's own choice for one hardware queue: block/elevator.c).
const UDEV_RULES = [
  '# Written by kvmio export ansible: block schedulers (blk-mq names; the guide\'s noop is none).',
  'ACTION=="add|change", SUBSYSTEM=="block", KERNEL=="nvme[0-9]*n[0-9]*", ATTR{queue/scheduler}="none"',
  'ACTION=="add|change", SUBSYSTEM=="block", KERNEL=="sd[a-z]*", ENV{DEVTYPE}=="disk", ATTR{queue/scheduler}="mq-deadline"',
  '',
].join('\n');

const TMPFILES = [
  '# Written by kvmio export ansible: block schedulers at boot (tmpfiles.d(5) w lines; kernel names, no hot-plug).',
  'w /sys/block/sd*/queue/scheduler - - - - mq-deadline',
  'w /sys/block/nvme*n*/queue/scheduler - - - - none',
  '',
].join('\n');

const under = (path: string): string => `{{ kvmio_root }}${path}`;

/**
 * Ansible templates every string of a task (Jinja2), so a plan value holding "{{", "{%"
 * or "{#" would run as a template on the managed host (docs.ansible.com, "Templating
 * (Jinja2)"; its !unsafe tag is the only opt-out): such a value is refused, never written.
 */
function refuseTemplates(value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (/\{\{|\{%|\{#/.test(value)) throw usageError(`plan ${path}: ${JSON.stringify(value)} holds a Jinja2 delimiter ({{, {% or {#), which Ansible would run as a template; expected a value without one`);
  } else if (Array.isArray(value)) value.forEach((v, i) => refuseTemplates(v, `${path}[${i}]`));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) refuseTemplates(v, path === '' ? k : `${path}.${k}`);
}

export function renderPlanPlaybook(plan: Plan, o: AnsiblePlanOptions): string {
  refuseTemplates(plan, '');
  const tasks: Record<string, unknown>[] = [];
  const handlers: Record<string, unknown>[] = [];
  const h = plan.host;

  tasks.push({ name: '/etc/sysctl.d exists', 'ansible.builtin.file': { path: under('/etc/sysctl.d'), state: 'directory', mode: '0755' } });
  tasks.push({
    name: `${AIO_MAX_NR_KEY} = ${o.aioMaxNr} (1024 per native-AIO context; raising it pre-allocates nothing)`,
    'ansible.posix.sysctl': { name: AIO_MAX_NR_KEY, value: String(o.aioMaxNr), sysctl_file: under('/etc/sysctl.d/90-kvmio.conf'), sysctl_set: '{{ kvmio_live }}', reload: '{{ kvmio_live }}', state: 'present' },
  });
  if (h.schedulers.policy === 'recommended') {
    for (const d of ['/etc/udev/rules.d', '/etc/tmpfiles.d']) {
      if ((h.schedulers.persist === 'udev') !== (d === '/etc/udev/rules.d')) continue;
      tasks.push({ name: `${d} exists`, 'ansible.builtin.file': { path: under(d), state: 'directory', mode: '0755' } });
    }
    tasks.push(h.schedulers.persist === 'udev'
      ? { name: 'block schedulers persist through udev rules', 'ansible.builtin.copy': { dest: under('/etc/udev/rules.d/60-kvmio-scheduler.rules'), content: UDEV_RULES, mode: '0644' } }
      : { name: 'block schedulers persist through tmpfiles.d', 'ansible.builtin.copy': { dest: under('/etc/tmpfiles.d/kvmio-scheduler.conf'), content: TMPFILES, mode: '0644' } });
  }
  if (h.kernel.iommu) {
    tasks.push({ name: '/etc/default/grub.d exists', 'ansible.builtin.file': { path: under('/etc/default/grub.d'), state: 'directory', mode: '0755' } });
    tasks.push({
      name: 'kernel command line: intel_iommu=on iommu=pt, no elevator= (GRUB drop-in)',
      'ansible.builtin.copy': { dest: under(GRUB_DROPIN_PATH), content: renderGrubDropin({ dropElevator: true, iommu: true }), mode: '0644' },
      notify: 'update-grub',
    });
    handlers.push({ name: 'update-grub', 'ansible.builtin.command': { argv: ['update-grub'] }, when: "kvmio_root == ''" });
  }

  // An LV needs device-mapper (lvcreate activates it: lvm(8)); where the kernel has none
  // (/proc/misc lists no device-mapper, as kvmio's own probe reads it) the LV tasks are
  // skipped with the reason said once, so the play still converges on PVs, VGs and the rest.
  const lvTasks = plan.volumeGroups.some((vg) => vg.thinPools.length > 0) || plan.vms.some((vm) => vm.disks.some((d) => d.type === 'lv' && d.pool === undefined));
  const lvWhen = lvTasks ? ['kvmio_lvm | bool', 'kvmio_dm.rc == 0'] : [];
  if (lvTasks) {
    tasks.push({ name: 'device-mapper in the kernel (LVs need it)', 'ansible.builtin.command': { argv: ['grep', '-qw', 'device-mapper', '/proc/misc'] }, register: 'kvmio_dm', changed_when: false, failed_when: false, check_mode: false, when: 'kvmio_lvm | bool' });
    tasks.push({ name: 'no device-mapper here: logical volume tasks are skipped', 'ansible.builtin.debug': { msg: 'device-mapper is not in /proc/misc: lvcreate cannot activate logical volumes on this host, so the LV and thin-pool tasks are skipped (load dm_mod, or build the kernel with CONFIG_BLK_DEV_DM)' }, when: ['kvmio_lvm | bool', 'kvmio_dm.rc != 0'] });
  }

  for (const vg of plan.volumeGroups) {
    tasks.push(o.general
      ? { name: `volume group ${vg.name}`, 'community.general.lvg': { vg: vg.name, pvs: vg.pvs.join(','), state: 'present' }, when: 'kvmio_lvm | bool' }
      : { name: `volume group ${vg.name}`, 'ansible.builtin.command': { argv: ['vgcreate', vg.name, ...vg.pvs], creates: `/etc/lvm/backup/${vg.name}` }, when: 'kvmio_lvm | bool' });
    for (const tp of vg.thinPools) {
      tasks.push(o.general
        ? { name: `thin pool ${vg.name}/${tp.name}`, 'community.general.lvol': { vg: vg.name, thinpool: tp.name, size: tp.size.replace(/\s+/g, ''), state: 'present' }, when: lvWhen }
        : { name: `thin pool ${vg.name}/${tp.name}`, 'ansible.builtin.command': { argv: ['lvcreate', '--type', 'thin-pool', '-L', tp.size, '-n', tp.name, vg.name], creates: `/dev/${vg.name}/${tp.name}` }, when: lvWhen });
    }
  }

  for (const p of plan.pools) {
    const xml = renderPoolXml(p.type === 'logical' ? { type: 'logical', name: p.name, vg: p.vg } : { type: 'dir', name: p.name, path: p.path });
    if (o.libvirt) {
      tasks.push({ name: `libvirt pool ${p.name} defined`, 'community.libvirt.virt_pool': { command: 'define', name: p.name, xml }, when: 'kvmio_libvirt | bool' });
      if (p.type === 'dir') tasks.push({ name: `libvirt pool ${p.name} built`, 'community.libvirt.virt_pool': { command: 'build', name: p.name }, args: { creates: p.path }, when: 'kvmio_libvirt | bool' });
      tasks.push({ name: `libvirt pool ${p.name} active`, 'community.libvirt.virt_pool': { state: 'active', name: p.name }, when: 'kvmio_libvirt | bool' });
      if (p.autostart) tasks.push({ name: `libvirt pool ${p.name} autostart`, 'community.libvirt.virt_pool': { autostart: true, name: p.name }, when: 'kvmio_libvirt | bool' });
    } else {
      // creates: the file libvirtd (qemu:///system) keeps for a defined, autostarted pool, so
      // --check predicts the change and a rerun skips it (ansible.builtin.command's check mode)
      tasks.push({
        name: `libvirt pool ${p.name}`,
        'ansible.builtin.command': {
          argv: ['sh', '-c', `virsh pool-info "$1" >/dev/null 2>&1 || { printf %s "$2" > /run/kvmio-pool.xml && virsh pool-define /run/kvmio-pool.xml && rm -f /run/kvmio-pool.xml${p.type === 'dir' ? ' && virsh pool-build "$1"' : ''}; } && { virsh pool-start "$1" >/dev/null 2>&1 || virsh -q pool-info "$1" | grep -q "^State: *running"; }${p.autostart ? ' && virsh pool-autostart "$1"' : ''}`, 'sh', p.name, xml],
          creates: `/etc/libvirt/storage/${p.autostart ? 'autostart/' : ''}${p.name}.xml`,
        },
        when: 'kvmio_libvirt | bool',
      });
    }
  }

  for (const vm of plan.vms) {
    for (const d of vm.disks) {
      if (d.type === 'lv' && d.pool !== undefined) {
        tasks.push({ name: `volume ${d.pool}/${d.name} for ${vm.name}`, 'ansible.builtin.command': { argv: ['virsh', 'vol-create-as', d.pool, d.name, d.size.replace(/\s+/g, '')], creates: `/dev/${plan.pools.find((x) => x.name === d.pool && x.type === 'logical')?.type === 'logical' ? (plan.pools.find((x) => x.name === d.pool) as { vg: string }).vg : d.pool}/${d.name}` }, when: 'kvmio_libvirt | bool' });
      } else if (d.type === 'lv') {
        tasks.push(o.general
          ? { name: `LV ${d.vg ?? ''}/${d.name} for ${vm.name}`, 'community.general.lvol': { vg: d.vg, lv: d.name, size: d.size.replace(/\s+/g, ''), ...(d.thin !== undefined ? { thinpool: d.thin } : {}) }, when: lvWhen }
          : { name: `LV ${d.vg ?? ''}/${d.name} for ${vm.name}`, 'ansible.builtin.command': { argv: ['lvcreate', '-n', d.name, '-L', d.size, d.vg ?? ''], creates: `/dev/${d.vg ?? ''}/${d.name}` }, when: lvWhen });
      } else if (d.type === 'image') {
        const dir = plan.pools.find((x) => x.name === d.pool);
        const path = dir?.type === 'dir' ? `${dir.path}/${d.name}` : d.name;
        const full = (d.preallocation ?? (d.format === 'raw' ? 'falloc' : 'metadata'));
        tasks.push({ name: `image ${d.pool}/${d.name} for ${vm.name}`, 'ansible.builtin.command': { argv: ['virsh', 'vol-create-as', d.pool, d.name, d.size.replace(/\s+/g, ''), '--format', d.format, '--allocation', full === 'falloc' || full === 'full' ? d.size.replace(/\s+/g, '') : '0', ...(d.format === 'qcow2' && full === 'metadata' ? ['--prealloc-metadata'] : [])], creates: path }, when: 'kvmio_libvirt | bool' });
      }
    }
  }

  for (const d of o.domains) {
    tasks.push(o.libvirt
      ? { name: `domain ${d.name} defined`, 'community.libvirt.virt': { command: 'define', xml: d.xml }, when: 'kvmio_libvirt | bool' }
      : { name: `domain ${d.name} defined`, 'ansible.builtin.command': { argv: ['sh', '-c', 'virsh dominfo "$1" >/dev/null 2>&1 && exit 0; printf %s "$2" > /run/kvmio-domain.xml && virsh define /run/kvmio-domain.xml; r=$?; rm -f /run/kvmio-domain.xml; exit $r', 'sh', d.name, d.xml], creates: `/etc/libvirt/qemu/${d.name}.xml` }, when: 'kvmio_libvirt | bool' });
  }

  const play = [{
    name: `kvmio plan ${o.planFile}: converge the host's storage I/O settings, volume groups, libvirt pools and VMs`,
    hosts: "{{ kvmio_hosts | default('all') }}",
    gather_facts: false,
    become: "{{ kvmio_root == '' }}",
    vars: {
      kvmio_root: '',
      kvmio_live: "{{ kvmio_root == '' }}",
      kvmio_lvm: true,
      kvmio_libvirt: true,
    },
    tasks,
    ...(handlers.length > 0 ? { handlers } : {}),
  }];
  return `${shellComment(`Generated by kvmio ${o.version} from the plan ${shellQuote(o.planFile)} (${shellLine`kvmio export ansible ${o.planFile}`}).`)}\n` +
    `# Run:   ansible-playbook -i INVENTORY ${PLAN_PLAYBOOK} --check --diff   (then without --check)\n` +
    '# Vars:  kvmio_root=DIR writes every file under DIR (and leaves live values alone);\n' +
    '#        kvmio_lvm=false / kvmio_libvirt=false skip volume groups / pools, volumes and domains.\n' +
    stringify(play, { lineWidth: 0 });
}
