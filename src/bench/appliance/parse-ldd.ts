// ldd's output → the absolute paths of the shared objects a binary needs, the loader
// included. Lines look like (glibc elf/ldd.bash.in, rtld --list):
//   libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x…)
//   /lib64/ld-linux-x86-64.so.2 (0x…)
//   linux-vdso.so.1 (0x…)            ← in the kernel, no file
//   libfoo.so.1 => not found          ← the binary cannot run: an error
import { KvmioError } from '../../errors.js';

export function parseLdd(binary: string, text: string): string[] {
  const paths: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('linux-vdso') || line.startsWith('linux-gate')) continue;
    if (/statically linked|not a dynamic executable/.test(line)) return [];
    const arrow = /^(\S+) => (.*?)(?: \(0x[0-9a-f]+\))?$/.exec(line);
    if (arrow) {
      const target = arrow[2] ?? '';
      if (target === 'not found') throw new KvmioError('failed', `${binary}: library ${arrow[1] ?? '?'} not found by ldd; expected every library of the binary to resolve`);
      if (target.startsWith('/')) paths.push(target);
      continue;
    }
    const loader = /^(\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (loader?.[1]) paths.push(loader[1]);
  }
  return [...new Set(paths)];
}
