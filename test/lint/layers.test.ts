// The layer rule (eslint.config.js) must fire on every kind of violation it exists for:
// each case plants one import in a file of the layer it guards and expects exactly that
// rule to report it; a clean file of each layer passes. The files never touch disk:
// lintText() lints them under the path they claim.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import { REPO } from '../helpers.js';

const STATIC = '@typescript-eslint/no-restricted-imports';
const DYNAMIC = 'no-restricted-syntax';

const eslint = new ESLint({ cwd: REPO });
const config = (await import(pathToFileURL(join(REPO, 'eslint.config.js')).href)) as {
  GROUPS: Record<string, { message: string }>;
  LAYERS: Record<string, string[]>;
  LAYER_DEBT: { files: string[] }[];
  restrict: (names: readonly string[]) => Linter.RulesRecord;
};

async function lint(file: string, code: string, overrideConfig?: Linter.Config[]): Promise<Linter.LintMessage[]> {
  const linter = overrideConfig ? new ESLint({ cwd: REPO, overrideConfig }) : eslint;
  const [result] = await linter.lintText(code, { filePath: join(REPO, file) });
  assert.ok(result, `no lint result for ${file}`);
  return result.messages;
}

const layerMessages = (messages: readonly Linter.LintMessage[]): Linter.LintMessage[] => messages.filter((m) => m.ruleId === STATIC || m.ruleId === DYNAMIC);

/** [file it is planted in, import statement, the group (eslint.config.js GROUPS) that must catch it, why]. */
const VIOLATIONS: readonly (readonly [string, string, string, string])[] = [
  ['src/decide/planted.ts', "import { readFileSync } from 'node:fs';", 'io', 'decide reads a file'],
  ['src/decide/planted.ts', "import { readFile } from 'node:fs/promises';", 'io', 'decide reads a file (promises)'],
  ['src/decide/planted.ts', "import { readFileSync } from 'fs';", 'io', 'decide reads a file (bare specifier)'],
  ['src/decide/planted.ts', "import { spawn } from 'node:child_process';", 'io', 'decide starts a process'],
  ['src/decide/planted.ts', "import { execFile } from 'child_process';", 'io', 'decide starts a process (bare specifier)'],
  ['src/decide/planted.ts', "import { exec } from '../exec.js';", 'exec', 'decide uses exec.ts'],
  ['src/decide/planted.ts', "import { probeHost } from '../facts/probe-host.js';", 'probes', 'decide calls a probe'],
  ['src/decide/planted.ts', "import { LocalSource } from '../facts/local-source.js';", 'probes', 'decide opens a source'],
  ['src/decide/planted.ts', "import { runPlan } from '../apply/engine.js';", 'apply', 'decide reaches apply'],
  ['src/decide/planted.ts', "import { renderSysctlConf } from '../render/sysctl-conf.js';", 'render', 'decide imports render'],
  ['src/decide/planted.ts', "const m = await import('../facts/probe-host.js');\nexport default m;", 'probes', 'decide calls a probe via import()'],
  ['src/decide/planted.ts', "const m = await import('node:child_process');\nexport default m;", 'io', 'decide starts a process via import()'],
  ['src/decide/planted.ts', "export { exec } from '../exec.js';", 'exec', 'decide re-exports exec.ts'],
  ['src/render/planted.ts', "import { writeFileSync } from 'node:fs';", 'io', 'render writes a file'],
  ['src/render/planted.ts', "import { execOk } from '../exec.js';", 'exec', 'render uses exec.ts'],
  ['src/render/planted.ts', "import { DumpSource } from '../facts/dump-source.js';", 'probes', 'render opens a source'],
  ['src/render/planted.ts', "import type { HostFacts } from '../facts/host-facts.js';", 'facts', 'render works from facts'],
  ['src/render/planted.ts', "import { REF } from '../decide/host-defaults.js';", 'decide', 'render imports decide'],
  ['src/render/planted.ts', "import { applyFile } from '../apply/atomic-file.js';", 'apply', 'render reaches apply'],
  ['src/model/planted.ts', "import { readFileSync } from 'node:fs';", 'io', 'model reads a file'],
  ['src/model/planted.ts', "import { join } from 'node:path';", 'builtins', 'model uses a Node built-in'],
  ['src/model/planted.ts', "import { exec } from '../exec.js';", 'outsideModel', 'model uses exec.ts'],
  ['src/model/planted.ts', "import type { HostFacts } from '../facts/host-facts.js';", 'outsideModel', 'model imports facts'],
  ['src/model/planted.ts', "import { KvmioError } from '../errors.js';", 'outsideModel', 'model imports outside model/'],
  ['src/model/planted.ts', "import type { Plan } from '../apply/engine.js';", 'outsideModel', 'model imports apply'],
  ['src/facts/planted.ts', "import { chooseScheduler } from '../decide/choose-scheduler.js';", 'decide', 'facts imports decide'],
  ['src/facts/planted.ts', "import { renderXml } from '../render/xml-text.js';", 'render', 'facts imports render'],
  ['src/facts/planted.ts', "import { planImage } from '../provision/image-plan.js';", 'provision', 'facts imports provision'],
  ['src/facts/planted.ts', "import { runPlan } from '../apply/engine.js';", 'apply', 'facts imports apply'],
  ['src/facts/planted.ts', "const m = await import('../provision/image-plan.js');\nexport default m;", 'provision', 'facts imports provision via import()'],
  ['src/apply/planted.ts', "import { run } from '../cli/main.js';", 'cli', 'apply imports cli'],
  ['src/exec-planted.ts', "import { run } from './cli/main.js';", 'cli', 'a top-level module imports cli'],
  ['src/provision/sub/planted.ts', "import { run } from '../../cli/main.js';", 'cli', 'a nested module imports cli'],
  ['src/report/planted.ts', "const m = await import('../cli/main.js');\nexport default m;", 'cli', 'report imports cli via import()'],
  ['src/decide/planted.ts', "import { run } from '../cli/main.js';", 'cli', 'decide imports cli'],
];

