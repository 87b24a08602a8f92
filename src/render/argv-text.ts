// An argv as a person would type it in a POSIX shell: each word that is not plainly safe
// is single-quoted (a single quote becomes '\''), so pasting it runs exactly that argv.
// Display only: kvmio itself never runs a shell string (exec.ts takes argv arrays).

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export const shellWord = (a: string): string => (SAFE.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

export const argvText = (argv: readonly string[]): string => argv.map(shellWord).join(' ');
