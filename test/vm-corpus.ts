// The domain corpus (test/fixtures/domains-corpus/NAME.xml): hand-written domains in the
// shape libvirt 10/11 writes them (libvirt formatdomain: every bus, cache, io, source type
// and controller), one host description for all of them (host.facts.json, read back by the
// real probe), and per file what its audit must and must not produce.
import { readFileSync } from 'node:fs';
import type { Status } from '../src/model/finding.js';
import { fixture } from './helpers.js';
import { vmFromXml, type RawHost } from './vm-fixtures.js';
import type { Vm } from '../src/model/vm.js';

export interface CorpusCase {
  readonly file: string;
  /** "id" → the statuses that must appear for it (each at least once, in any object). */
  readonly must: Readonly<Record<string, readonly Status[]>>;
  /** "id" (any status) or "id:status" that must not appear. */
  readonly mustNot: readonly string[];
  /**
   * Why the tuned XML is not defined on this machine's libvirt (9.0), when it cannot be:
   * an element newer than 9.0's schema, or an input libvirt refuses that vm tune does not
   * own. Undefined: virt-xml-validate and virsh define --validate must accept it.
   */
  readonly noDefine?: string;
}

const NEWER_SCHEMA = (what: string, since: string): string => `${what} is libvirt ${since} vocabulary: libvirt 9.0's schema (this machine) rejects it`;

