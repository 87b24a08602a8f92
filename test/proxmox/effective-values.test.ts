// Every effective value against Proxmox's rules (pve-qemu-server Drive.pm:
// drive_uses_cache_direct, storage_allows_io_uring_default, aio_cmdline_option,
// detect_zeroes_cmdline_option; the scsihw/iothread rule of the controller loop), one
// row per storage type and setting, through the whole adapter (config → model).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStorageCfg } from '../../src/proxmox/parse-storage-cfg.js';
import { readProxmoxVm } from '../../src/proxmox/read-proxmox-vm.js';
import type { Version } from '../../src/model/version.js';

const STORAGE = parseStorageCfg(`dir: local
	path /var/lib/vz
nfs: nfs1
	path /mnt/pve/nfs1
	server 10.0.0.2
	export /srv/vm
cifs: smb1
	server 10.0.0.3
	share vm
lvm: thick
	vgname vg0
lvmthin: thin
	vgname pve
	thinpool data
zfspool: zfs
	pool rpool/data
rbd: ceph
	pool vm
rbd: kceph
	pool vm
	krbd 1
btrfs: bt
	path /mnt/bt
btrfs: btnocow
	path /mnt/btn
	nocow 1
`);

const vol = (storage: string): string => (['local', 'nfs1', 'smb1', 'bt', 'btnocow'].includes(storage) ? `${storage}:900/vm-900-disk-0.raw` : `${storage}:vm-900-disk-0`);

interface Row {
  readonly storage: string;
  readonly opts?: string;
  readonly pve?: Version;
  readonly cache: string;
  readonly cacheOrigin: 'explicit' | 'default';
  readonly aio: string;
  readonly aioOrigin: 'explicit' | 'default';
  /** A word the note must hold (whose default). */
  readonly note?: RegExp;
}

const ROWS: Row[] = [
  { storage: 'local', cache: 'none', cacheOrigin: 'default', aio: 'io_uring', aioOrigin: 'default', note: /^Proxmox default/ },
  { storage: 'local', opts: 'cache=writeback', cache: 'writeback', cacheOrigin: 'explicit', aio: 'io_uring', aioOrigin: 'default' },
  { storage: 'nfs1', cache: 'none', cacheOrigin: 'default', aio: 'io_uring', aioOrigin: 'default' },
  { storage: 'thin', cache: 'none', cacheOrigin: 'default', aio: 'io_uring', aioOrigin: 'default' },
  { storage: 'zfs', cache: 'none', cacheOrigin: 'default', aio: 'io_uring', aioOrigin: 'default' },
  // `lvm` (thick) never defaults to io_uring; lvmthin does
  { storage: 'thick', cache: 'none', cacheOrigin: 'default', aio: 'native', aioOrigin: 'default', note: /lvm/ },
  { storage: 'thick', opts: 'cache=writeback', cache: 'writeback', cacheOrigin: 'explicit', aio: 'threads', aioOrigin: 'default', note: /lvm/ },
  { storage: 'thick', opts: 'cache=directsync', cache: 'directsync', cacheOrigin: 'explicit', aio: 'native', aioOrigin: 'default' },
  { storage: 'thick', opts: 'aio=io_uring', cache: 'none', cacheOrigin: 'default', aio: 'io_uring', aioOrigin: 'explicit' },
  { storage: 'smb1', cache: 'none', cacheOrigin: 'default', aio: 'native', aioOrigin: 'default', note: /cifs/ },
  { storage: 'smb1', opts: 'cache=writethrough', cache: 'writethrough', cacheOrigin: 'explicit', aio: 'threads', aioOrigin: 'default', note: /cifs/ },
  // krbd: io_uring only with a direct cache
  { storage: 'kceph', cache: 'none', cacheOrigin: 'default', aio: 'io_uring', aioOrigin: 'default' },
  { storage: 'kceph', opts: 'cache=writeback', cache: 'writeback', cacheOrigin: 'explicit', aio: 'threads', aioOrigin: 'default', note: /krbd/ },
  // librbd: QEMU's rbd driver, no aio key at all
  { storage: 'ceph', opts: 'cache=writeback', cache: 'writeback', cacheOrigin: 'explicit', aio: 'threads', aioOrigin: 'default', note: /librbd/ },
  // btrfs without nocow: no direct cache unless asked
  { storage: 'bt', cache: 'writeback', cacheOrigin: 'default', aio: 'io_uring', aioOrigin: 'default', note: /btrfs|io_uring/ },
  { storage: 'btnocow', cache: 'none', cacheOrigin: 'default', aio: 'io_uring', aioOrigin: 'default' },
  // a CD-ROM is never direct
  { storage: 'local', opts: 'media=cdrom', cache: 'writeback', cacheOrigin: 'default', aio: 'io_uring', aioOrigin: 'default' },
  // before PVE 7.0 there was no io_uring default
  { storage: 'local', pve: { major: 6, minor: 4, patch: 0 }, cache: 'none', cacheOrigin: 'default', aio: 'native', aioOrigin: 'default', note: /before 7\.0/ },
  { storage: 'local', opts: 'cache=writeback', pve: { major: 6, minor: 4, patch: 0 }, cache: 'writeback', cacheOrigin: 'explicit', aio: 'threads', aioOrigin: 'default' },
  { storage: 'local', pve: { major: 7, minor: 0, patch: 0 }, cache: 'none', cacheOrigin: 'default', aio: 'io_uring', aioOrigin: 'default' },
];

