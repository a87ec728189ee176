import type { LedgerEntry } from "ect-core";
import { ExitCode, type ExitStatus, failure, usageError } from "../cli-error.js";
import { type Command, type CommandContext, flagOption, stringOption } from "../command-context.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { displayText, isoTime, relativeTime, safeJson, shortHash } from "../terminal-text.js";
import { LEDGER_OPTIONS, readFromLedger } from "./ledger-options.js";

const headSpec: CommandSpec = {
  name: "ledger head",
  summary: "print the number of entries and the latest checkpoint",
  usage: ["--ledger LEDGER [--json]"],
  description:
    "Prints the head of the ledger: the number of entries (the last seq) and the size and root of the latest " +
    "checkpoint (profile §7). Keep the root somewhere else (a log, a ticket): any later change to an entry it " +
    "covers changes it.",
  options: {
    ...LEDGER_OPTIONS,
    json: { type: "boolean", description: 'print {"seq", "checkpointSize", "root"}' },
  },
  positionals: { min: 0, max: 0, name: "" },
  examples: ["ect ledger head --ledger ledger.jsonl"],
};

async function runHead(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  return readFromLedger(context, parsed, async (ledger) => {
    const seq = await ledger.size();
    const checkpoint = await ledger.latestCheckpoint();
    const head = {
      seq,
      checkpointSize: checkpoint?.size ?? 0,
      root: checkpoint === undefined ? null : Buffer.from(checkpoint.root).toString("base64"),
    };
    context.out(
      flagOption(parsed, "json")
        ? `${safeJson(head)}\n`
        : `seq ${head.seq}\ncheckpoint ${head.checkpointSize} ${head.root ?? "(none)"}\n`,
    );
    return ExitCode.OK;
  });
}

const showSpec: CommandSpec = {
  name: "ledger show",
  summary: "print ledger entries",
  usage: ["--ledger LEDGER [--wid UUID | --seq N] [--tokens] [--json]"],
  description:
    "Prints the entries of the ledger in sequence order: all of them, one workflow's (--wid), or one entry (--seq). " +
    "The claims shown are the stored tokens' claims, as checked when they were appended.",
  options: {
    ...LEDGER_OPTIONS,
    wid: {
      type: "string",
      value: "UUID",
      description: "only this workflow's entries ('none' for tokens without wid)",
    },
    seq: { type: "string", value: "N", description: "only the entry with this sequence number" },
    tokens: { type: "boolean", description: "also print each token as stored" },
    json: { type: "boolean", description: "print a JSON array of entries (with claims and tokens)" },
  },
  positionals: { min: 0, max: 0, name: "" },
  examples: [
    "ect ledger show --ledger ledger.jsonl --wid 1b4e28ba-2fa1-41d2-883f-0016d3cca427",
    "ect ledger show --ledger ledger.jsonl --seq 3 --json",
  ],
};

/** `--wid UUID`, or `none` for the scope without wid. */
export function widOption(value: string): string | null {
  return value === "none" ? null : value;
}

async function runShow(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  const widText = stringOption(parsed, "wid");
  const seqText = stringOption(parsed, "seq");
  if (widText !== undefined && seqText !== undefined) throw usageError("give --wid or --seq, not both");
  let seq: number | undefined;
  if (seqText !== undefined) {
    if (!/^[1-9]\d{0,15}$/.test(seqText))
      throw usageError(`--seq ${JSON.stringify(seqText)} is not a sequence number (1, 2, 3, ...)`);
    seq = Number(seqText);
  }
  return readFromLedger(context, parsed, async (ledger) => {
    let entries: readonly LedgerEntry[];
    if (seq !== undefined) {
      const entry = await ledger.getByIndex(seq - 1);
      if (entry === undefined) {
        const size = await ledger.size();
        throw failure(`no entry with seq ${seq}`, `the ledger holds entries 1 to ${size}`);
      }
      entries = [entry];
    } else if (widText !== undefined) {
      entries = await ledger.listWorkflow(widOption(widText));
    } else {
      entries = await ledger.range({});
    }
    if (flagOption(parsed, "json")) {
      context.out(
        `${safeJson(
          entries.map((e) => ({
            seq: e.index + 1,
            index: e.index,
            jti: e.jti,
            wid: e.wid,
            iss: e.iss,
            ingestedAt: e.ingestedAt,
            wit: e.wit,
            leafHash: e.leafHash,
            claims: e.claims,
            token: e.token,
          })),
        )}\n`,
      );
      return ExitCode.OK;
    }
    if (entries.length === 0) {
      context.out(
        widText === undefined ? "the ledger is empty\n" : `no entries with wid ${displayText(widText)}\n`,
      );
      return ExitCode.OK;
    }
    const nowSec = context.now() / 1000;
    const showTokens = flagOption(parsed, "tokens");
    const blocks = entries.map((e) => {
      const pred =
        Array.isArray(e.claims.pred) && e.claims.pred.length > 0
          ? e.claims.pred.map((p) => displayText(String(p))).join(", ")
          : "(none)";
      const lines = [
        `seq ${e.index + 1}  ingested ${isoTime(e.ingestedAt) ?? "?"} (${relativeTime(e.ingestedAt / 1000, nowSec)})`,
        `  jti       ${displayText(e.jti)}`,
        `  wid       ${e.wid === null ? "(none)" : displayText(e.wid)}`,
        `  iss       ${displayText(e.iss)}`,
        `  exec_act  ${displayText(String(e.claims.exec_act))}`,
        `  pred      ${pred}`,
        `  leaf      ${shortHash(e.leafHash)}`,
      ];
      if (showTokens) lines.push(`  token     ${displayText(e.token)}`);
      return lines.join("\n");
    });
    context.out(`${blocks.join("\n")}\n`);
    return ExitCode.OK;
  });
}

/** `ect ledger head`. */
export const ledgerHeadCommand: Command = { spec: headSpec, run: runHead };
/** `ect ledger show`. */
export const ledgerShowCommand: Command = { spec: showSpec, run: runShow };
