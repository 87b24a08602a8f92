// The one narrow port every probe reads through: the local machine, a recorded dump
// directory, or (later) a remote host's dump sent over SSH. Reads never throw: a value
// that cannot be had comes back with the reason, so audits can report SKIP, not crash.

export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export const ok = <T>(value: T): Read<T> => ({ ok: true, value });
export const missing = (reason: string): Read<never> => ({ ok: false, reason });

/** A command the probe may run: a stable name (the dump's file name) and its argv. */
export interface CommandSpec {
  readonly name: string;
  readonly argv: readonly string[];
  readonly timeoutMs?: number;
}

export interface CommandOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `rw`: can the path be opened read-write (e.g. /dev/kvm); `direct`: read-only with O_DIRECT. */
export type OpenMode = 'rw' | 'direct';

export interface OpenResult {
  readonly opened: boolean;
  /** errno name and message when it could not be opened */
  readonly error?: string;
}

export interface Source {
  /** "local", "dump:/path" or "ssh:host", for messages. */
  readonly label: string;
  readText(path: string): Promise<Read<string>>;
  /** Entry names, sorted. */
  listDir(path: string): Promise<Read<readonly string[]>>;
  /** The raw target of a symbolic link. */
  readLink(path: string): Promise<Read<string>>;
  run(cmd: CommandSpec): Promise<Read<CommandOutput>>;
  tryOpen(path: string, mode: OpenMode): Promise<Read<OpenResult>>;
}

/** Reads a file and trims it: sysfs and procfs values end with a newline. */
export async function readTrimmed(src: Source, path: string): Promise<Read<string>> {
  const r = await src.readText(path);
  return r.ok ? ok(r.value.trim()) : r;
}

/** The value, or undefined when it could not be read. */
export const valueOf = <T>(r: Read<T>): T | undefined => (r.ok ? r.value : undefined);
