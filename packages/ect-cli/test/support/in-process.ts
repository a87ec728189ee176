import type { CliIo } from "../../src/index.js";

/** A captured output stream for in-process runs of `runCli`. */
export interface CapturedOutput {
  write(text: string): void;
  readonly isTTY: boolean;
  readonly columns: number;
  text(): string;
}

/** An output stream that records what is written; `isTTY` as asked. */
export function capture(isTTY = false): CapturedOutput {
  let text = "";
  return {
    write(chunk: string) {
      text += chunk;
    },
    isTTY,
    columns: 80,
    text: () => text,
  };
}

/** Streams for `runCli`: captured stdout/stderr, the given stdin chunks. */
export function inProcessIo(options: {
  readonly stdin?: AsyncIterable<string>;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  readonly clock?: () => number;
  readonly stderrIsTTY?: boolean;
}): CliIo & { readonly stdout: CapturedOutput; readonly stderr: CapturedOutput } {
  return {
    stdin: options.stdin ?? (async function* () {})(),
    stdout: capture(),
    stderr: capture(options.stderrIsTTY ?? false),
    env: options.env ?? {},
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  };
}
