/** What the command line asked for. */
export interface DemoOptions {
  /** Print one JSON document instead of the human report. */
  readonly json: boolean;
  /** Write a self-contained HTML report to this path. */
  readonly out: string | undefined;
  /** `redis://host:port` or `postgres://user@host/db` for a server ledger; the memory ledger when absent. */
  readonly ledger: string | undefined;
  /** Colour: forced on/off, or decided from the terminal. */
  readonly color: boolean | undefined;
  /** Show the usage and exit. */
  readonly help: boolean;
  /** Run the WIMSE mode (profile §9): WIT + WPT + ECT on every hop, and the WIMSE attacks. */
  readonly wimse: boolean;
}

/** The usage text. */
export const USAGE = `Usage: ect-demo [--json] [--out report.html] [--ledger redis://host:port | postgres://user@host/db] [--no-color]

  A loan application reviewed by five agents over HTTP on 127.0.0.1. Every hop carries an
  Execution Context Token that the receiver verifies; every task is appended to a hash-chained
  audit ledger. Then the attacks: each must be refused with its error code.

  --json             one JSON document on stdout (steps, attacks and codes, audit trail, DAG)
  --out FILE         also write a self-contained HTML report (inline SVG, no external resources)
  --ledger URL       use the Redis ledger at redis://host:port, or the PostgreSQL ledger at
                     postgres://user@host/db, instead of the in-memory one
  --wimse            WIMSE mode: a local identity server issues each agent a WIT; every hop carries
                     WIT, WPT and ECT (signed with the WIT's key), kept in a memory ledger with the WIT;
                     the WIMSE attacks (not with --out or --ledger)
  --color/--no-color force colours on or off (default: on when stdout is a terminal and NO_COLOR is unset)
  -h, --help         this text

  Exit status: 0 when every expected outcome happened, 1 when one differed, 2 for a usage error.`;

/** A command-line mistake. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parses `process.argv.slice(2)`. */
export function parseDemoArgs(argv: readonly string[]): DemoOptions {
  let json = false;
  let out: string | undefined;
  let ledger: string | undefined;
  let color: boolean | undefined;
  let help = false;
  let wimse = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] =
      arg.startsWith("--") && arg.includes("=") ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case "--json":
        json = true;
        break;
      case "--out":
        out = value();
        break;
      case "--ledger": {
        const url = value();
        if (!/^(rediss?|postgres(ql)?):\/\/[^\s]+$/.test(url)) {
          throw new UsageError("--ledger takes a redis://host:port or postgres://user@host/db URL");
        }
        ledger = url;
        break;
      }
      case "--wimse":
        wimse = true;
        break;
      case "--color":
        color = true;
        break;
      case "--no-color":
        color = false;
        break;
      case "-h":
      case "--help":
        help = true;
        break;
      case "--":
        break;
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (wimse && out !== undefined) throw new UsageError("--wimse has no HTML report: use --json");
  if (wimse && ledger !== undefined)
    throw new UsageError("--wimse keeps its own memory ledger: drop --ledger");
  return { json, out, ledger, color, help, wimse };
}

/** Colour on a TTY unless NO_COLOR is set (https://no-color.org), or as forced. */
export function useColor(options: DemoOptions, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (options.color !== undefined) return options.color;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return stream.isTTY === true;
}
