import { type EctError, isEctError } from "ect-core";
import type { AuditTokenVerifier } from "ect-core/internal";
import { ExitCode, type ExitStatus, usageError } from "../cli-error.js";
import { type Command, type CommandContext, flagOption, listOption } from "../command-context.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { fileLines, textLines } from "../input-files.js";
import { openLedger } from "../ledger-location.js";
import { displayText, safeJson, shortHash } from "../terminal-text.js";
import { readTokenArgument } from "../token-input.js";
import { KEY_BINDING_SECTION, loadTrust, TRUST_OPTIONS } from "../trust-options.js";
import { LEDGER_OPTIONS, ledgerLocationOf, NOTE_KEY_OPTIONS, noteSignerOf } from "./ledger-options.js";

const spec: CommandSpec = {
  name: "ledger append",
  summary: "append tokens to an audit ledger",
  usage: [
    "--ledger LEDGER --trust ISS=FILE... [TOKEN...|@FILE|-] [--json]",
    "--ledger LEDGER --no-verify [TOKEN...|-] [--json]",
  ],
  description:
    "Appends tokens (the arguments, one per line of @FILE, or one per line on stdin when there are none or '-') to the ledger. " +
    "Each token is first re-verified in audit mode (profile §5 step 11: decoding, header, key bound to its issuer, " +
    "signature, claim rules; not its freshness or audience, so old tokens can be recorded), then appended with " +
    "the profile §6 DAG rules checked atomically with the append: every predecessor must already be in the ledger.\n" +
    "A token already stored is reported as a duplicate; a different token with the same (wid, jti) is a conflict and is not stored. " +
    "Exit 0 when every token is appended or already stored, 1 when any is refused.\n" +
    "A memory ledger file is locked while it is written and replaced atomically; on Redis every append is one atomic script.",
  options: {
    ...LEDGER_OPTIONS,
    ...NOTE_KEY_OPTIONS,
    ...TRUST_OPTIONS,
    "no-verify": {
      type: "boolean",
      description:
        "append without checking signatures (the ledger still checks decoding, claim and DAG rules)",
    },
    json: {
      type: "boolean",
      description: "print one JSON document on stdout: the counts and one result per token",
    },
  },
  positionals: { min: 0, max: Number.MAX_SAFE_INTEGER, name: "TOKEN" },
  sections: [KEY_BINDING_SECTION],
  examples: [
    'ect ledger append --ledger ledger.jsonl --trust spiffe://example.org/a=a.jwks.json "$T1" "$T2"',
    "cat tokens.txt | ect ledger append --ledger redis://127.0.0.1:6379 --trust spiffe://example.org/a=a.jwks.json --trust spiffe://example.org/b=b.pem",
  ],
};

/** The outcome of one token, for output. */
type Outcome =
  | { readonly status: "appended"; readonly seq: number; readonly jti: string; readonly leafHash: string }
  | { readonly status: "duplicate"; readonly seq: number; readonly jti: string; readonly leafHash: string }
  | { readonly status: "conflict"; readonly seq: number; readonly jti: string }
  | { readonly status: "refused" | "rejected"; readonly errors: readonly EctError[] };

async function* tokensOf(context: CommandContext, positionals: readonly string[]): AsyncGenerator<string> {
  if (positionals.length === 0 || (positionals.length === 1 && positionals[0] === "-")) {
    if (context.io.stdin.isTTY) {
      throw usageError("no tokens: give them as arguments or pipe them in, one per line");
    }
    yield* textLines(context.io.stdin, "stdin");
    return;
  }
  if (positionals.includes("-"))
    throw usageError("'-' (stdin) cannot be mixed with tokens given as arguments");
  for (const argument of positionals) {
    if (argument.startsWith("@")) yield* fileLines(context.io, argument.slice(1), "token file");
    else yield await readTokenArgument(context, argument);
  }
}

function describeError(error: EctError): string {
  return `${error.code}${error.member === undefined ? "" : ` (${displayText(error.member)})`}: ${displayText(error.message)}`;
}

