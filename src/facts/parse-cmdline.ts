// /proc/cmdline: the kernel's parameters. Words after a bare "--" go to init, not the
// kernel (Documentation/admin-guide/kernel-parameters.rst); double quotes group words.
import type { Cmdline } from './host-facts.js';
import { missing, ok, type Read } from './source.js';

export function splitCmdline(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quoted = false;
  let has = false;
  for (const ch of text) {
    if (ch === '"') {
      quoted = !quoted;
      has = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (has) words.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) words.push(cur);
  return words;
}

export function parseCmdline(text: string): Read<Cmdline> {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0e-\x1f]/.test(text)) return missing('/proc/cmdline: contains control characters');
  const raw = text.trim();
  const params: Record<string, string> = {};
  for (const w of splitCmdline(raw)) {
    if (w === '--') break;
    const eq = w.indexOf('=');
    // the last occurrence wins, as the kernel's parser applies them in order
    if (eq > 0) params[w.slice(0, eq)] = w.slice(eq + 1);
    else params[w] = '';
  }
  return ok({
    raw,
    ...(params['elevator'] !== undefined ? { elevator: params['elevator'] } : {}),
    ...(params['intel_iommu'] !== undefined ? { intelIommu: params['intel_iommu'] } : {}),
    ...(params['amd_iommu'] !== undefined ? { amdIommu: params['amd_iommu'] } : {}),
    ...(params['iommu'] !== undefined ? { iommu: params['iommu'] } : {}),
  });
}
