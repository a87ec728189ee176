import { readFileSync } from "node:fs";
import { EctConfigError, isEctError } from "ect-core";
import { CliError, ExitCode, type ExitStatus } from "./cli-error.js";
import type { CliIo } from "./cli-io.js";
import { type Command, createContext } from "./command-context.js";
import { closest, parseCommand, renderHelp } from "./command-spec.js";
import { createCommand } from "./commands/create.js";
import { graphCommand } from "./commands/graph.js";
import { inspectCommand } from "./commands/inspect.js";
import { keygenCommand } from "./commands/keygen.js";
import { ledgerAppendCommand } from "./commands/ledger-append.js";
import { ledgerAuditCommand } from "./commands/ledger-audit.js";
import { ledgerCheckpointCommand } from "./commands/ledger-checkpoint.js";
import { ledgerConsistencyCommand } from "./commands/ledger-consistency.js";
import { ledgerKeygenCommand } from "./commands/ledger-keygen.js";
import { ledgerProveCommand } from "./commands/ledger-prove.js";
import { ledgerHeadCommand, ledgerShowCommand } from "./commands/ledger-read.js";
import { ledgerExportCommand, ledgerImportCommand } from "./commands/ledger-transfer.js";
import { receiptVerifyCommand } from "./commands/receipt-verify.js";
import { verifyCommand } from "./commands/verify.js";
import { displayText } from "./terminal-text.js";

const TOP_COMMANDS: readonly Command[] = [
  keygenCommand,
  createCommand,
  verifyCommand,
  inspectCommand,
  graphCommand,
];
const LEDGER_COMMANDS: readonly Command[] = [
  ledgerAppendCommand,
  ledgerAuditCommand,
  ledgerExportCommand,
  ledgerImportCommand,
  ledgerHeadCommand,
  ledgerShowCommand,
  ledgerKeygenCommand,
  ledgerCheckpointCommand,
  ledgerProveCommand,
  ledgerConsistencyCommand,
];
const RECEIPT_COMMANDS: readonly Command[] = [receiptVerifyCommand];

