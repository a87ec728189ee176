import { existsSync } from "node:fs";
import { EctError, isEctError } from "ect-core";
import { toHex } from "ect-core/internal";
import { ExitCode, type ExitStatus, usageError } from "../cli-error.js";
import {
  type Command,
  type CommandContext,
  flagOption,
  listOption,
  stringOption,
} from "../command-context.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { readSmallFile, resolvePath, utf8Text } from "../input-files.js";
import { displayText, isoTime, safeJson } from "../terminal-text.js";
import { readTokenOrFile } from "../token-input.js";

const spec: CommandSpec = {
  name: "receipt verify",
  summary: "check a ledger receipt offline (tlog-proof)",
  usage: ["--receipt FILE --vkey VKEY|FILE... [--origin ORIGIN] [--token TOKEN|@FILE] [--json]"],
  description:
    "Checks a c2sp.org/tlog-proof@v1 receipt from 'ect ledger prove' with nothing but the ledger's published note " +
    "verifier key (profile §7): reads the entry's leaf input back from the receipt's extra line (the token, its " +
    "ingestion time and WIT), recomputes the leaf hash, checks the checkpoint's signature by the key named after " +
    "its origin, and the inclusion proof from the leaf to the checkpoint's root. With --token it also checks that " +
    "the receipt is for that token.\n" +
    "Exit 0 prints what the receipt proves; exit 1 prints the error code and message (the receipt is malformed, " +
    "for another token, not signed by a trusted key, or its proof fails); exit 2 is a usage error.",
  options: {
    receipt: {
      type: "string",
      value: "FILE",
      required: true,
      description: "the receipt (a .tlog-proof file)",
    },
    vkey: {
      type: "string",
      value: "VKEY",
      multiple: true,
      required: true,
      description:
        "a trusted ledger key <name>+<key id hex>+<base64 key>, or a file holding one (repeatable)",
    },
    origin: { type: "string", value: "ORIGIN", description: "refuse a checkpoint of another origin" },
    token: {
      type: "string",
      value: "TOKEN|@FILE",
      description: "refuse a receipt that is not for this token",
    },
    json: {
      type: "boolean",
      description: "print the result (or the refusal) as one JSON document on stdout",
    },
  },
  positionals: { min: 0, max: 0, name: "" },
  guesses: {
    "--key": "--vkey VKEY (the ledger's public note key, as 'ect ledger keygen' printed it)",
    "--trust": "--vkey VKEY (a receipt is checked with the ledger's note key, not an issuer's keys)",
  },
  examples: [
    "ect receipt verify --receipt entry.tlog-proof --vkey ledger.vkey",
    "ect receipt verify --receipt entry.tlog-proof --vkey 'ect.example.org/ledger/orders+1a2b3c4d+AT...' --token @task.jwt",
  ],
};

/** A --vkey value: the key itself, or a file holding it (surrounding whitespace ignored). */
async function readVkey(context: CommandContext, value: string): Promise<string> {
  const looksLikeKey = /^[^+\s]+\+[0-9a-f]{8}\+/.test(value);
  if (looksLikeKey || !existsSync(resolvePath(context.io, value))) return value;
  return utf8Text(await readSmallFile(context.io, value, "vkey file"), "vkey file", value).trim();
}

function errorLine(error: EctError): string {
  return `${error.code}${error.member === undefined ? "" : ` (${displayText(error.member)})`}: ${displayText(error.message)}`;
}

async function run(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  const receiptPath = stringOption(parsed, "receipt")!;
  const json = flagOption(parsed, "json");
  const { noteVerifierFromVkey, verifyTlogProof } = await import("ect-ledger");
  const verifiers = [];
  for (const value of listOption(parsed, "vkey")) {
    const vkey = await readVkey(context, value);
    try {
      verifiers.push(noteVerifierFromVkey(vkey));
    } catch (error) {
      if (!isEctError(error)) throw error;
      throw usageError(
        `--vkey ${JSON.stringify(displayText(value))} is not a note verifier key: ${error.message}`,
        "give the key as 'ect ledger keygen' printed it: <name>+<key id hex>+<base64 key>",
        error.code,
      );
    }
  }
  const tokenValue = stringOption(parsed, "token");
  const token = tokenValue === undefined ? undefined : await readTokenOrFile(context, tokenValue, "--token");
  const origin = stringOption(parsed, "origin");
  const receipt = await readSmallFile(context.io, receiptPath, "receipt");
  try {
    const result = await verifyTlogProof(receipt, {
      verifiers,
      ...(origin === undefined ? {} : { origin }),
      ...(token === undefined ? {} : { token }),
    });
    if (json) {
      context.out(
        `${safeJson({
          valid: true,
          index: result.index,
          treeSize: result.treeSize,
          origin: result.origin,
          root: Buffer.from(result.root).toString("base64"),
          leafHash: toHex(result.leafHash),
          ingestedAt: result.ingestedAt,
          wit: result.wit,
          token: result.token,
        })}\n`,
      );
    } else {
      context.out(
        [
          `receipt OK: entry ${result.index} is in ${displayText(result.origin)} at tree size ${result.treeSize}`,
          `ingested at ${isoTime(result.ingestedAt) ?? result.ingestedAt}${result.wit === null ? "" : " (on a WIT)"}`,
          `token ${result.token}`,
          "",
        ].join("\n"),
      );
    }
    return ExitCode.OK;
  } catch (error) {
    if (!(error instanceof EctError)) throw error;
    if (json) context.out(`${safeJson({ valid: false, error: error.toJSON() })}\n`);
    else context.err(`refused: ${errorLine(error)}\n`);
    return ExitCode.FAILED;
  }
}

/** `ect receipt verify`. */
export const receiptVerifyCommand: Command = { spec, run };
