// The catalogue of VM-disk check ids, for `--help`, `--only` validation and the README.
import type { CheckInfo } from './host-checks.js';

export const VM_CHECKS: readonly CheckInfo[] = [
  { id: 'vm.bus-emulated', what: 'VM disk on an emulated bus (ide/sata/usb/lsi scsi) where virtio fits' },
  { id: 'vm.cache', what: 'VM disk cache as the decision table says (none with O_DIRECT; never unsafe)' },
  { id: 'vm.aio', what: 'VM disk io mode as the decision table says' },
  { id: 'vm.aio-native-sparse', what: 'io=native on a sparse image file (FAIL: blocks the VM)' },
  { id: 'vm.aio-native-no-direct', what: 'io=native without cache=none/directsync (FAIL: QEMU refuses)' },
  { id: 'vm.iothread', what: 'virtio disk served by an iothread' },
  { id: 'vm.iothread-mapping', what: 'iothread–virtqueue mapping: virtio-blk only, never with iothread=, each queue mapped once' },
  { id: 'vm.iothread-ids', what: 'every iothread a disk or controller names is defined (<iothreads>/<iothreadids>)' },
  { id: 'vm.error-policy', what: "error_policy='ignore' (FAIL: loses writes), rerror_policy='ignore' (WARN)" },
  { id: 'vm.copy-on-read', what: 'copy_on_read=on (noted)' },
  { id: 'vm.qcow2-cluster', what: 'qcow2 cluster size vs the 32 MiB L2 cache coverage' },
  { id: 'vm.image-format', what: "image format from its own header vs the declared one (FAIL: raw declared over a qcow2 header, or the reverse)" },
  { id: 'vm.image-chain', what: 'backing chain: missing/unreadable layer or loop (FAIL), layer outside the image stores or format not recorded (WARN)' },
  { id: 'vm.image-chain-cluster', what: "each qcow2 backing layer's cluster size vs its own 32 MiB L2 cache" },
  { id: 'vm.discard', what: 'discard=unmap on thin/sparse stores, not on preallocated native files' },
  { id: 'vm.shared-image', what: 'one source used by two disks or two domains without shareable/readonly' },
  { id: 'vm.source-missing', what: 'disk source exists (SKIP with the reason when not)' },
  { id: 'vm.device', what: 'CD-ROM/floppy: not audited (noted)' },
  { id: 'vm.disks', what: 'domain without disks (noted)' },
  { id: 'vm.definition', what: 'parts of a VM definition its manager ignores (unknown keys, broken drive strings)' },
  { id: 'vm.notes', what: 'what the adapter noticed about a VM (a pending change, snapshots, an ignored iothread)' },
  { id: 'vm.proxmox', what: 'Proxmox VE VM configs readable (on a Proxmox host)' },
  { id: 'vm.libvirt', what: 'libvirt domains readable (SKIP with the reason)' },
  { id: 'aio.vm-headroom', what: 'fs.aio-max-nr vs what running and defined native-AIO VMs charge' },
];