test('cache and aio: Proxmox defaults per storage type (table)', () => {
  for (const r of ROWS) {
    const line = `scsi0: ${vol(r.storage)}${r.opts ? `,${r.opts}` : ''},size=8G`;
    const pvm = readProxmoxVm({ vmid: 900, file: '900.conf', text: `scsihw: virtio-scsi-single\n${line}\n`, storage: STORAGE, ...(r.pve ? { pve: r.pve } : {}) });
    assert.deepEqual(pvm.problems, [], line);
    const d = pvm.vm.disks[0];
    assert.ok(d, line);
    assert.equal(d.cache.value, r.cache, `${line}: cache`);
    assert.equal(d.cache.origin, r.cacheOrigin, `${line}: cache origin`);
    assert.equal(d.aio.value, r.aio, `${line}: aio`);
    assert.equal(d.aio.origin, r.aioOrigin, `${line}: aio origin`);
    if (r.aioOrigin === 'default' || r.cacheOrigin === 'default') assert.ok((d.aio.note ?? '') + (d.cache.note ?? '') !== '', `${line}: a default names whose`);
    if (r.note) assert.match(`${d.aio.note ?? ''} ${d.cache.note ?? ''}`, r.note, `${line}: note`);
  }
});

test('detect_zeroes and discard: derived from discard unless detect_zeroes=0', () => {
  const rows: [string, string, string][] = [
    ['', 'on', 'ignore'],
    ['discard=on', 'unmap', 'unmap'],
    ['discard=ignore', 'on', 'ignore'],
    ['detect_zeroes=0', 'off', 'ignore'],
    ['detect_zeroes=0,discard=on', 'off', 'unmap'],
    ['detect_zeroes=1', 'on', 'ignore'],
  ];
  for (const [opts, dz, discard] of rows) {
    const pvm = readProxmoxVm({ vmid: 900, file: '900.conf', text: `virtio0: thin:vm-900-disk-0${opts ? `,${opts}` : ''}\n`, storage: STORAGE });
    assert.equal(pvm.vm.disks[0]?.detectZeroes, dz, opts);
    assert.equal(pvm.vm.disks[0]?.discard, discard, opts);
  }
});

test('iothread and queues: virtio-blk always, SCSI only on virtio-scsi-single; queues on virtio-scsi only; default scsihw lsi', () => {
  const rows: { scsihw?: string; line: string; iothreads: number; ignored: boolean; bus: string; queues?: number }[] = [
    { line: 'virtio0: thin:vm-900-disk-0,iothread=1', iothreads: 1, ignored: false, bus: 'virtio-blk' },
    { scsihw: 'virtio-scsi-single', line: 'scsi0: thin:vm-900-disk-0,iothread=1,queues=4', iothreads: 1, ignored: false, bus: 'virtio-scsi', queues: 4 },
    { scsihw: 'virtio-scsi-pci', line: 'scsi0: thin:vm-900-disk-0,iothread=1,queues=4', iothreads: 0, ignored: true, bus: 'virtio-scsi', queues: 4 },
    { line: 'scsi0: thin:vm-900-disk-0,iothread=1,queues=4', iothreads: 0, ignored: true, bus: 'scsi-emulated' },
    { scsihw: 'megasas', line: 'scsi0: thin:vm-900-disk-0', iothreads: 0, ignored: false, bus: 'scsi-emulated' },
    { line: 'sata0: thin:vm-900-disk-0', iothreads: 0, ignored: false, bus: 'sata' },
    { line: 'ide0: thin:vm-900-disk-0', iothreads: 0, ignored: false, bus: 'ide' },
  ];
  for (const r of rows) {
    const pvm = readProxmoxVm({ vmid: 900, file: '900.conf', text: `${r.scsihw ? `scsihw: ${r.scsihw}\n` : ''}${r.line}\n`, storage: STORAGE });
    assert.equal(pvm.vm.iothreads.length, r.iothreads, r.line);
    assert.equal(pvm.vm.notes.some((n) => /iothread=1 is ignored/.test(n)), r.ignored, r.line);
    assert.equal(pvm.vm.disks[0]?.bus, r.bus, r.line);
    assert.equal(pvm.vm.disks[0]?.queues, r.queues, r.line);
    if (!r.scsihw && r.line.startsWith('scsi')) assert.deepEqual(pvm.scsihw, { value: 'lsi', explicit: false });
  }
});
