// `kvmio plan show` as text: one block per section in apply's order, each change with
// its status, the commands (shell-quoted, for people to paste) and its XML or diff.
import type { PlanChange } from '../plan/plan-changes.js';
import { SECTION_TITLES } from '../plan/plan-changes.js';
import { shellCommand, shellQuote } from '../render/shell-quote.js';

const LABEL: Readonly<Record<PlanChange['status'], string>> = { create: 'create', change: 'change', ok: 'ok' };

const indent = (text: string, pad: string): string[] => text.replace(/\n$/, '').split('\n').map((l) => `${pad}${l}`);

export function formatChanges(changes: readonly PlanChange[], o: { file: string; against: string }): string {
  const lines = [`kvmio plan show ${shellQuote(o.file)} against ${shellQuote(o.against)}: dry run, nothing is changed`];
  for (const section of Object.keys(SECTION_TITLES) as (keyof typeof SECTION_TITLES)[]) {
    const here = changes.filter((c) => c.section === section);
    if (here.length === 0) continue;
    lines.push('', SECTION_TITLES[section]);
    for (const c of here) {
      lines.push(`  ${LABEL[c.status].padEnd(7)} ${c.summary}`);
      for (const a of c.argv ?? []) lines.push(`          $ ${shellCommand(a)}`);
      if (c.text !== undefined) lines.push(...indent(c.text, '          | '));
    }
  }
  const todo = changes.filter((c) => c.status !== 'ok').length;
  lines.push('', `${todo} change${todo === 1 ? '' : 's'}, ${changes.length - todo} already as planned`);
  return `${lines.join('\n')}\n`;
}
