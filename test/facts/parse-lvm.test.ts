// The one LVM report parser (pvs/vgs/lvs --reportformat json) and the wipefs JSON parser:
// recorded answers read right, garbage is an error (never an empty list or a zero size).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOpen, isThinPool, parseLvs, parsePvs, parseVgIdentity, parseVgs, readReport } from '../../src/facts/parse-lvm.js';
import { parseWipefsJson } from '../../src/facts/parse-signatures.js';

// Recorded on this machine: LVM 2.03.16 (Debian 12), `vgs --reportformat json --units b --nosuffix -o vg_name,vg_size,vg_free,vg_extent_size`.
const VGS = `  {
      "report": [
          {
              "vg": [
                  {"vg_name":"kvg_rec_8113", "vg_size":"62914560", "vg_free":"62914560", "vg_extent_size":"4194304"}
              ]
          }
      ]
  }
`;

describe('parse-lvm', () => {
  it('reads vgs byte counts', () => assert.deepEqual(parseVgs(VGS), [{ name: 'kvg_rec_8113', sizeBytes: 62914560, freeBytes: 62914560, extentBytes: 4194304 }]));
  it('reads lvs rows with optional fields', () => {
    const lvs = parseLvs('{"report":[{"lv":[{"lv_name":"pool","vg_name":"v","lv_attr":"twi-a-tz--","lv_size":"1073741824","lv_uuid":"u1","data_percent":"12.50"},{"lv_name":"d","vg_name":"v","lv_attr":"-wi-ao----","lv_size":"8388608","data_percent":""}]}]}');
    assert.deepEqual(lvs.map((l) => [l.name, isThinPool(l), isOpen(l), l.dataPercent, l.uuid]), [['pool', true, false, 12.5, 'u1'], ['d', false, true, undefined, undefined]]);
  });
  it('reads pvs, orphans included', () => assert.deepEqual(parsePvs('{"report":[{"pv":[{"pv_name":"/dev/loop0","vg_name":"","pv_uuid":"x"}]}]}'), [{ pvName: '/dev/loop0', vgName: '', uuid: 'x' }]));
  it('reads vg identity counts', () => assert.deepEqual(parseVgIdentity('{"report":[{"vg":[{"vg_name":"a","vg_uuid":"U","lv_count":"0","pv_count":"2"}]}]}'), [{ name: 'a', uuid: 'U', lvCount: 0, pvCount: 2 }]));
  const garbage: [string, () => unknown, RegExp][] = [
    ['not JSON', () => parseVgs('  Volume group "x" not found'), /vgs: output is not JSON/],
    ['no report', () => parseLvs('{"lv":[]}'), /lvs: not an LVM "lv" report/],
    ['a size with a unit suffix', () => parseVgs('{"report":[{"vg":[{"vg_name":"a","vg_size":"60.00m","vg_free":"0","vg_extent_size":"4194304"}]}]}'), /vg_size is "60.00m", expected a byte count/],
    ['a missing size', () => parseLvs('{"report":[{"lv":[{"lv_name":"a","vg_name":"v","lv_attr":"-wi-a-----"}]}]}'), /lv_size is missing/],
    ['a missing pv_name', () => parsePvs('{"report":[{"pv":[{"vg_name":"v"}]}]}'), /field pv_name is missing/],
    ['a non-numeric data_percent', () => parseLvs('{"report":[{"lv":[{"lv_name":"a","vg_name":"v","lv_attr":"V","lv_size":"1","data_percent":"lots"}]}]}'), /data_percent is "lots"/],
  ];
  for (const [name, f, re] of garbage) it(`refuses ${name}`, () => assert.throws(f, re));
  it('readReport turns a parse error into a Read failure', () => assert.deepEqual(readReport(parseVgs, '{}').ok, false));
});

describe('parseWipefsJson', () => {
  it('reads nothing as no signature', () => assert.deepEqual(parseWipefsJson('', 'x'), []));
  it('refuses JSON that is not wipefs output', () => assert.throws(() => parseWipefsJson('{"signatures":[{"offset":438}]}', 'x'), /not wipefs JSON/));
});
