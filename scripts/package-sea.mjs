// `npm run package`: dist/kvmio-linux-x64, a Node single-executable application
// (nodejs.org/api/single-executable-applications.html): the CommonJS bundle
// (dist/sea/kvmio.cjs from `npm run bundle`) as a blob, injected with postject into a
// copy of the node binary that runs this script (setup.sh provides Node 24, an official
// build: only those carry the SEA fuse). Runs with no Node and no node_modules.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const sea = join(repo, 'dist', 'sea');
const out = join(repo, 'dist', 'kvmio-linux-x64');
const config = join(sea, 'sea-config.json');
const blob = join(sea, 'kvmio.blob');
// useCodeCache: V8's compiled code travels in the blob, so start-up skips compiling the
// bundle. The experimental warning would otherwise print on every run.
writeFileSync(config, JSON.stringify({ main: join(sea, 'kvmio.cjs'), output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
const prep = spawnSync(process.execPath, ['--experimental-sea-config', config], { encoding: 'utf8' });
if (prep.status !== 0) {
  process.stderr.write(`kvmio: node --experimental-sea-config failed (exit ${prep.status}): ${prep.stderr}${prep.stdout}\n`);
  process.exit(1);
}
rmSync(out, { force: true });
copyFileSync(process.execPath, out);
chmodSync(out, 0o755);
const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
// The fuse is the sentinel Node's own docs give for postject.
const inject = spawnSync(process.execPath, [postject, out, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { encoding: 'utf8' });
// LIEF, inside postject, warns about the binary's unnamed note sections; harmless (the
// executable is checked by test/package), so only other lines are shown.
const noise = /^warning: Can't find string offset for section name/;
process.stderr.write(inject.stderr.split('\n').filter((l) => l !== '' && !noise.test(l)).map((l) => `${l}\n`).join(''));
if (inject.status !== 0) {
  process.stderr.write(`kvmio: postject failed (exit ${inject.status}): ${inject.stdout}\n`);
  process.exit(1);
}
process.stdout.write(`kvmio: built ${out} (Node ${process.version})\n`);
