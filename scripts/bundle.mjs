// `npm run bundle`: the CLI with every dependency inlined, in two shapes.
//   dist/kvmio/kvmio.mjs + dist/kvmio/chunks/*.mjs
//       ESM, code-split (esbuild.github.io/api/#splitting): what setup.sh installs. Each
//       command's module and each library it imports is its own chunk, loaded by the
//       import() that needs it, so `kvmio audit` parses its ~0.13 MB, not the whole 1.2 MB
//       (vega, yaml, zod, xmldom load only for the commands that use them).
//       kvmio.mjs is a launcher with no static import: it turns on Node's on-disk compile
//       cache (nodejs.org/api/module.html#moduleenablecompilecachecachedir, Node ≥ 22.1)
//       before the first chunk is compiled, so later runs skip V8's compile of every
//       chunk they load (NODE_DEBUG_NATIVE=COMPILE_CACHE shows each one accepted).
//   dist/sea/kvmio.cjs
//       CommonJS, one file: Node 24 single-executable applications run only a CommonJS
//       main script, with no dynamic import() (nodejs.org/api/single-executable-applications.html).
//       esbuild keeps each dynamically imported module in an init function that runs at
//       the import, so what `kvmio audit` does not use is parsed but never evaluated.
import { build } from 'esbuild';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
// The entry: what bin/kvmio.js does, for the bundle (no top-level await: CommonJS has none).
const ENTRY = 'kvmio-entry';
const entry = {
  name: 'kvmio-entry',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^${ENTRY}$`) }, () => ({ path: ENTRY, namespace: ENTRY }));
    b.onLoad({ filter: /.*/, namespace: ENTRY }, () => ({
      contents: "import { run } from './src/cli/main.ts';\nrun(process.argv.slice(2)).then((code) => { process.exitCode = code; });\n",
      resolveDir: repo,
      loader: 'ts',
    }));
  },
};

// esbuild keeps `import … from 'node:…'` as top-level imports of a bundle, so in the
// one-file CommonJS bundle every built-in any module names (crypto for `collect`,
// child_process, …) would load at start even when that module is imported lazily. As
// require() calls they load where they are used: in the lazy module's init function.
// (The split ESM bundle needs none of this: a chunk's built-ins load with the chunk.)
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) =>
      a.kind === 'import-statement' && a.namespace !== 'kvmio-builtin' ? { path: a.path, namespace: 'kvmio-builtin' } : { path: a.path, external: true });
    b.onLoad({ filter: /.*/, namespace: 'kvmio-builtin' }, (a) => ({ contents: `module.exports = require(${JSON.stringify(a.path)});`, loader: 'js' }));
  },
};

const common = {
  entryPoints: { kvmio: ENTRY },
  bundle: true,
  platform: 'node',
  target: 'node22',
  // Start-up time is mostly parsing: minified, it is half the bytes.
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
};

const esmDir = join(repo, 'dist', 'kvmio');
rmSync(esmDir, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { main: ENTRY },
  plugins: [entry],
  format: 'esm',
  splitting: true,
  outdir: esmDir,
  entryNames: 'chunks/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  // commander is CommonJS and require()s Node built-ins: every chunk gets a require
  // (banners go on each output file).
  banner: { js: "import { createRequire as __kvmioRequire } from 'node:module';\nconst require = __kvmioRequire(import.meta.url);" },
});
// The cache lives beside the chunks, in a directory only its owner writes (setup.sh
// installs as root): code cache is code, so never a shared directory such as /tmp. When
// it cannot be written (another user), Node runs without it. NODE_COMPILE_CACHE, when
// set, wins; NODE_DISABLE_COMPILE_CACHE=1 turns it off (both Node's own variables).
const launcher = join(esmDir, 'kvmio.mjs');
writeFileSync(launcher, [
  '#!/usr/bin/env node',
  "import { enableCompileCache } from 'node:module';",
  'enableCompileCache?.(`${import.meta.dirname}/.compile-cache`);',
  "await import('./chunks/main.mjs');",
  '',
].join('\n'));
chmodSync(launcher, 0o755);
await build({ ...common, plugins: [entry, lazyBuiltins], format: 'cjs', outfile: join(repo, 'dist', 'sea', 'kvmio.cjs') });
