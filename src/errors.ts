// The one error type. Messages name the object, the value seen, the value expected
// and the fix (DESIGN.md, house style).

export type ErrorCode =
  | 'usage' // bad flag or bad input: exit 2
  | 'refused' // a safety guard tripped: exit 1
  | 'failed' // a tool or a write failed: exit 1
  | 'locked'; // another kvmio run holds the state lock: exit 1

export class KvmioError extends Error {
  override readonly name = 'KvmioError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.hint = opts.hint;
  }
}

export const usageError = (message: string, hint?: string): KvmioError =>
  new KvmioError('usage', message, hint === undefined ? {} : { hint });

export const refused = (message: string, hint?: string): KvmioError =>
  new KvmioError('refused', message, hint === undefined ? {} : { hint });

export function exitCodeOf(err: unknown): number {
  return err instanceof KvmioError && err.code === 'usage' ? 2 : 1;
}
