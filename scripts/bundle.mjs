// `npm run bundle`: the CLI as one file with every dependency inlined.
//   dist/kvmio.mjs      ESM, `#!/usr/bin/env node`: what setup.sh installs
//   dist/sea/kvmio.cjs  CommonJS: Node 22/24 single-executable applications run only a
//                       CommonJS main script (nodejs.org/api/single-executable-applications.html)
// The commands' `await import()`s stay lazy: esbuild keeps a dynamically imported module
// in an init function that runs at the import, so `kvmio audit` never evaluates the
// provisioning, passthrough or rendering code (esbuild.github.io/api/#splitting: without
// splitting, dynamic imports are inlined but still evaluated on demand).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
// The entry: what bin/kvmio.js does, for the bundle.
const entry = "import { run } from './src/cli/main.ts';\nrun(process.argv.slice(2)).then((code) => { process.exitCode = code; });\n";

// esbuild keeps `import … from 'node:…'` as top-level imports of an ESM bundle, so every
// built-in any module names (crypto for `collect`, child_process, …) would load at start
// even when that module is imported lazily. As require() calls they load where they are
// used: in the lazy module's init function.
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) =>
      a.kind === 'import-statement' && a.namespace !== 'kvmio-builtin' ? { path: a.path, namespace: 'kvmio-builtin' } : { path: a.path, external: true });
    b.onLoad({ filter: /.*/, namespace: 'kvmio-builtin' }, (a) => ({ contents: `module.exports = require(${JSON.stringify(a.path)});`, loader: 'js' }));
  },
};

const common = {
  stdin: { contents: entry, resolveDir: repo, sourcefile: 'kvmio-entry.ts', loader: 'ts' },
  bundle: true,
  platform: 'node',
  target: 'node22',
  // Start-up time is mostly parsing this file: minified, it is half the bytes.
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
};

await build({
  ...common,
  format: 'esm',
  outfile: join(repo, 'dist', 'kvmio.mjs'),
  plugins: [lazyBuiltins],
  // commander is CommonJS and require()s Node built-ins: give the ESM bundle a require.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __kvmioRequire } from 'node:module';\nconst require = __kvmioRequire(import.meta.url);" },
});
await build({ ...common, format: 'cjs', outfile: join(repo, 'dist', 'sea', 'kvmio.cjs') });
