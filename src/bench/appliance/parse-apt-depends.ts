// `apt-cache depends linux-image-cloud-amd64` → the versioned kernel package the
// metapackage points at (e.g. linux-image-6.1.0-57-cloud-amd64). Output shape
// (apt-pkg/cacheset, apt-private/private-depends.cc):
//   linux-image-cloud-amd64
//     Depends: linux-image-6.1.0-57-cloud-amd64
import { KvmioError } from '../../errors.js';

export function parseKernelDependency(metapackage: string, text: string): string {
  const names = [...text.matchAll(/^\s*\|?Depends: (\S+)/gm)].map((m) => m[1] ?? '').filter((n) => /^linux-image-\d[\w.+-]*$/.test(n));
  const first = names[0];
  if (first === undefined) throw new KvmioError('failed', `apt-cache depends ${metapackage}: no linux-image-VERSION dependency found; expected a line like "Depends: linux-image-6.1.0-NN-cloud-amd64"`, { hint: 'run apt-get update, or pass --kernel PATH' });
  return first;
}
