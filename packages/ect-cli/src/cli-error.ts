import type { EctErrorCode } from "ect-core";

/**
 * Exit statuses of the `ect` command: 0 success; 1 the command ran and the answer is "no" (a
 * token refused, an audit with problems, an append not stored); 2 the command could not run as
 * asked (bad arguments, unreadable or malformed input files, invalid `ECT_*` environment); 3 an
 * internal error (a bug: rerun with `ECT_DEBUG=1` for the stack).
 */
export const ExitCode = {
  /** Success. */
  OK: 0,
  /** A refusal or failure: token refused, audit problems, append not stored. */
  FAILED: 1,
  /** A usage or input error: arguments, input files, environment. */
  USAGE: 2,
  /** An unexpected internal error. */
  INTERNAL: 3,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitStatus = (typeof ExitCode)[keyof typeof ExitCode];

/** Options of a {@link CliError}. */
interface CliErrorOptions {
  /** The exit status. */
  readonly exitCode: ExitStatus;
  /** The stable ECT error code, when the failure has one. */
  readonly code?: EctErrorCode | undefined;
  /** What to do about it, printed after the message. */
  readonly hint?: string | undefined;
  /** The underlying error. */
  readonly cause?: unknown;
}

/** An error the command reports as one line (plus a hint) and an exit status: never a stack trace. */
export class CliError extends Error {
  /** The exit status the command ends with. */
  readonly exitCode: ExitStatus;
  /** The stable ECT error code, when the failure has one. */
  readonly code: EctErrorCode | undefined;
  /** What to do about it, printed as `hint: ...`. */
  readonly hint: string | undefined;

  /**
   * @param message - one line saying what is wrong (the command name is prefixed when printed).
   * @param options - the exit status, and optionally an ECT error code, a hint and a cause.
   */
  constructor(message: string, options: CliErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.exitCode = options.exitCode;
    this.code = options.code;
    this.hint = options.hint;
  }
}

/** A usage or input error (exit 2). */
export function usageError(message: string, hint?: string, code?: EctErrorCode): CliError {
  return new CliError(message, { exitCode: ExitCode.USAGE, hint, code });
}

/** A refusal or failure (exit 1). */
export function failure(message: string, hint?: string, code?: EctErrorCode): CliError {
  return new CliError(message, { exitCode: ExitCode.FAILED, hint, code });
}