async function run(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  const location = ledgerLocationOf(context, parsed);
  const noVerify = flagOption(parsed, "no-verify");
  const config = context.config();
  let verifyToken: AuditTokenVerifier | undefined;
  if (noVerify) {
    if (listOption(parsed, "trust").length > 0)
      throw usageError("--no-verify and --trust contradict each other; keep one");
  } else {
    const keys = await loadTrust(context, parsed);
    if (keys === undefined) {
      throw usageError(
        "ledger append verifies each token's signature first: give --trust ISS=FILE for each issuer",
        "or add --no-verify to store tokens unchecked ('ect ledger audit --trust ...' can check them later)",
      );
    }
    const { createAuditVerifier } = await import("ect-crypto");
    verifyToken = createAuditVerifier({ keys: keys.resolver, algorithms: keys.algorithms, config });
  }
  const json = flagOption(parsed, "json");
  const noteSigner = await noteSignerOf(context, parsed);
  const opened = await openLedger(context.io, location, { write: true, warn: context.warn, noteSigner });
  const counts = { appended: 0, duplicate: 0, conflict: 0, refused: 0, rejected: 0 };
  const results: unknown[] = [];
  try {
    let index = 0;
    for await (const raw of tokensOf(context, parsed.positionals)) {
      const token = raw.trim();
      if (token === "") continue;
      index++;
      const ingestedAt = context.now();
      let outcome: Outcome;
      const check = verifyToken ? await verifyToken(token, { ingestedAt }) : undefined;
      if (check && !check.ok) {
        outcome = {
          status: "refused",
          errors: check.error.details.length > 0 ? check.error.details : [check.error],
        };
      } else {
        try {
          const result = await opened.ledger.append(token, { now: ingestedAt });
          switch (result.status) {
            case "appended":
            case "duplicate":
              outcome = {
                status: result.status,
                seq: result.entry.index + 1,
                jti: result.entry.jti,
                leafHash: result.entry.leafHash,
              };
              break;
            case "conflict":
              outcome = { status: "conflict", seq: result.existing.index + 1, jti: result.existing.jti };
              break;
            case "rejected":
              outcome = { status: "rejected", errors: result.violations };
              break;
          }
        } catch (error) {
          // The ledger's own decoding and claim checks (with --no-verify these are the only ones).
          if (!isEctError(error) || error.code === "ECT_LEDGER_UNAVAILABLE") throw error;
          outcome = { status: "refused", errors: error.details.length > 0 ? error.details : [error] };
        }
      }
      counts[outcome.status]++;
      if (json) {
        results.push(
          "errors" in outcome
            ? { token: index, status: outcome.status, errors: outcome.errors.map((e) => e.toJSON()) }
            : { token: index, ...outcome },
        );
      } else if (outcome.status === "appended") {
        context.out(
          `token ${index}: appended as seq ${outcome.seq}, jti ${displayText(outcome.jti)}, leaf ${shortHash(outcome.leafHash)}\n`,
        );
      } else if (outcome.status === "duplicate") {
        context.out(
          `token ${index}: already stored as seq ${outcome.seq} (jti ${displayText(outcome.jti)}); nothing written\n`,
        );
      } else if (outcome.status === "conflict") {
        context.out(
          `token ${index}: CONFLICT: seq ${outcome.seq} holds a different token with the same (wid, jti ${displayText(outcome.jti)}); not stored\n`,
        );
      } else {
        const [first, ...rest] = outcome.errors;
        const verb = outcome.status === "rejected" ? "REJECTED by the DAG rules" : "REFUSED";
        context.out(`token ${index}: ${verb}: ${first ? describeError(first) : "no reason given"}\n`);
        for (const e of rest) context.out(`  also: ${describeError(e)}\n`);
      }
    }
    if (counts.appended > 0) await opened.save();
    const size = await opened.ledger.size();
    const failed = counts.conflict + counts.refused + counts.rejected;
    if (json) {
      context.out(
        `${safeJson({
          ok: failed === 0,
          ledger: location.display,
          appended: counts.appended,
          duplicate: counts.duplicate,
          notStored: failed,
          head: { seq: size },
          results,
        })}\n`,
      );
    }
    context.err(
      `${location.display}: ${counts.appended} appended, ${counts.duplicate} already stored, ${failed} not stored; head seq ${size}\n`,
    );
    return failed > 0 ? ExitCode.FAILED : ExitCode.OK;
  } finally {
    await opened.close();
  }
}

/** `ect ledger append`. */
export const ledgerAppendCommand: Command = { spec, run };
