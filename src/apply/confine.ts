// --root confines: every component of a path kvmio writes under --root must resolve inside
// the root. Joining strings is not enough: ROOT/etc/tmpfiles.d may be a symlink to /etc
// (or ROOT/etc to /), and mkdir -p, rename and unlink all follow directory symlinks
// (path_resolution(7)). The nearest existing ancestor is resolved with realpath(3).
import { realPathOf } from './state-dir.js';

/** Why PATH (already under ROOT by name) leaves ROOT once resolved, or undefined. */
export function escapesRoot(root: string, path: string): string | undefined {
  if (root === '/' || root === '') return undefined;
  const realRoot = realPathOf(root);
  if (!(path === root || path.startsWith(`${root}/`))) return `${path} is outside --root ${root}`;
  const real = realPathOf(path);
  if (real === realRoot || real.startsWith(`${realRoot}/`)) return undefined;
  return `${path} resolves to ${real} (a symbolic link on the way), outside --root ${root}; kvmio writes only inside the root`;
}
