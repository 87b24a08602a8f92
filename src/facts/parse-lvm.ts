// The LVM JSON reports (`pvs`/`vgs`/`lvs --reportformat json`, lvmreport(7)): one parser
// for all of them, validated with zod, so a garbled answer is an error, never an empty
// list or a zero size. Ask for `--units b --nosuffix` so sizes are plain byte counts.
// Pure: text in, data out (tested on recorded text).
import { z } from 'zod';
import { missing, ok, type Read } from './source.js';

const row = z.record(z.string(), z.string());
const report = (key: 'pv' | 'vg' | 'lv'): z.ZodType<Record<string, string>[][]> =>
  z.object({ report: z.array(z.looseObject({ [key]: z.array(row) })) }).transform((r) => r.report.map((x) => (x as Record<string, Record<string, string>[]>)[key] ?? []));

function rowsOf(text: string, key: 'pv' | 'vg' | 'lv', what: string): Record<string, string>[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${what}: output is not JSON`);
  }
  const r = report(key).safeParse(json);
  if (!r.success) throw new Error(`${what}: not an LVM "${key}" report (${r.error.issues[0]?.message ?? 'invalid'})`);
  return r.data.flat();
}

/** A byte count from a `--units b --nosuffix` field; anything else is an error. */
function bytesField(r: Record<string, string>, k: string, what: string): number {
  const v = r[k];
  if (v === undefined || !/^\d+$/.test(v)) throw new Error(`${what}: ${k} is ${v === undefined ? 'missing' : `"${v}"`}, expected a byte count (--units b --nosuffix)`);
  return Number(v);
}

const field = (r: Record<string, string>, k: string, what: string): string => {
  const v = r[k];
  if (v === undefined) throw new Error(`${what}: field ${k} is missing`);
  return v;
};

export interface PvInfo {
  readonly pvName: string;
  /** Empty for an orphan PV (pvcreate'd, in no VG). */
  readonly vgName: string;
  readonly uuid?: string;
}

/** `pvs --reportformat json -o pv_name,vg_name[,pv_uuid]`. Throws on garbage. */
export const parsePvs = (text: string): PvInfo[] =>
  rowsOf(text, 'pv', 'pvs').map((r) => ({ pvName: field(r, 'pv_name', 'pvs'), vgName: field(r, 'vg_name', 'pvs'), ...(r.pv_uuid ? { uuid: r.pv_uuid } : {}) }));

export interface VgInfo {
  readonly name: string;
  readonly sizeBytes: number;
  readonly freeBytes: number;
  readonly extentBytes: number;
}

/** `vgs --reportformat json --units b --nosuffix -o vg_name,vg_size,vg_free,vg_extent_size`. */
export const parseVgs = (text: string): VgInfo[] =>
  rowsOf(text, 'vg', 'vgs').map((r) => ({
    name: field(r, 'vg_name', 'vgs'),
    sizeBytes: bytesField(r, 'vg_size', 'vgs'),
    freeBytes: bytesField(r, 'vg_free', 'vgs'),
    extentBytes: bytesField(r, 'vg_extent_size', 'vgs'),
  }));

export interface VgIdentity {
  readonly name: string;
  readonly uuid: string;
  readonly lvCount: number;
  readonly pvCount: number;
}

/** `vgs --reportformat json -o vg_name,vg_uuid,lv_count,pv_count` (what rollback compares). */
export const parseVgIdentity = (text: string): VgIdentity[] =>
  rowsOf(text, 'vg', 'vgs').map((r) => ({ name: field(r, 'vg_name', 'vgs'), uuid: field(r, 'vg_uuid', 'vgs'), lvCount: bytesField(r, 'lv_count', 'vgs'), pvCount: bytesField(r, 'pv_count', 'vgs') }));

export interface LvInfo {
  readonly name: string;
  readonly vg: string;
  /** lv_attr, e.g. "twi-a-tz--" for a thin pool, "Vwi-a-tz--" for a thin volume, "-wi-a-----" linear. */
  readonly attr: string;
  readonly sizeBytes: number;
  readonly uuid?: string;
  /** segtype: "linear", "thin", "thin-pool", … when asked for. */
  readonly segtype?: string;
  readonly path?: string;
  /** data_percent of a thin volume or pool ("" for others → undefined). */
  readonly dataPercent?: number;
}

/** `lvs --reportformat json --units b --nosuffix -o lv_name,vg_name,lv_attr,lv_size[,lv_uuid,segtype,lv_path,data_percent]`. */
export const parseLvs = (text: string): LvInfo[] =>
  rowsOf(text, 'lv', 'lvs').map((r) => {
    const dp = r.data_percent;
    if (dp !== undefined && dp !== '' && !/^\d+(\.\d+)?$/.test(dp)) throw new Error(`lvs: data_percent is "${dp}", expected a number`);
    return {
      name: field(r, 'lv_name', 'lvs'),
      vg: field(r, 'vg_name', 'lvs'),
      attr: field(r, 'lv_attr', 'lvs'),
      sizeBytes: bytesField(r, 'lv_size', 'lvs'),
      ...(r.lv_uuid ? { uuid: r.lv_uuid } : {}),
      ...(r.segtype ? { segtype: r.segtype } : {}),
      ...(r.lv_path ? { path: r.lv_path } : {}),
      ...(dp !== undefined && dp !== '' ? { dataPercent: Number(dp) } : {}),
    };
  });

export const isThinPool = (lv: LvInfo): boolean => lv.attr.startsWith('t');

/** lv_attr's 6th character is "o" while the LV is open (lvs(8)). */
export const isOpen = (lv: LvInfo): boolean => lv.attr.charAt(5) === 'o';

/** A parser as a Read (never throws), for probes that report SKIP. */
export function readReport<T>(parse: (text: string) => T, text: string): Read<T> {
  try {
    return ok(parse(text));
  } catch (e) {
    return missing(e instanceof Error ? e.message : String(e));
  }
}
