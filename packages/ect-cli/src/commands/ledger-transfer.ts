import { stat } from "node:fs/promises";
import { isEctError } from "ect-core";
import { ExitCode, type ExitStatus, failure, usageError } from "../cli-error.js";
import { type Command, type CommandContext, flagOption, stringOption } from "../command-context.js";
import { OUTPUT_OPTIONS, writeOutput } from "../command-output.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { fileLines, resolvePath, textLines } from "../input-files.js";
import { ledgerArguments, openLedger } from "../ledger-location.js";
import { createProgress } from "../progress.js";
import { LEDGER_OPTIONS, ledgerLocationOf, NOTE_KEY_OPTIONS, noteSignerOf } from "./ledger-options.js";

const exportSpec: CommandSpec = {
  name: "ledger export",
  summary: "write a ledger as JSON Lines",
  usage: ["--ledger LEDGER [--out FILE [--force]]"],
  description:
    "Writes the ledger as JSON Lines (profile §7): a header (format, origin, vkey), then entries, conflicts, checkpoints, " +
    "the format every ECT ledger backend exports and imports, to stdout or to FILE (written atomically, never " +
    "overwritten unless --force). A memory ledger file is checked while it loads: a tampered one is refused (audit it).",
  options: {
    ...LEDGER_OPTIONS,
    ...OUTPUT_OPTIONS,
  },
  positionals: { min: 0, max: 0, name: "" },
  examples: [
    "ect ledger export --ledger redis://127.0.0.1:6379 --ledger-id loans --out loans.jsonl",
    "ect ledger export --ledger ledger.jsonl | wc -l",
  ],
};

async function runExport(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  const location = ledgerLocationOf(context, parsed);
  if (stringOption(parsed, "out") === undefined && flagOption(parsed, "force"))
    throw usageError("--force applies to --out FILE only");
  const opened = await openLedger(context.io, location, { write: false, warn: context.warn });
  try {
    const { exportLedgerJsonl } = await import("ect-ledger");
    const lines = async function* () {
      for await (const line of exportLedgerJsonl(opened.ledger)) yield `${line}\n`;
    };
    const written = await writeOutput(context, parsed, lines());
    if (written !== undefined) {
      const size = await opened.ledger.size();
      context.err(`wrote ${size} entries to ${written} (head seq ${size})\n`);
    }
    return ExitCode.OK;
  } finally {
    await opened.close();
  }
}

const importSpec: CommandSpec = {
  name: "ledger import",
  summary: "load JSON Lines into an empty ledger",
  usage: ["--ledger LEDGER FILE|-"],
  description:
    "Loads JSON Lines written by 'ect ledger export' (from any backend) into an empty ledger. Every line is checked " +
    "before anything is stored: strict JSON, contiguous indexes, tokens that decode, leaf hashes that recompute, " +
    "checkpoints whose roots match (profile §7). Signatures and DAG rules are not re-run: audit the ledger afterwards.",
  options: { ...LEDGER_OPTIONS, ...NOTE_KEY_OPTIONS },
  positionals: { min: 1, max: 1, name: "FILE (or - for stdin)" },
  examples: [
    "ect ledger import --ledger redis://127.0.0.1:6379 --ledger-id loans loans.jsonl",
    "ect ledger export --ledger a.jsonl | ect ledger import --ledger b.jsonl -",
  ],
};

async function runImport(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  const location = ledgerLocationOf(context, parsed);
  const source = parsed.positionals[0]!;
  if (location.kind === "memory" && source !== "-" && resolvePath(context.io, source) === location.path) {
    throw usageError("the import file is the ledger file itself");
  }
  let total: number | undefined;
  if (source !== "-") {
    try {
      total = (await stat(resolvePath(context.io, source))).size;
    } catch {
      total = undefined; // fileLines reports it
    }
  }
  const lines =
    source === "-" ? textLines(context.io.stdin, "stdin") : fileLines(context.io, source, "import file");
  if (source === "-" && context.io.stdin.isTTY)
    throw usageError(
      "reading JSON Lines from stdin, but stdin is a terminal",
      "pipe them in, or give a FILE",
    );
  const noteSigner = await noteSignerOf(context, parsed);
  const opened = await openLedger(context.io, location, { write: true, warn: context.warn, noteSigner });
  const progress = createProgress({
    stream: context.io.stderr,
    clock: context.now,
    label: "importing",
    unit: total === undefined ? "lines" : "bytes",
    total,
  });
  try {
    const counted = async function* () {
      for await (const line of lines) {
        progress.tick(total === undefined ? 1 : Buffer.byteLength(line) + 1);
        yield line;
      }
    };
    const { importLedgerJsonl } = await import("ect-ledger");
    let result: Awaited<ReturnType<typeof importLedgerJsonl>>;
    try {
      result = await importLedgerJsonl(opened.ledger, counted());
    } catch (error) {
      if (isEctError(error)) {
        throw failure(
          `import refused, nothing stored: ${error.message}`,
          "the ledger must be empty and every line must check",
          error.code,
        );
      }
      throw error;
    } finally {
      progress.done();
    }
    await opened.save();
    context.out(`imported ${result.entries} entries into ${location.display}; head seq ${result.entries}\n`);
    context.err(
      `note: the import checked hashes and checkpoints only; run 'ect ledger audit ${ledgerArguments(location)} --trust ISS=FILE ...' to re-verify signatures and the DAG\n`,
    );
    return ExitCode.OK;
  } finally {
    await opened.close();
  }
}

/** `ect ledger export`. */
export const ledgerExportCommand: Command = { spec: exportSpec, run: runExport };
/** `ect ledger import`. */
export const ledgerImportCommand: Command = { spec: importSpec, run: runImport };
