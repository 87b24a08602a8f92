import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStorageController, normalizePciAddress, pciRole } from '../../src/decide/pci-class.js';

describe('PCI classes and addresses', () => {
  const roles: [number, string, boolean][] = [
    [0x010802, 'nvme', true], [0x010601, 'sata', true], [0x010700, 'sas', true], [0x010400, 'raid', true],
    [0x060400, 'bridge', false], [0x060100, 'other', false], [0x020000, 'network', false], [0x018000, 'storage-other', false], [0x030000, 'display', false],
  ];
  for (const [cls, role, storage] of roles) {
    it(`0x${cls.toString(16).padStart(6, '0')} is ${role}${storage ? ', a storage controller' : ''}`, () => {
      assert.equal(pciRole(cls), role);
      assert.equal(isStorageController(cls), storage);
    });
  }
  const addrs: [string, string | undefined][] = [['05:00.0', '0000:05:00.0'], ['0000:41:00.1', '0000:41:00.1'], ['0000:0A:00.0', '0000:0a:00.0'], ['05:00.8', undefined], ['nvme0', undefined], ['0000:05:00', undefined]];
  for (const [input, want] of addrs) it(`"${input}" → ${want ?? 'not an address'}`, () => assert.equal(normalizePciAddress(input), want));
});
