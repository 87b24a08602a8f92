// What every command gets: where to print, the environment, and the exit code to set.
// `run(argv, deps)` builds one, so tests run commands in-process.

export interface Output {
  write(text: string): void;
}

export interface CliDeps {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export interface Ctx extends CliDeps {
  /** 0 ok, 1 something failed or was refused, 2 usage error. */
  exitCode: number;
  print(text: string): void;
  json(value: unknown): void;
  warn(text: string): void;
}

export function makeCtx(deps: CliDeps): Ctx {
  const ctx: Ctx = {
    ...deps,
    exitCode: 0,
    print: (text) => deps.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    json: (value) => deps.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    warn: (text) => deps.stderr.write(`kvmio: ${text}\n`),
  };
  return ctx;
}
