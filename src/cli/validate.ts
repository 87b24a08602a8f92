// The one validation layer every command goes through before anything is probed or
// written (run() in main.ts calls validateArgv on the raw argument vector; commands use
// the bounded parsers below). An empty value never means "everything": `--only ''` or
// `--device ''` is a usage error (exit 2), as is an empty positional argument.
import { usageError } from '../errors.js';

/** Refuses an empty element of ARGV ("--only ''", "--root=", a "" SOURCE) naming the option it belongs to. */
export function validateArgv(argv: readonly string[]): void {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      const empty = argv.slice(i + 1).findIndex((x) => x === '');
      if (empty >= 0) throw usageError(`argument ${i + 2 + empty}: empty; expected a value`);
      return;
    }
    const eq = /^(--[^=]+)=$/.exec(a);
    if (eq) throw usageError(`${eq[1]}: empty value; expected a value (an empty one never means "all")`);
    if (a !== '') continue;
    const prev = i > 0 ? argv[i - 1]! : '';
    if (prev.startsWith('-') && prev !== '-' && !prev.includes('=')) throw usageError(`${prev}: empty value; expected a value (an empty one never means "all")`);
    throw usageError(`argument ${i + 1}: empty; expected a value`);
  }
}

/** An integer 1..MAX (MAX: the limit of the tool that receives it, named in WHY). */
export function boundedInt(option: string, max: number, why: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw usageError(`${option}: "${value}" is not valid; expected a positive integer`);
    if (n > max) throw usageError(`${option}: ${value} is too large; expected 1 to ${max} (${why})`);
    return n;
  };
}

/**
 * virtio queues: QEMU's VIRTIO_QUEUE_MAX is 1024 (include/hw/virtio/virtio.h), and
 * virtio-blk's realize refuses num-queues above it (hw/block/virtio-blk.c).
 */
export const QUEUES_MAX = 1024;

/** libvirt parses an iothread id as an unsigned int (src/conf/domain_conf.c, virDomainIOThreadIDDefParseXML). */
export const IOTHREAD_ID_MAX = 4294967295;

/** Flags that contradict each other: a usage error naming both. */
export function refuseConflict(when: boolean, a: string, b: string, why: string): void {
  if (when) throw usageError(`${a} with ${b}: contradictory; ${why}`);
}
