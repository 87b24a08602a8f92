// `kvmio pool create NAME --vg VG | --dir PATH`: a libvirt storage pool (virsh
// pool-define, pool-build for a dir pool, pool-start, pool-autostart) through the
// journal engine, so `kvmio rollback` destroys and undefines it again; dry run unless --yes.
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { group } from '../group.js';
import { resolveHostState } from '../host-state.js';
import { usageError } from '../../errors.js';

interface Opts {
  readonly vg?: string;
  readonly dir?: string;
  readonly autostart: boolean;
  readonly yes?: boolean;
  readonly json?: boolean;
  readonly root?: string;
  readonly stateDir?: string;
  readonly wait?: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,62}$/;

export function register(program: Command, ctx: Ctx): void {
  group(program, 'pool', 'libvirt storage pools, so libvirt\'s storage management knows every VM disk')
    .command('create')
    .description('define, build (dir), start and autostart a libvirt storage pool: logical on a volume group, or dir on a path')
    .argument('<name>', 'pool name')
    .option('--vg <vg>', 'a logical pool on this existing volume group (kvmio vg create makes one)')
    .option('--dir <path>', 'a dir pool at this directory (created by pool-build when missing)')
    .option('--no-autostart', 'do not mark the pool autostart')
    .option('--yes', 'do it (without: print what would be done)')
    .option('--json', 'print JSON')
    .option('--root <dir>', 'locates the default state dir (DIR/var/lib/kvmio)')
    .option('--state-dir <dir>', 'journal and lock directory (default /var/lib/kvmio): kvmio rollback undoes it')
    .option('--wait', 'wait for another kvmio run holding the lock instead of refusing')
    .addHelpText('after', `
Then: kvmio disk create NAME --size SIZE --pool POOL (virsh vol-create-as).
Exit codes: 0 done or nothing to do, 1 refused or failed, 2 usage error.`)
    .action(async (name: string, o: Opts) => {
      if (!NAME.test(name)) throw usageError(`pool name "${name}": expected letters, digits, "_", ".", "+" or "-", starting with a letter or digit`);
      if ((o.vg === undefined) === (o.dir === undefined)) throw usageError('pool create: expected exactly one of --vg VG or --dir PATH');
      if (o.vg !== undefined && !NAME.test(o.vg)) throw usageError(`--vg "${o.vg}": not a volume group name`);
      const dir = o.dir === undefined ? undefined : isAbsolute(o.dir) ? o.dir : resolve(ctx.cwd, o.dir);
      if (o.vg !== undefined) {
        const { probePlanFacts } = await import('../../facts/probe-plan-facts.js');
        const f = await probePlanFacts(undefined, ctx.env, { pci: [], domains: [] });
        if (!f.vgs.ok) throw new (await import('../../errors.js')).KvmioError('refused', `--vg ${o.vg}: volume groups unreadable (${f.vgs.reason})`);
        if (!f.vgs.value.some((v) => v.name === o.vg)) throw new (await import('../../errors.js')).KvmioError('refused', `--vg ${o.vg}: no such volume group; expected one of ${f.vgs.value.map((v) => v.name).join(', ') || '(none)'} (kvmio vg create makes one)`);
      }
      const { poolCreateAction } = await import('../../plan/plan-actions.js');
      const action = poolCreateAction(o.vg !== undefined ? { type: 'logical', name, vg: o.vg } : { type: 'dir', name, path: dir ?? '' }, o.autostart, ctx.env.LIBVIRT_DEFAULT_URI);
      const engine = await import('../../apply/engine.js');
      const { POOL_HANDLERS } = await import('../../apply/pool-handler.js');
      const { stateDir } = resolveHostState(o, ctx);
      const outcomes = o.yes === true
        ? await engine.applyActions([action], { stateDir, onNote: (n) => ctx.warn(n), handlers: POOL_HANDLERS, wait: o.wait === true, purpose: 'pool create --yes' })
        : await engine.previewActions([action], { handlers: POOL_HANDLERS });
      if (o.json === true) ctx.json({ mode: o.yes === true ? 'apply' : 'dry-run', outcomes: outcomes.map((x) => ({ ...x.action, status: x.status, change: x.change, ...(x.error ? { error: x.error } : {}) })) });
      else {
        for (const x of outcomes) ctx.print(`${x.status.padEnd(13)} ${x.change.trimEnd() || `pool ${name}: already defined, active${o.autostart ? ", autostart on" : ""}`}${x.error ? `\n  ${x.error}` : ''}`);
        if (o.yes !== true && outcomes.some((x) => x.status === 'would-change')) ctx.print('run again with --yes to create it; "kvmio rollback --yes" undoes it');
      }
      ctx.exitCode = outcomes.some((x) => x.status === 'refused' || x.status === 'failed' || x.status === 'not-run') ? 1 : 0;
    });
}

