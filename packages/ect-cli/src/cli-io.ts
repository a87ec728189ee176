/** Where a {@link CliOutput} writes: the process's stdout/stderr, or a buffer in tests. */
export interface CliOutput {
  /** Writes text (UTF-8). */
  write(text: string): unknown;
  /** True when the stream is a terminal: progress bars are drawn only then. */
  readonly isTTY?: boolean;
  /** Terminal width in columns, when known. */
  readonly columns?: number;
}

/** The streams and environment a run of the `ect` command uses; `runCli` takes one. */
export interface CliIo {
  /** Standard input: tokens and JSON Lines are read from it when a command is given `-`. */
  readonly stdin: AsyncIterable<string | Uint8Array> & {
    /** True when stdin is a terminal (nothing is piped in). */
    readonly isTTY?: boolean;
  };
  /** Standard output: results only, so it can be piped. */
  readonly stdout: CliOutput;
  /** Standard error: errors, warnings, progress. */
  readonly stderr: CliOutput;
  /** Environment variables (`ECT_*` of profile §4, `ECT_DEBUG`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against (default `process.cwd()`). */
  readonly cwd?: string;
  /** The clock, milliseconds since the epoch (default `Date.now`). */
  readonly clock?: () => number;
}