/** Imports each layer may make: the rule must stay silent. */
const ALLOWED: readonly (readonly [string, string])[] = [
  ['src/model/planted.ts', "import type { Size } from '../size.js';\nimport type { Finding } from './finding.js';\nexport type X = Size | Finding;"],
  ['src/decide/planted.ts', "import type { HostFacts } from '../facts/host-facts.js';\nimport { parseSysctlFile } from '../facts/parse-sysctl.js';\nimport { SYSCTL_FILE } from '../model/host-files.js';\nimport { basename } from 'node:path';\nexport const f = (h: HostFacts): unknown => [h, parseSysctlFile, SYSCTL_FILE, basename];"],
  ['src/render/planted.ts', "import type { DiskConfig } from '../model/disk-types.js';\nimport { el } from './xml-text.js';\nexport const f = (c: DiskConfig): unknown => [c, el];"],
  ['src/facts/planted.ts', "import { readFileSync } from 'node:fs';\nimport { exec } from '../exec.js';\nimport type { Backend } from '../model/disk-types.js';\nexport const f = (b: Backend): unknown => [b, readFileSync, exec];"],
  ['src/cli/planted.ts', "import { run } from './main.js';\nimport { probeHost } from '../facts/probe-host.js';\nexport const f = [run, probeHost];"],
  ['bin/planted.ts', "import { run } from '../src/cli/main.js';\nexport const f = run;"],
  ['test/cli/planted.ts', "import { run } from '../../src/cli/main.js';\nimport { readFileSync } from 'node:fs';\nexport const f = [run, readFileSync];"],
];

describe('layer rule (eslint.config.js)', () => {
  for (const [file, code, group, why] of VIOLATIONS) {
    it(`fires: ${why} (${file})`, async () => {
      const hits = layerMessages(await lint(file, `${code}\n`));
      const expected = config.GROUPS[group]?.message;
      assert.ok(expected, `no group ${group}`);
      // Overlapping groups may both report (node:fs in model/ is I/O and a built-in); the named one must be there.
      assert.ok(hits.some((m) => m.line === 1 && m.message.includes(expected)), `expected "${group}" to fire on ${JSON.stringify(code)} in ${file}, got ${JSON.stringify(hits.map((m) => m.message))}`);
    });
  }

  for (const [file, code] of ALLOWED) {
    it(`passes a clean file (${file})`, async () => {
      const messages = await lint(file, `${code}\n`);
      assert.deepEqual(messages, [], `expected no lint errors in ${file}`);
    });
  }

  it('every layer-debt entry is still needed (remove it from eslint.config.js when its import is gone)', async () => {
    for (const { files } of config.LAYER_DEBT) {
      const file = files[0] ?? '';
      const layer = Object.entries(config.LAYERS).find(([glob]) => file.startsWith(glob.replace('**/*.ts', '')));
      assert.ok(layer, `${file} is in no layer`);
      // The folder's full rule, appended last, undoes the debt block for this file.
      const full = [{ files: [file], rules: config.restrict(layer[1]) }];
      const hits = layerMessages(await lint(file, readFileSync(join(REPO, file), 'utf8'), full));
      assert.ok(hits.length > 0, `${file} no longer crosses a layer: drop its layer-debt entry in eslint.config.js`);
    }
  });
});
