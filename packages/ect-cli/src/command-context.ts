import { type EctConfig, EctConfigError, loadConfigFromEnv } from "ect-core";
import { type ExitStatus, usageError } from "./cli-error.js";
import type { CliIo } from "./cli-io.js";
import type { CommandSpec, ParsedCommand } from "./command-spec.js";

/** What a command runs with: the streams, the clock and the profile §4 configuration. */
export interface CommandContext {
  /** The streams and environment of the run. */
  readonly io: CliIo;
  /** Writes to stdout. */
  out(text: string): void;
  /** Writes to stderr. */
  err(text: string): void;
  /** Prints `warning: ...` on stderr. */
  warn(message: string): void;
  /** Milliseconds since the epoch. */
  now(): number;
  /** The profile §4 settings from the `ECT_*` environment variables (invalid ones: a usage error). */
  config(): EctConfig;
}

/** One command: its spec (parser and help) and what it does. */
export interface Command {
  /** Its options, help text and positional arguments. */
  readonly spec: CommandSpec;
  /** Runs it; throws a `CliError` (or an `EctError`) for what it refuses. */
  run(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus>;
}

/** Builds the context of a run. */
export function createContext(io: CliIo): CommandContext {
  let config: EctConfig | undefined;
  return {
    io,
    out: (text) => io.stdout.write(text),
    err: (text) => io.stderr.write(text),
    warn: (message) => io.stderr.write(`warning: ${message}\n`),
    now: () => (io.clock ?? Date.now)(),
    config() {
      if (config === undefined) {
        try {
          config = loadConfigFromEnv(io.env);
        } catch (error) {
          if (error instanceof EctConfigError) {
            throw usageError(
              `invalid environment: ${error.option.replace(/^env\./, "")}: ${error.message}`,
              "unset the variable or give it a whole number in range (see 'ect help', Environment)",
              error.code,
            );
          }
          throw error;
        }
      }
      return config;
    },
  };
}

/** A string option's value, or undefined. */
export function stringOption(parsed: ParsedCommand, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === "string" ? value : undefined;
}

/** A repeatable option's values, possibly empty. */
export function listOption(parsed: ParsedCommand, name: string): string[] {
  const value = parsed.values[name];
  return Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
}

/** A switch's value. */
export function flagOption(parsed: ParsedCommand, name: string): boolean {
  return parsed.values[name] === true;
}

/** A required string option, or a usage error naming it. */
export function requiredOption(parsed: ParsedCommand, spec: CommandSpec, name: string): string {
  const value = stringOption(parsed, name);
  if (value === undefined) {
    const option = spec.options[name];
    throw usageError(
      `missing --${name}${option?.value ? ` ${option.value}` : ""}`,
      `${option?.description ?? ""}; see 'ect help ${spec.name}'`.replace(/^; /, ""),
    );
  }
  return value;
}
