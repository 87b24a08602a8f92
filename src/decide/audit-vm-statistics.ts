// <driver><statistics>: the per-disk statistics and latency histograms QEMU collects.
// Noted, never judged: they cost a little CPU per request and show in `virsh domstats
// --block`. Pure, over the neutral model.
//
// libvirt formatdomain <driver><statistics><statistic interval='N'/> (since 11.9.0, QEMU
// 10.2; virtio, ide and scsi disks) and <latency-histogram type='read'><bin start='…'/>
// (libvirt devel list, "Introduce support for disk operation latency histogram
// collection", after 11.9); an older libvirt drops the element on define.
import type { Finding } from '../model/finding.js';
import type { Platform } from '../model/disk-types.js';
import type { VmDisk } from '../model/vm.js';
import { atLeast, formatVersion, version } from './version.js';

const REF = 'libvirt formatdomain <driver><statistics> (since 11.9.0, QEMU 10.2); QEMU block-latency-histogram-set';

export function auditStatistics(disk: VmDisk, platform: Platform, base: Pick<Finding, 'subject' | 'object'>): Finding[] {
  const s = disk.statistics;
  if (s === undefined) return [];
  const parts = [
    s.intervals.length > 0 ? `statistics over ${s.intervals.join(', ')} s windows` : undefined,
    ...s.histograms.map((h) => `${h.type} latency histogram (bins from ${h.bins.join(', ') || 'QEMU defaults'} ns)`),
  ].filter(Boolean);
  const old = platform.libvirt !== undefined && !atLeast(platform.libvirt, version(11, 9));
  return [{
    ...base,
    id: 'vm.statistics',
    status: 'skip',
    observed: parts.join('; ') || 'empty <statistics>',
    why: old ? `noted: libvirt ${formatVersion(platform.libvirt)} predates <statistics> (11.9) and drops it on define` : 'noted: QEMU keeps these for the disk (virsh domstats --block shows them); they cost a little CPU per request',
    ref: REF,
  }];
}