interface PoolDiskOpts {
  readonly pool: string;
  readonly size?: string;
  readonly format?: 'raw' | 'qcow2';
  readonly prealloc?: 'off' | 'metadata' | 'falloc' | 'full';
  readonly yes?: boolean;
  readonly json?: boolean;
  readonly root?: string;
  readonly stateDir?: string;
  readonly wait?: boolean;
}

/**
 * `disk create NAME --size SIZE --pool POOL`: the volume through libvirt (virsh
 * vol-create-as), journaled, so libvirt's storage management knows the disk. In a dir
 * pool the image is NAME.raw or NAME.qcow2, raw preallocated (falloc: --allocation of
 * the whole size) and qcow2 with metadata preallocated, as `disk create --on DIR`
 * makes them; in a logical pool it is an LV NAME of the pool's VG.
 */
export async function diskCreateInPool(name: string, o: PoolDiskOpts, ctx: Ctx): Promise<void> {
  const { parseSize } = await import('../../size.js');
  const { KvmioError } = await import('../../errors.js');
  if (!NAME.test(name)) throw usageError(`disk name "${name}": expected letters, digits, "_", ".", "+" or "-", starting with a letter or digit`);
  if (o.size === undefined) throw usageError('--size: needed with --pool (e.g. --size 40G)');
  const size = parseSize(o.size, '--size');
  const { probePools } = await import('../../facts/probe-passthrough.js');
  const { LocalSource } = await import('../../facts/local-source.js');
  const { libvirtUri } = await import('../../facts/commands.js');
  const pools = await probePools(new LocalSource(), libvirtUri(ctx.env));
  if (!pools.ok) throw new KvmioError('refused', `--pool ${o.pool}: libvirt pools unreadable (${pools.reason})`);
  const pool = pools.value.find((p) => p.name === o.pool);
  if (!pool) throw new KvmioError('refused', `--pool ${o.pool}: no such libvirt pool; expected one of ${pools.value.map((p) => p.name).join(', ') || '(none)'} (kvmio pool create makes one)`);
  if (pool.type !== 'dir' && pool.type !== 'logical') throw new KvmioError('refused', `--pool ${o.pool}: a ${pool.type} pool; expected a dir or logical pool`);
  const { volumeCreateAction } = await import('../../plan/plan-actions.js');
  const format = o.format ?? 'raw';
  const prealloc = o.prealloc ?? (format === 'raw' ? 'falloc' : 'metadata');
  const volume = pool.type === 'dir' ? `${name}.${format}` : name;
  const action = pool.type === 'dir'
    ? volumeCreateAction({ pool: o.pool, name: volume, bytes: size.bytes, format, preallocate: prealloc === 'falloc' || prealloc === 'full' ? 'full' : prealloc === 'metadata' ? 'metadata' : 'none' }, ctx.env.LIBVIRT_DEFAULT_URI)
    : volumeCreateAction({ pool: o.pool, name: volume, bytes: size.bytes, preallocate: 'full' }, ctx.env.LIBVIRT_DEFAULT_URI);
  const engine = await import('../../apply/engine.js');
  const { POOL_HANDLERS } = await import('../../apply/pool-handler.js');
  const { stateDir } = resolveHostState(o, ctx);
  const outcomes = o.yes === true
    ? await engine.applyActions([action], { stateDir, onNote: (n) => ctx.warn(n), handlers: POOL_HANDLERS, wait: o.wait === true, purpose: 'disk create --pool --yes' })
    : await engine.previewActions([action], { handlers: POOL_HANDLERS });
  if (o.json === true) ctx.json({ mode: o.yes === true ? 'apply' : 'dry-run', outcomes: outcomes.map((x) => ({ ...x.action, status: x.status, change: x.change, ...(x.error ? { error: x.error } : {}) })) });
  else {
    for (const x of outcomes) ctx.print(`${x.status.padEnd(13)} ${x.change.trimEnd() || `volume ${o.pool}/${volume}: exists`}${x.error ? `\n  ${x.error}` : ''}`);
    if (o.yes !== true && outcomes.some((x) => x.status === 'would-change')) ctx.print('run again with --yes to create it; "kvmio rollback --yes" undoes it');
  }
  ctx.exitCode = outcomes.some((x) => x.status === 'refused' || x.status === 'failed' || x.status === 'not-run') ? 1 : 0;
}
