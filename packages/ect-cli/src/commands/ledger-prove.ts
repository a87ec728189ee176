import { ExitCode, type ExitStatus, failure, usageError } from "../cli-error.js";
import { type Command, type CommandContext, stringOption } from "../command-context.js";
import { OUTPUT_OPTIONS, writeOutput } from "../command-output.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { displayText } from "../terminal-text.js";
import { LEDGER_OPTIONS, readFromLedger } from "./ledger-options.js";
import { widOption } from "./ledger-read.js";

const spec: CommandSpec = {
  name: "ledger prove",
  summary: "print an entry's receipt (inclusion proof)",
  usage: ["--ledger LEDGER --jti UUID [--wid UUID|none] [--out FILE]"],
  description:
    "Prints the receipt of one entry (profile §7): a c2sp.org/tlog-proof@v1 document holding the entry's leaf " +
    "input (the token, its ingestion time and WIT), its index, the RFC 9162 inclusion proof and the ledger's latest " +
    "signed checkpoint. Whoever holds it checks it offline with the ledger's verifier key alone: " +
    "'ect receipt verify --receipt FILE --vkey VKEY', or verifyTlogProof from ect-ledger in any JavaScript runtime.",
  options: {
    ...LEDGER_OPTIONS,
    jti: { type: "string", value: "UUID", required: true, description: "the entry's jti" },
    wid: {
      type: "string",
      value: "UUID",
      description: "the entry's workflow ('none' for a token without wid); needed when a jti is in several",
    },
    ...OUTPUT_OPTIONS,
  },
  positionals: { min: 0, max: 0, name: "" },
  examples: [
    "ect ledger prove --ledger ledger.jsonl --jti 6f9619ff-8b86-4011-b42d-00c04fc96401 --out entry.tlog-proof",
  ],
};

async function run(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  const jti = stringOption(parsed, "jti")!;
  const widText = stringOption(parsed, "wid");
  return readFromLedger(context, parsed, async (ledger) => {
    const entry =
      widText === undefined ? await ledger.findEctByJti(jti) : await ledger.get(widOption(widText), jti);
    if (entry === undefined) {
      throw failure(
        `no entry with jti ${displayText(jti)}${widText === undefined ? "" : ` in workflow ${displayText(widText)}`}`,
        "'ect ledger show --ledger LEDGER' lists the entries",
      );
    }
    const stored = await ledger.get(entry.claims.wid ?? null, entry.claims.jti);
    if (stored === undefined) throw usageError(`the entry ${displayText(jti)} could not be read back`);
    const inclusion = await ledger.inclusionOf(stored.wid, stored.jti);
    if (inclusion === undefined) {
      throw failure(
        `entry ${stored.index} is not covered by a checkpoint yet`,
        "checkpoints follow appends within the checkpoint interval; try again",
      );
    }
    const { formatEntryTlogProof } = await import("ect-ledger");
    const receipt = formatEntryTlogProof({
      entry: stored,
      proof: inclusion.proof,
      checkpoint: inclusion.checkpoint.note,
    });
    const out = await writeOutput(context, parsed, [receipt]);
    if (out !== undefined) {
      context.err(
        `wrote the receipt of entry ${stored.index} (tree size ${inclusion.checkpoint.size}) to ${out}\n`,
      );
    }
    return ExitCode.OK;
  });
}

/** `ect ledger prove`. */
export const ledgerProveCommand: Command = { spec, run };
