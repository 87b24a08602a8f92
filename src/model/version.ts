// A dotted version of QEMU, libvirt or the kernel (parsed and compared in decide/version.ts).
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}
