// `kvmio report RESULTS.json`: a bench results file → a self-contained HTML report with
// charts (default), or Markdown / JSON. Reads only the file named; writes only -o.
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { oneOf } from '../options.js';
import { usageError } from '../../errors.js';

interface ReportOpts {
  readonly output?: string;
  readonly format?: 'html' | 'md' | 'json';
}

async function runReport(ctx: Ctx, file: string, o: ReportOpts): Promise<void> {
  const { readFileSync, writeFileSync, renameSync } = await import('node:fs');
  const { isAbsolute, join } = await import('node:path');
  const { parseResults } = await import('../../bench/results-schema.js');
  const { buildBenchReport } = await import('../../report/bench-report.js');
  const abs = (p: string): string => (isAbsolute(p) ? p : join(ctx.cwd, p));
  const format = o.format ?? (o.output && !o.output.endsWith('.html') && !o.output.endsWith('.htm') ? (o.output.endsWith('.md') ? 'md' : o.output.endsWith('.json') ? 'json' : 'html') : 'html');
  if (format === 'html' && !o.output) throw usageError('-o: missing; expected -o REPORT.html for the HTML report (or --format md|json to print text)');
  let text: string;
  try {
    text = readFileSync(abs(file), 'utf8');
  } catch (e) {
    throw usageError(`RESULTS: "${file}" cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); expected a kvmio bench results file`);
  }
  const rep = buildBenchReport(parseResults(text, file), file);
  let out: string;
  if (format === 'html') out = (await import('../../report/bench-html.js')).renderBenchHtml(rep);
  else if (format === 'md') out = (await import('../../report/bench-markdown.js')).renderBenchMarkdown(rep);
  else out = `${JSON.stringify({ tables: rep.tables, recommendations: rep.recommendations, conclusion: rep.conclusion }, null, 2)}\n`;
  if (!o.output) {
    ctx.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
    return;
  }
  const path = abs(o.output);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, out);
  renameSync(tmp, path);
  ctx.print(`report: ${path}`);
}

export function register(program: Command, ctx: Ctx): void {
  program
    .command('report')
    .description('turn a kvmio bench results file into a self-contained HTML report with charts, or Markdown/JSON')
    .argument('<RESULTS>', 'results JSON written by kvmio bench (-o, or STATE/bench/RUNID.json)')
    .option('-o, --output <file>', 'write the report here (HTML needs it; text formats print to stdout without it)')
    .option('--format <fmt>', 'html, md or json (default: from -o\'s extension, else html)', oneOf('--format', ['html', 'md', 'json'] as const))
    .action((file: string, o: ReportOpts) => runReport(ctx, file, o));
}
