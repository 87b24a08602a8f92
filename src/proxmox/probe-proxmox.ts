// Reads a Proxmox VE host's VMs through the Source port (so `kvmio collect` records
// them and `--from DIR` replays them): /etc/pve/qemu-server/*.conf (this node), on a
// cluster /etc/pve/nodes/*/qemu-server/*.conf (every node, pmxcfs shows them all),
// /etc/pve/storage.cfg and `pveversion`. A host without /etc/pve/qemu-server is not a
// Proxmox host: nothing is read and nothing reported. Reads only; never throws.
import type { Version } from '../model/version.js';
import { usageError } from '../errors.js';
import { missing, ok, type Read, type Source } from '../facts/source.js';
import { parseStorageCfg, type StorageCfg } from './parse-storage-cfg.js';
import { readProxmoxVm, type ProxmoxVm } from './read-proxmox-vm.js';

export const PVE_QEMU_DIR = '/etc/pve/qemu-server';
export const PVE_NODES_DIR = '/etc/pve/nodes';
export const PVE_STORAGE_CFG = '/etc/pve/storage.cfg';
export const PVEVERSION = { name: 'pveversion', argv: ['pveversion'], timeoutMs: 20_000 } as const;

export interface PveVersion {
  /** pve-manager's version ("8.2.4"). */
  readonly manager: Version;
  /** "6.8.12-1-pve": Proxmox ships its own kernel (Ubuntu-based, "-pve"). */
  readonly kernel?: string;
}

export interface ProxmoxFacts {
  /** /etc/pve/qemu-server exists: a Proxmox VE host (or a dump of one). */
  readonly present: boolean;
  readonly vms: readonly ProxmoxVm[];
  readonly storage: Read<StorageCfg>;
  readonly version: Read<PveVersion>;
  /** Config files that could not be read, with the reason. */
  readonly unreadable: readonly { readonly file: string; readonly reason: string }[];
}

/** "pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.12-1-pve)". */
export function parsePveversion(text: string): Read<PveVersion> {
  const m = /pve-manager\/(\d+)\.(\d+)(?:[.-](\d+))?/.exec(text);
  if (!m) return missing(`pveversion: no "pve-manager/X.Y" in ${JSON.stringify(text.trim().slice(0, 80))}`);
  const kernel = /running kernel:\s*([^\s)]+)/.exec(text)?.[1];
  return ok({ manager: { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) }, ...(kernel ? { kernel } : {}) });
}

const VMID_FILE = /^(\d+)\.conf$/;

/** The VMID a config file name carries ("101.conf" → 101), as pmxcfs requires. */
export function vmidOfFile(path: string): number | undefined {
  const m = VMID_FILE.exec(path.split('/').pop() ?? '');
  return m ? Number(m[1]) : undefined;
}

async function running(src: Source, vmid: number): Promise<boolean> {
  // qemu-server writes /var/run/qemu-server/VMID.pid while the VM runs (Helpers.pm vm_running_locally).
  const pid = await src.readText(`/var/run/qemu-server/${vmid}.pid`);
  if (!pid.ok || !/^\d+\s*$/.test(pid.value)) return false;
  const cmd = await src.readText(`/proc/${pid.value.trim()}/cmdline`);
  return cmd.ok && cmd.value.includes(`${vmid}`);
}

export async function probeProxmox(src: Source): Promise<ProxmoxFacts> {
  // /etc/pve/qemu-server links to nodes/NODE/qemu-server: read through the link's target,
  // so a recorded dump holds the link and the directory side by side.
  const link = await src.readLink(PVE_QEMU_DIR);
  const localNode = link.ok ? /nodes\/([^/]+)\/qemu-server\/?$/.exec(link.value)?.[1] : undefined;
  const localDir = localNode ? `${PVE_NODES_DIR}/${localNode}/qemu-server` : PVE_QEMU_DIR;
  const local = await src.listDir(localDir);
  if (!local.ok) return { present: false, vms: [], storage: missing('not a Proxmox host'), version: missing('not a Proxmox host'), unreadable: [] };
  const storageText = await src.readText(PVE_STORAGE_CFG);
  const storage = storageText.ok ? ok(parseStorageCfg(storageText.value)) : missing(`${PVE_STORAGE_CFG}: ${storageText.reason}`);
  const ver = await src.run(PVEVERSION);
  const version = !ver.ok ? ver : ver.value.code !== 0 ? missing(`pveversion exit ${ver.value.code}: ${ver.value.stderr.trim()}`) : parsePveversion(ver.value.stdout);

  // Every node's directory (a cluster), this node's first.
  const dirs: { dir: string; node?: string }[] = [{ dir: localDir, ...(localNode ? { node: localNode } : {}) }];
  const nodes = await src.listDir(PVE_NODES_DIR);
  if (nodes.ok) for (const n of nodes.value) if (n !== localNode) dirs.push({ dir: `${PVE_NODES_DIR}/${n}/qemu-server`, node: n });

  const vms: ProxmoxVm[] = [];
  const unreadable: { file: string; reason: string }[] = [];
  const seen = new Set<number>();
  for (const { dir, node } of dirs) {
    const names = dir === localDir ? local : await src.listDir(dir);
    if (!names.ok) continue;
    for (const name of names.value) {
      const vmid = vmidOfFile(name);
      if (vmid === undefined || seen.has(vmid)) continue;
      seen.add(vmid);
      const file = `${dir}/${name}`;
      const text = await src.readText(file);
      if (!text.ok) {
        unreadable.push({ file, reason: text.reason });
        continue;
      }
      const isLocal = dir === localDir;
      vms.push(
        readProxmoxVm({
          vmid,
          file,
          text: text.value,
          storage: storage.ok ? storage.value : undefined,
          ...(node ? { node } : {}),
          ...(version.ok ? { pve: version.value.manager } : {}),
          // Only this node's VMs can be seen running here.
          running: isLocal ? await running(src, vmid) : false,
        }),
      );
    }
  }
  return { present: true, vms, storage, version, unreadable };
}

/**
 * `--proxmox-conf FILE…`: config files audited as they are (never running), resolved
 * against STORAGE_FILE (default this host's /etc/pve/storage.cfg; without one, volumes
 * stay unresolved and their checks SKIP). A file that cannot be read, or whose name
 * carries no VMID, is a usage error: the user named it.
 */
export async function probeProxmoxFiles(src: Source, files: readonly string[], storageFile?: string): Promise<ProxmoxFacts> {
  const sfile = storageFile ?? PVE_STORAGE_CFG;
  const st = await src.readText(sfile);
  if (!st.ok && storageFile !== undefined) throw usageError(`--proxmox-storage ${storageFile}: cannot read it (${st.reason}); expected a Proxmox storage.cfg`);
  const storage = st.ok ? ok(parseStorageCfg(st.value)) : missing(`${sfile}: ${st.reason}`);
  const vms: ProxmoxVm[] = [];
  for (const file of files) {
    const vmid = vmidOfFile(file);
    if (vmid === undefined) throw usageError(`--proxmox-conf ${file}: the file name carries no VMID; expected VMID.conf (e.g. 101.conf), as in /etc/pve/qemu-server`);
    const text = await src.readText(file);
    if (!text.ok) throw usageError(`--proxmox-conf ${file}: cannot read it (${text.reason}); expected a Proxmox VM config`);
    vms.push(readProxmoxVm({ vmid, file, text: text.value, storage: storage.ok ? storage.value : undefined }));
  }
  return { present: true, vms, storage, version: missing('config files: no pveversion'), unreadable: [] };
}