export const CORPUS: readonly CorpusCase[] = [
  { file: 'virtio-blk-qcow2-sparse-native', must: { 'vm.aio-native-sparse': ['fail'], 'vm.iothread': ['warn'], 'vm.discard-no-unref': ['skip'] }, mustNot: ['vm.queues', 'vm.source-missing:skip'] },
  { file: 'virtio-blk-raw-preallocated-native', must: { 'vm.aio-native-sparse': ['pass'], 'vm.cache': ['pass'], 'vm.aio': ['pass'], 'vm.iothread': ['pass'] }, mustNot: [':fail', ':warn'] },
  { file: 'virtio-blk-raw-sparse-io-uring', must: { 'vm.aio': ['pass'], 'vm.discard': ['pass'] }, mustNot: [':fail', ':warn', 'vm.discard-no-unref'] },
  { file: 'virtio-blk-writeback-threads', must: { 'vm.cache': ['warn'], 'vm.aio': ['warn'], 'vm.iothread': ['warn'] }, mustNot: [':fail'] },
  { file: 'virtio-blk-unsafe', must: { 'vm.cache': ['fail'] }, mustNot: ['vm.aio-native-no-direct'] },
  { file: 'virtio-blk-writethrough-and-directsync', must: { 'vm.cache': ['warn', 'pass'], 'vm.aio-native-no-direct': ['pass'] }, mustNot: [':fail'] },
  { file: 'virtio-blk-queues-over-vcpus', must: { 'vm.queues': ['warn'] }, mustNot: [':fail', 'vm.queue-size'] },
  { file: 'virtio-blk-queues-hotplug-vcpus', must: { 'vm.queues': ['pass'], 'vm.queue-size': ['pass'] }, mustNot: [':fail', ':warn'] },
  { file: 'virtio-blk-queue-size-invalid', must: { 'vm.queue-size': ['fail'] }, mustNot: ['vm.queues'] },
  { file: 'virtio-blk-queue-size-small', must: { 'vm.queue-size': ['warn'], 'vm.queues': ['pass'] }, mustNot: [':fail'] },
  { file: 'old-machine-single-queue', must: { 'vm.queues': ['skip'] }, mustNot: [':fail', ':warn'] },
  { file: 'iothread-vq-mapping', must: { 'vm.iothread-mapping': ['pass'], 'vm.iothread': ['pass'], 'vm.queues': ['pass'], 'vm.iothread-ids': ['pass'] }, mustNot: [':fail', ':warn'], noDefine: NEWER_SCHEMA('<driver><iothreads> (iothread–virtqueue mapping)', '10.0') },
  { file: 'virtio-scsi-controller-iothread', must: { 'vm.scsi-controller': ['pass'], 'vm.iothread': ['pass'], 'vm.bus-emulated': ['pass'] }, mustNot: [':fail', ':warn', 'vm.blockio'] },
  { file: 'virtio-scsi-queues-over-no-iothread', must: { 'vm.scsi-controller': ['warn'], 'vm.iothread': ['warn'] }, mustNot: [':fail', 'vm.queues'] },
  { file: 'lsilogic-controller-with-iothread', must: { 'vm.scsi-controller': ['fail'], 'vm.bus-emulated': ['warn'] }, mustNot: ['vm.iothread:pass'], noDefine: 'libvirt refuses iothread on an lsilogic controller, and vm tune never changes a controller model (it moves every disk on it)' },
  { file: 'sata-disk', must: { 'vm.bus-emulated': ['warn'] }, mustNot: [':fail', 'vm.iothread', 'vm.queues'] },
  { file: 'ide-disk-i440fx', must: { 'vm.bus-emulated': ['warn'], 'vm.cache': ['warn'] }, mustNot: [':fail', 'vm.iothread'] },
  { file: 'usb-disk', must: { 'vm.bus-emulated': ['warn'] }, mustNot: [':fail', 'vm.iothread'] },
  { file: 'cdrom-sata-with-queues', must: { 'vm.queues': ['fail'], 'vm.device': ['skip'] }, mustNot: ['vm.cache:fail'] },
  { file: 'floppy-and-cdrom-i440fx', must: { 'vm.device': ['skip', 'skip'] }, mustNot: [':fail', ':warn', 'vm.source-missing:skip'] },
  { file: 'block-lv-native', must: { 'vm.aio': ['pass'], 'vm.cache': ['pass'] }, mustNot: [':fail', ':warn', 'vm.aio-native-sparse'] },
  { file: 'block-thin-lv-no-discard', must: { 'vm.discard': ['warn'] }, mustNot: [':fail'] },
  { file: 'block-partition', must: { 'vm.aio': ['pass'] }, mustNot: [':fail', ':warn'] },
  { file: 'lun-passthrough-virtio-scsi', must: { 'vm.iothread': ['pass'], 'vm.bus-emulated': ['pass'] }, mustNot: [':fail', ':warn'] },
  { file: 'volume-pool', must: { 'vm.source-missing': ['skip'], 'vm.cache': ['skip'] }, mustNot: [':fail', ':warn'] },
  { file: 'network-rbd', must: { 'vm.remote-disk': ['skip'], 'vm.cache': ['pass'], 'vm.iothread': ['pass'] }, mustNot: ['vm.source-missing', ':fail', ':warn', 'vm.discard', 'vm.aio'] },
  { file: 'network-rbd-unsafe', must: { 'vm.cache': ['fail'], 'vm.remote-disk': ['skip'] }, mustNot: ['vm.source-missing'] },
  { file: 'network-iscsi', must: { 'vm.cache': ['warn'], 'vm.remote-disk': ['skip'] }, mustNot: ['vm.source-missing', ':fail'] },
  { file: 'network-nbd-unix', must: { 'vm.cache': ['pass'], 'vm.iothread': ['pass'] }, mustNot: ['vm.source-missing', ':fail', ':warn'] },
  { file: 'network-gluster', must: { 'vm.cache': ['warn'], 'vm.iothread': ['warn'] }, mustNot: ['vm.source-missing', ':fail', 'vm.qcow2-cluster', 'vm.discard-no-unref'] },
  { file: 'vhostuser', must: { 'vm.vhostuser': ['pass'], 'vm.queues': ['pass'], 'vm.iothread': ['skip', 'pass'] }, mustNot: ['vm.source-missing:skip', ':fail', ':warn'] },
  { file: 'vhostuser-with-cache', must: { 'vm.vhostuser': ['fail'] }, mustNot: ['vm.source-missing', 'vm.iothread:warn', 'vm.aio-native-no-direct:fail'], noDefine: "libvirt refuses cache and io on a vhostuser disk, and vm tune leaves vhost-user disks' driver to their backend" },
  { file: 'nvme-userspace', must: { 'vm.iothread': ['pass'] }, mustNot: [':fail', ':warn'] },
  { file: 'qcow2-metadata-cache', must: { 'vm.qcow2-cluster': ['pass', 'warn'], 'vm.discard-no-unref': ['pass'] }, mustNot: [':fail'], noDefine: NEWER_SCHEMA("discard_no_unref='on'", '9.5') },
  { file: 'qcow2-on-lv-discard', must: { 'vm.discard-no-unref': ['warn', 'skip'] }, mustNot: [':fail'] },
  { file: 'blockio-4kn-host', must: { 'vm.blockio': ['warn', 'pass'] }, mustNot: [':fail'] },
  { file: 'blockio-sizes', must: { 'vm.blockio': ['skip', 'fail'] }, mustNot: [] },
  { file: 'statistics-latency-histogram', must: { 'vm.statistics': ['skip'] }, mustNot: [':fail', ':warn'], noDefine: NEWER_SCHEMA('<driver><statistics>', '11.9') },
  { file: 'error-policies', must: { 'vm.error-policy': ['fail', 'warn'] }, mustNot: [] },
  { file: 'backing-chain-copy-on-read', must: { 'vm.copy-on-read': ['skip'] }, mustNot: [':fail', ':warn'] },
  { file: 'shareable-raw-two-disks', must: { 'vm.shared-image': ['pass', 'pass'] }, mustNot: [':fail', ':warn'] },
  { file: 'iothreadids-thread-pool', must: { 'vm.iothread-ids': ['pass'], 'vm.iothread': ['pass', 'warn'] }, mustNot: [':fail'] },
  { file: 'virtio-transitional-model-iotune', must: { 'vm.iothread': ['pass'], 'vm.bus-emulated': ['pass'] }, mustNot: [':fail', ':warn'] },
  { file: 'missing-image', must: { 'vm.source-missing': ['skip'] }, mustNot: [':fail', 'vm.cache:warn'] },
  { file: 'no-disks', must: { 'vm.disks': ['skip'] }, mustNot: [':fail', ':warn'] },
  { file: 'alias-machine-many-vcpus', must: { 'vm.queues': ['pass'] }, mustNot: [':fail', ':warn'] },
];

export const corpusXml = (name: string): string => readFileSync(fixture('domains-corpus', `${name}.xml`), 'utf8');
export const corpusHost = (): RawHost => JSON.parse(readFileSync(fixture('domains-corpus', 'host.facts.json'), 'utf8')) as RawHost;
/** A corpus file as the --domain-xml file it is. */
export const corpusVm = (name: string): Vm => vmFromXml(corpusXml(name), { kind: 'libvirt-xml', file: `${name}.xml` });
