// Lint TypeScript sources and tests with the recommended, type-unaware rule sets:
// fast enough to run on every `npm test`.
//
// The layer rule lives here too: each folder of src/ gets one block that lists what it
// may not import (static `import`/`export … from`, `import x = require()` and dynamic
// `import()`), so the layers stay what the README says they are:
//   model/  types only: imports nothing but model/ and src/size.ts (and npm packages);
//   decide/ and render/  pure: no fs, no child_process, no exec.ts, no probes or
//           sources, no apply/; render/ takes model and configs, not facts or decide;
//   facts/  reads only: never decide/, render/, provision/ or apply/;
//   cli/    imported by nothing in src/ (bin/ and tests drive it).
// ESLint applies the last matching block's options for a rule, so every layer block
// repeats the cli/ group instead of inheriting it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** A relative import specifier whose path contains `seg` (any depth: ../x, ../../x). */
const rel = (seg) => `^\\.{1,2}/(.*/)?${seg}`;

/** What a layer may not import: a regex over the import specifier and why. */
const GROUPS = {
  io: { regex: '^(node:)?(fs|child_process)(/.*)?$', message: 'this layer is pure: no file or process I/O (facts/ reads, apply/ writes).' },
  exec: { regex: `${rel('')}exec(\\.[jt]s)?$`, message: 'this layer is pure: src/exec.ts starts processes.' },
  probes: { regex: `${rel('facts/')}(.*/)?(probe-[^/]*|[^/]*-source(\\.[jt]s)?)$`, message: 'this layer is pure: probes and sources read the host; take their facts as arguments.' },
  apply: { regex: `${rel('apply/')}`, message: 'only apply/ changes a host; this layer must not reach it.' },
  decide: { regex: `${rel('decide/')}`, message: 'decide/ sits above this layer; move the shared piece down (model/ for vocabulary).' },
  render: { regex: `${rel('render/')}`, message: 'render/ sits above this layer; move the shared piece down (model/ for vocabulary).' },
  facts: { regex: `${rel('facts/')}`, message: 'render/ works from model/ and configs, not facts; move the shared piece to model/.' },
  provision: { regex: `${rel('provision/')}`, message: 'facts/ must not import provision/; the parser belongs in facts/.' },
  builtins: { regex: '^node:', message: 'model/ is types only: no Node built-ins.' },
  outsideModel: { regex: '^\\.\\./(?!size(\\.[jt]s)?$)', message: 'model/ is types only: it imports nothing outside model/ but src/size.ts.' },
  cli: { regex: `${rel('cli/')}`, message: 'nothing imports cli/: it is the thin top (bin/ and tests drive it); move the logic into the library.' },
};

const LAYERS = {
  'src/model/**/*.ts': ['io', 'builtins', 'outsideModel', 'cli'],
  'src/decide/**/*.ts': ['io', 'exec', 'probes', 'apply', 'render', 'cli'],
  'src/render/**/*.ts': ['io', 'exec', 'probes', 'apply', 'decide', 'facts', 'cli'],
  'src/facts/**/*.ts': ['decide', 'render', 'provision', 'apply', 'cli'],
};

/** The two rules that carry a list of groups: static imports, and dynamic import(). */
function restrict(names) {
  const groups = names.map((n) => GROUPS[n]);
  // esquery regex literals cannot contain "/", so it is spelled \x2F there.
  const dynamic = groups.map((g) => ({
    selector: `ImportExpression[source.value=/${g.regex.replaceAll('/', '\\x2F')}/]`,
    message: g.message,
  }));
  return {
    'no-restricted-imports': 'off',
    '@typescript-eslint/no-restricted-imports': ['error', { patterns: groups.map((g) => ({ regex: g.regex, message: g.message, caseSensitive: true })) }],
    'no-restricted-syntax': ['error', ...dynamic],
  };
}

const layerBlocks = Object.entries(LAYERS).map(([files, names]) => ({ files: [files], rules: restrict(names) }));

/** The same folder's groups minus those a listed file is still allowed. */
function allow(file, allowed) {
  const [, names] = Object.entries(LAYERS).find(([glob]) => file.startsWith(glob.replace('**/*.ts', '')));
  return { files: [file], rules: restrict(names.filter((n) => !allowed.includes(n))) };
}

// layer debt: files that import across a layer today; each may break exactly the groups
// listed, every other group still applies (test/lint/layers.test.ts checks each is still needed).
const LAYER_DEBT = [
  // decide/plan-host.ts turns a plan into file contents through the pure renderers, because
  // a HostAction carries its file's text (model/action.ts, apply/handlers.ts).
  allow('src/decide/plan-host.ts', ['render']),
];
// end of layer debt

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  // Everything in src/ outside cli/ (the layer blocks below narrow this further).
  { files: ['src/**/*.ts'], ignores: ['src/cli/**'], rules: restrict(['cli']) },
  ...layerBlocks,
  ...LAYER_DEBT,
);

// For test/lint/layers.test.ts: it plants violations and checks the debt list is still needed.
export { GROUPS, LAYERS, LAYER_DEBT, restrict };
