// The plan file's schema, once: zod validates a parsed plan, and the published JSON
// Schema (schemas/plan.schema.json, `kvmio plan schema`) is generated from the same
// object (z.toJSONSchema), so the two cannot drift. Strict objects everywhere: an
// unknown key is an error, never silently ignored. No transforms (they have no JSON
// Schema form): sizes stay strings here and plan-resolve.ts turns them into Size values.
import { z } from 'zod';
import { AIO_MODES, BUSES, CACHE_MODES } from '../model/disk-types.js';

export const PLAN_FORMAT = 'kvmio-plan/1';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,62}$/, { error: 'expected a name of letters, digits, "_", ".", "+" or "-" (starting with a letter or digit, at most 63)' });
// LVM and libvirt both take these names on their command lines: no "/" and no leading "-".
const size = z.string().regex(/^\d+(\.\d+)?\s*([KMGT]i?B?|[kmgt]i?b?|B|b)?$/, { error: 'expected a size with a unit K, M, G or T (e.g. 40G)' })
  .describe('binary units, as qemu-img and lvcreate read them: 40G = 40 GiB');
const absPath = z.string().regex(/^\/[^\0]*$/, { error: 'expected an absolute path' });
const device = z.string().regex(/^\/dev\/[A-Za-z0-9_./-]+$/, { error: 'expected a device path under /dev (e.g. /dev/sdb)' });
const pciAddress = z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/, { error: 'expected a full PCI address like 0000:05:00.0 (lower-case hex)' });

// blk-mq names only: noop/deadline/cfq were removed in Linux 5.0 (block/Kconfig.iosched);
// the guide's "noop" is "none" and its "deadline" is "mq-deadline" on current kernels.
const scheduler = z.enum(['none', 'mq-deadline', 'bfq', 'kyber'], {
  error: 'expected one of none, mq-deadline, bfq, kyber (blk-mq names: the guide\'s noop is none, deadline is mq-deadline since Linux 5.0)',
});

const hostSchema = z.strictObject({
  role: z.enum(['kvm-host'], { error: 'expected kvm-host (a plan describes a KVM host)' }).default('kvm-host'),
  schedulers: z.strictObject({
    policy: z.enum(['recommended', 'keep']).default('recommended')
      .describe('recommended: the audit\'s choice per device (mq-deadline for SATA/SAS, none for NVMe/virtio/stacked); keep: leave schedulers alone'),
    persist: z.enum(['udev', 'tmpfiles']).default('udev').describe('udev rules by stable identity (RHEL\'s documented way) or tmpfiles.d by kernel name (the guide\'s way)'),
  }).default({ policy: 'recommended', persist: 'udev' }),
  aioMaxNr: z.union([z.literal('from-vms'), z.int().min(65536).max(2 ** 31 - 1)], { error: 'expected "from-vms" or an integer from 65536' })
    .default('from-vms').describe('fs.aio-max-nr: a number, or sized from the planned VMs (1024 per native-AIO context, doubled)'),
  kernel: z.strictObject({
    iommu: z.boolean().default(false).describe('intel_iommu=on iommu=pt on the kernel command line (GRUB drop-in); needed for VFIO'),
  }).default({ iommu: false }),
});

const thinPool = z.strictObject({ name, size });

const volumeGroup = z.strictObject({
  name,
  pvs: z.array(device).min(1),
  thinPools: z.array(thinPool).default([]),
  wipeSignatures: z.boolean().default(false)
    .describe('let pvcreate wipe filesystem, partition-table and other signatures on the new PVs (as vg create --force); never a mounted, swap, held, in-use or root/boot device'),
});

const pool = z.discriminatedUnion('type', [
  z.strictObject({ name, type: z.literal('logical'), vg: name.describe('the volume group the pool manages'), autostart: z.boolean().default(true) }),
  z.strictObject({ name, type: z.literal('dir'), path: absPath, autostart: z.boolean().default(true) }),
], { error: 'expected type logical (on a volume group) or dir (on a path)' });

// Overrides of the decision table (docs/disk.md): absent means "let the table choose".
const tuning = {
  bus: z.enum(BUSES as [string, ...string[]]).optional(),
  iothread: z.boolean().optional().describe('default on for virtio disks'),
  queues: z.int().min(1).max(64).optional(),
  cache: z.enum(CACHE_MODES as [string, ...string[]]).optional().describe('only to override the table (default none when O_DIRECT works)'),
  aio: z.enum(AIO_MODES as [string, ...string[]]).optional().describe('only to override the table (native on block devices and preallocated files)'),
  target: z.string().regex(/^(vd|sd)[a-z]{1,2}$/, { error: 'expected a guest target like vda or sdb' }).optional(),
};

const disk = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('lv'), vg: name.optional(), pool: name.optional(), name, size, thin: name.optional().describe('thin pool of the VG'), ...tuning }),
  z.strictObject({
    type: z.literal('image'), pool: name.describe('a dir pool of this plan'), name, size,
    format: z.enum(['raw', 'qcow2']).default('raw'),
    preallocation: z.enum(['off', 'metadata', 'falloc', 'full']).optional().describe('default: falloc for raw, metadata for qcow2 (the guide preallocates)'),
    ...tuning,
  }),
  z.strictObject({ type: z.literal('disk'), device, ...tuning }),
  z.strictObject({ type: z.literal('partition'), device, ...tuning }),
  z.strictObject({ type: z.literal('pci'), address: pciAddress }),
], { error: 'expected type lv, image, disk, partition or pci' });

const vm = z.strictObject({
  name,
  memory: size.default('2G'),
  vcpus: z.int().min(1).max(512).default(2),
  firmware: z.enum(['bios', 'uefi']).optional().describe('default: uefi (OVMF) when the VM gets a PCI device, as the guide uses for assignment; else bios'),
  disks: z.array(disk).min(1),
  guest: z.strictObject({
    filesystem: z.enum(['xfs', 'ext4', 'btrfs']).optional(),
    scheduler: scheduler.optional(),
  }).optional().describe('what kvmio audit inside the guest should find'),
});

export const planSchema = z.strictObject({
  kvmio: z.literal(PLAN_FORMAT, { error: `expected ${PLAN_FORMAT}` }),
  host: hostSchema.default({ role: 'kvm-host', schedulers: { policy: 'recommended', persist: 'udev' }, aioMaxNr: 'from-vms', kernel: { iommu: false } }),
  volumeGroups: z.array(volumeGroup).default([]),
  pools: z.array(pool).default([]),
  vms: z.array(vm).default([]),
});

export type Plan = z.output<typeof planSchema>;
export type PlanVm = Plan['vms'][number];
export type PlanDisk = PlanVm['disks'][number];
export type PlanPool = Plan['pools'][number];
export type PlanVg = Plan['volumeGroups'][number];

/** The published JSON Schema (what a YAML editor uses to check and complete a plan). */
export function planJsonSchema(): unknown {
  const s = z.toJSONSchema(planSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { $id: 'https://kvmio.dev/schemas/plan.schema.json', title: 'kvmio host plan', ...s };
}
