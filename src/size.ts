// Sizes as values: always bytes inside, parsed from and printed as human units.
// Never pass bare numbers that could be KiB, sectors or bytes.
import { usageError } from './errors.js';

export interface Size {
  readonly bytes: number;
}

export const bytes = (n: number): Size => ({ bytes: n });
export const kib = (n: number): Size => ({ bytes: n * 1024 });
export const mib = (n: number): Size => ({ bytes: n * 1024 ** 2 });
export const gib = (n: number): Size => ({ bytes: n * 1024 ** 3 });
/** Linux reports many sizes in 512-byte sectors, whatever the device's block size. */
export const sectors = (n: number): Size => ({ bytes: n * 512 });

const UNITS: Readonly<Record<string, number>> = {
  '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4,
};

/** Parses "100G", "2M", "512k", "4096" (binary units, as qemu-img reads them). */
export function parseSize(text: string, what = 'size'): Size {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw usageError(`${what}: "${text}" is not a size; expected a number with an optional unit K, M, G or T (e.g. 100G)`);
  }
  const n = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(n) || n <= 0) throw usageError(`${what}: "${text}" is out of range; expected a positive size`);
  return { bytes: n };
}

/**
 * In the largest binary unit that keeps the number ≥ 1 (100 TiB, not 104857600.0 MiB),
 * one decimal when not whole; 1023.96 MiB reads 1.0 GiB, never "1024.0 MiB".
 */
export function formatSize(s: Size): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = s.bytes;
  let i = 0;
  while (i < units.length - 1 && v >= 1024) {
    v /= 1024;
    i++;
  }
  if (i < units.length - 1 && !Number.isInteger(v) && v.toFixed(1) === '1024.0') {
    v /= 1024;
    i++;
  }
  const text = Number.isInteger(v) ? String(v) : v.toFixed(1);
  return `${text} ${units[i]}`;
}
