// `kvmio vm audit | head -1`: once the reader exits, the next write to stdout fails with
// EPIPE (pipe(7); Node ignores SIGPIPE and reports it as an 'error' event on the stream,
// which would crash with a stack trace). Like coreutils under SIGPIPE, stop quietly: the
// reader has what it wanted. Exit 0: nothing failed from the reader's point of view.
import type { Writable } from 'node:stream';

export function exitQuietlyOnClosedPipe(stream: Writable, exit: (code: number) => void = (c) => process.exit(c)): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') exit(0);
    else throw e;
  });
}
