// libvirt storage pool XML for `pool create` and plans (formatstorage: "logical" pools
// name their VG in <source><name> and live at /dev/VG; "dir" pools are a directory).
// Pure; virt-xml-validate checks it against libvirt's storagepool schema in the tests.
import { el, renderXml, textEl } from './xml-text.js';

export type PoolSpec =
  | { readonly type: 'logical'; readonly name: string; readonly vg: string; readonly devices?: readonly string[] }
  | { readonly type: 'dir'; readonly name: string; readonly path: string };

export function renderPoolXml(p: PoolSpec): string {
  const x = p.type === 'logical'
    ? el('pool', [['type', 'logical']], [
      textEl('name', p.name),
      el('source', [], [...(p.devices ?? []).map((d) => el('device', [['path', d]])), textEl('name', p.vg), el('format', [['type', 'lvm2']])]),
      el('target', [], [textEl('path', `/dev/${p.vg}`)]),
    ])
    : el('pool', [['type', 'dir']], [textEl('name', p.name), el('target', [], [textEl('path', p.path)])]);
  return `${renderXml(x)}\n`;
}
