// What checking and showing a plan needs to know about the host: the host and
// pass-through facts every other command uses, LVM space, and the saved XML of the
// domains the plan names (for a diff). Gathered by facts/probe-plan-facts.ts.
import type { HostFacts } from '../facts/host-facts.js';
import type { PassthroughFacts } from '../facts/passthrough-facts.js';
import type { LvInfo, VgInfo } from '../facts/parse-lvm.js';
import type { Read } from '../facts/source.js';

export interface PlanFacts {
  readonly host: HostFacts;
  readonly pt: PassthroughFacts;
  readonly vgs: Read<readonly VgInfo[]>;
  readonly lvs: Read<readonly LvInfo[]>;
  /** Saved (inactive) XML of existing domains, by name. */
  readonly domainXml: Readonly<Record<string, string>>;
}
