// What checking and showing a plan needs to know about the host: the host and
// pass-through facts every other command uses, LVM space, and the saved XML of the
// domains the plan names (for a diff). Gathered, and its shape defined, by
// facts/probe-plan-facts.ts; plan/ names it PlanFacts.
export type { PlanFactsRead as PlanFacts } from '../facts/probe-plan-facts.js';
