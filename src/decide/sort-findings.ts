// A deterministic order: the host first, then objects in natural name order (sda < sdb <
// sdaa, nvme2n1 < nvme10n1), then check id, then observed value.
import type { Finding } from './finding.js';

const collator = new Intl.Collator('en', { numeric: true });

export const compareObjects = (a: string, b: string): number =>
  a === b ? 0 : a === 'host' ? -1 : b === 'host' ? 1 : a.length !== b.length && a.startsWith('sd') && b.startsWith('sd') && /^sd[a-z]+$/.test(a) && /^sd[a-z]+$/.test(b) ? a.length - b.length : collator.compare(a, b);

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => compareObjects(a.object, b.object) || collator.compare(a.id, b.id) || collator.compare(a.observed ?? '', b.observed ?? ''),
  );
}
