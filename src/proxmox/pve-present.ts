// Is this a Proxmox VE host (or a dump of one)? Its VM config directory says so. Kept
// free of other imports: `kvmio audit` asks on every run, before loading anything else.
import type { Source } from '../facts/source.js';

/** /etc/pve/qemu-server is a link to nodes/NODE/qemu-server: list the target, so a recording holds the link and the directory side by side. */
export async function proxmoxPresent(src: Source): Promise<boolean> {
  const link = await src.readLink('/etc/pve/qemu-server');
  const node = link.ok ? /nodes\/([^/]+)\/qemu-server\/?$/.exec(link.value)?.[1] : undefined;
  return (await src.listDir(node ? `/etc/pve/nodes/${node}/qemu-server` : '/etc/pve/qemu-server')).ok;
}