/** The package version, from its package.json. */
export function cliVersion(): string {
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

function row(name: string, summary: string): string {
  return `  ${name.padEnd(16)}${summary}`;
}

function mainHelp(): string {
  return [
    `ect ${cliVersion()}: Execution Context Tokens (draft-nennemann-wimse-ect) from the command line`,
    "",
    "Usage: ect <command> [options]",
    "",
    "Commands:",
    ...TOP_COMMANDS.slice(0, 4).map((c) => row(c.spec.name, c.spec.summary)),
    row("ledger", "append, audit, export, import, head, show an audit ledger (memory file or Redis)"),
    row("receipt verify", receiptVerifyCommand.spec.summary),
    row(graphCommand.spec.name, graphCommand.spec.summary),
    row("help [COMMAND]", "show the help of a command, e.g. 'ect help ledger audit'"),
    "",
    "Options:",
    "  -h, --help      show help (also after any command: 'ect verify --help')",
    "  -V, --version   print the version",
    "",
    "Exit status:",
    "  0 success; 1 refused or failed (a token refused, an audit with problems, an append not stored);",
    "  2 usage or input error (arguments, unreadable or malformed files, invalid environment); 3 internal error.",
    "",
    "Environment (profile §4; an invalid value is an error, exit 2):",
    "  ECT_IAT_MAX_AGE_MINUTES (15)  ECT_IAT_MAX_FUTURE_SEC (30)  ECT_DEFAULT_EXPIRY_MIN (10)",
    "  ECT_JTI_REPLAY_CACHE_SIZE (100000)  ECT_JTI_REPLAY_TTL_MIN (15)",
    "  ECT_DEBUG=1 prints the stack trace of an internal error.",
    "",
    "A first session:",
    "  ect keygen --out a.key.json > a.jwks.json",
    "  ect create --key a.key.json --iss spiffe://example.org/a --aud spiffe://example.org/b --exec-act summarise --out task.jwt",
    "  ect verify @task.jwt --trust spiffe://example.org/a=a.jwks.json --verifier-id spiffe://example.org/b",
    "  ect ledger append --ledger ledger.jsonl --trust spiffe://example.org/a=a.jwks.json @task.jwt",
    "",
    "Conventions: --out FILE writes a command's output to FILE (never overwriting without --force); --json prints",
    "one JSON document on stdout; a TOKEN argument may be @FILE or - (stdin); --trust ISS=FILE binds the keys",
    "of FILE to the issuer ISS and nothing else (profile §5.5).",
    "",
  ].join("\n");
}

function ledgerHelp(): string {
  return [
    "ect ledger: an append-only, hash-chained audit ledger of ECTs (profile §7)",
    "",
    "Usage: ect ledger <command> --ledger LEDGER [options]",
    "",
    "Commands:",
    ...LEDGER_COMMANDS.map((c) => row(c.spec.name.slice("ledger ".length), c.spec.summary)),
    "",
    "LEDGER is a file path such as ledger.jsonl (a JSON Lines file: loaded at start, hashes checked, rewritten",
    "atomically under a lock after append/import; memory:PATH is the same) or redis://[user:password@]HOST:PORT[/DB]",
    "with --ledger-id ID.",
    "",
    "Run 'ect help ledger <command>' for the options of one command.",
    "",
  ].join("\n");
}

type Resolved =
  | { readonly kind: "command"; readonly command: Command; readonly rest: readonly string[] }
  | { readonly kind: "ledger-group" };

function resolveCommand(words: readonly string[]): Resolved {
  const [first, second] = words;
  if (first === "ledger") {
    if (second === undefined || second.startsWith("-")) return { kind: "ledger-group" };
    const command = LEDGER_COMMANDS.find((c) => c.spec.name === `ledger ${second}`);
    if (command === undefined) {
      const names = LEDGER_COMMANDS.map((c) => c.spec.name.slice("ledger ".length));
      const suggestion = closest(second, names);
      throw new CliError(`unknown ledger command ${JSON.stringify(displayText(second))}`, {
        exitCode: ExitCode.USAGE,
        hint: `${suggestion ? `did you mean 'ect ledger ${suggestion}'? ` : ""}commands: ${names.join(", ")}`,
      });
    }
    return { kind: "command", command, rest: words.slice(2) };
  }
  if (first === "receipt") {
    const command = RECEIPT_COMMANDS.find((c) => c.spec.name === `receipt ${second}`);
    if (command === undefined) {
      throw new CliError(`unknown receipt command ${JSON.stringify(displayText(second ?? ""))}`, {
        exitCode: ExitCode.USAGE,
        hint: "'ect receipt verify --help'",
      });
    }
    return { kind: "command", command, rest: words.slice(2) };
  }
  const command = TOP_COMMANDS.find((c) => c.spec.name === first);
  if (command === undefined) {
    const names = [...TOP_COMMANDS.map((c) => c.spec.name), "ledger", "receipt", "help"];
    const suggestion = first === undefined ? undefined : closest(first, names);
    throw new CliError(`unknown command ${JSON.stringify(displayText(first ?? ""))}`, {
      exitCode: ExitCode.USAGE,
      hint: `${suggestion ? `did you mean 'ect ${suggestion}'? ` : ""}see 'ect --help'`,
    });
  }
  return { kind: "command", command, rest: words.slice(1) };
}

function helpFor(words: readonly string[]): string {
  if (words.length === 0) return mainHelp();
  const resolved = resolveCommand(words);
  return resolved.kind === "ledger-group" ? ledgerHelp() : renderHelp(resolved.command.spec);
}

/**
 * Runs the `ect` command in-process: parses `argv` (the arguments after `ect`), runs the command
 * with the given streams and returns its exit status (see {@link ExitCode}). It never throws and
 * never exits the process: user errors are one line plus a hint on stderr; an unexpected internal
 * error is one line plus a hint to rerun with `ECT_DEBUG=1`, which adds its stack trace.
 *
 * @example
 * ```ts
 * import { runCli } from "ect-cli";
 *
 * process.exitCode = await runCli(process.argv.slice(2), {
 *   stdin: process.stdin,
 *   stdout: process.stdout,
 *   stderr: process.stderr,
 *   env: process.env,
 * });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitStatus> {
  const context = createContext(io);
  let name = "ect";
  try {
    const [first] = argv;
    if (first === undefined) {
      context.err(mainHelp());
      return ExitCode.USAGE;
    }
    if (first === "--version" || first === "-V") {
      context.out(`${cliVersion()}\n`);
      return ExitCode.OK;
    }
    if (first === "--help" || first === "-h") {
      context.out(mainHelp());
      return ExitCode.OK;
    }
    if (first === "help") {
      context.out(helpFor(argv.slice(1).filter((w) => w !== "--help" && w !== "-h")));
      return ExitCode.OK;
    }
    if (first.startsWith("-")) {
      throw new CliError(`unknown option ${JSON.stringify(displayText(first))}`, {
        exitCode: ExitCode.USAGE,
        hint: "options come after the command, e.g. 'ect verify --help'; see 'ect --help'",
      });
    }
    const resolved = resolveCommand(argv);
    if (resolved.kind === "ledger-group") {
      const wantsHelp = argv[1] === "--help" || argv[1] === "-h";
      if (wantsHelp) context.out(ledgerHelp());
      else context.err(ledgerHelp());
      return wantsHelp ? ExitCode.OK : ExitCode.USAGE;
    }
    const { command, rest } = resolved;
    name = `ect ${command.spec.name}`;
    const parsed = parseCommand(command.spec, rest);
    if (parsed.help) {
      context.out(renderHelp(command.spec));
      return ExitCode.OK;
    }
    return await command.run(context, parsed);
  } catch (error) {
    return reportError(context.err, io.env, name, error);
  }
}

function reportError(
  write: (text: string) => void,
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  error: unknown,
): ExitStatus {
  if (error instanceof CliError) {
    write(`${name}: ${error.message}\n`);
    if (error.hint) write(`hint: ${error.hint}\n`);
    return error.exitCode;
  }
  if (error instanceof EctConfigError) {
    // A configuration mistake (an env variable, a flag value passed through as an option): a usage error.
    write(`${name}: ${displayText(error.message)}\n`);
    return ExitCode.USAGE;
  }
  if (isEctError(error)) {
    // A library refusal the command did not turn into its own message (e.g. a Redis ledger that is unreachable).
    write(`${name}: ${error.code}: ${displayText(error.message)}\n`);
    if (error.code === "ECT_LEDGER_UNAVAILABLE")
      write("hint: is the Redis server running and reachable at the --ledger URL?\n");
    return error.code === "ECT_CONFIG_INVALID" ? ExitCode.USAGE : ExitCode.FAILED;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  write(`${name}: internal error: ${displayText(message)}\n`);
  if (env["ECT_DEBUG"] === "1" && error instanceof Error && error.stack) write(`${error.stack}\n`);
  else write("hint: this is a bug in ect; rerun with ECT_DEBUG=1 for the stack trace and report it\n");
  return ExitCode.INTERNAL;
}
