// Shared test helpers: run the CLI in-process, temp dirs, repo paths, and machine
// resources (loop devices) that are always released in `finally`.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exec, execOk } from '../src/exec.js';
import { run } from '../src/cli/main.js';

/** The repository root (tests run from dist/test/...). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixture = (...parts: string[]): string => join(REPO, 'test', 'fixtures', ...parts);

/**
 * Compares `actual` with the golden FILE. A missing or different golden fails, whatever
 * CI says; only UPDATE_GOLDEN=1 (re)writes it, so a golden never creates itself.
 */
export function assertGoldenFile(file: string, actual: string, env: Readonly<Record<string, string | undefined>> = process.env): void {
  if (env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) assert.fail(`golden file ${file} is missing; run with UPDATE_GOLDEN=1 to write it, then review it`);
  assert.equal(actual, readFileSync(file, 'utf8'), `differs from golden ${file} (UPDATE_GOLDEN=1 rewrites it)`);
}

/** A unique, short name for things a test creates on the machine (domains, files, VGs). */
export const uniqueName = (prefix: string): string => `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A private state dir for this test process: no test reaches the host's journal
 * (/var/lib/kvmio) by accident. Set in process.env too, so `cliProcess` children and
 * anything they start inherit it; test/zz-state-guard.test.ts checks the suite left the
 * host's journal alone. A test opts out by passing an env that names KVMIO_STATE_DIR.
 */
export const PRIVATE_STATE_DIR: string = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmio-state-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
})();
if (process.env.KVMIO_STATE_DIR === undefined || process.env.KVMIO_STATE_DIR === '') process.env.KVMIO_STATE_DIR = PRIVATE_STATE_DIR;

/** ENV with KVMIO_STATE_DIR set to this process's private state dir unless ENV names it (the opt-out). */
export const withPrivateState = (env: Record<string, string | undefined>): Record<string, string | undefined> =>
  Object.hasOwn(env, 'KVMIO_STATE_DIR') ? env : { ...env, KVMIO_STATE_DIR: PRIVATE_STATE_DIR };

/** Runs `kvmio ARGS` in-process with captured output, with a private state dir (withPrivateState). */
export async function cli(args: readonly string[], env: Record<string, string | undefined> = process.env): Promise<CliResult> {
  env = withPrivateState(env);
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: { write: (s) => void (stdout += s) },
    stderr: { write: (s) => void (stderr += s) },
    env,
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

/** Runs the real `bin/kvmio.js` as a child process (for exit codes and startup). */
export async function cliProcess(args: readonly string[], opts: { env?: Record<string, string> } = {}): Promise<CliResult> {
  const r = await exec([process.execPath, join(REPO, 'bin', 'kvmio.js'), ...args], opts.env ? { env: opts.env } : {});
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'kvmio-test-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Attaches FILE (created with SIZE MiB) to a loop device, runs fn, detaches it. */
export async function withLoop<T>(dir: string, sizeMiB: number, fn: (dev: string, file: string) => Promise<T>, opts: { partscan?: boolean } = {}): Promise<T> {
  const file = join(dir, `${uniqueName('loop')}.img`);
  await execOk(['truncate', '-s', `${sizeMiB}M`, file]);
  const args = ['losetup', '-f', '--show', ...(opts.partscan ? ['-P'] : []), file];
  const dev = (await execOk(args)).stdout.trim();
  try {
    return await fn(dev, file);
  } finally {
    await exec(['losetup', '-d', dev]);
  }
}

/** mulberry32: a small seeded PRNG for fuzz tests, so a failure names a reproducible seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
