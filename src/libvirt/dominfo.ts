// `virsh dominfo NAME`: whether the domain runs and whether it is persistent (a transient
// domain has no saved definition to tune). Pure parser of virsh's "Key: value" lines.

export interface DomainInfo {
  /** State running or paused: a redefinition takes effect at the next boot. */
  readonly running: boolean;
  readonly persistent: boolean;
}

export function parseDominfo(text: string): DomainInfo {
  const field = (k: string): string | undefined => new RegExp(`^${k}:\\s+(.*)$`, 'm').exec(text)?.[1]?.trim();
  const state = field('State') ?? '';
  return { running: state === 'running' || state === 'paused', persistent: field('Persistent') !== 'no' };
}
