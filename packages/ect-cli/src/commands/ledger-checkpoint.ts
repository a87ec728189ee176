import { ExitCode, type ExitStatus, failure } from "../cli-error.js";
import { type Command, type CommandContext, flagOption } from "../command-context.js";
import { OUTPUT_OPTIONS, writeOutput } from "../command-output.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { safeJson } from "../terminal-text.js";
import { LEDGER_OPTIONS, readFromLedger } from "./ledger-options.js";

const spec: CommandSpec = {
  name: "ledger checkpoint",
  summary: "print the latest signed checkpoint",
  usage: ["--ledger LEDGER [--json] [--out FILE]"],
  description:
    "Prints the ledger's latest checkpoint (profile §7): a C2SP signed note stating the ledger's origin, its tree " +
    "size and the RFC 9162 root hash, signed by the ledger's note key. Keep it, or publish it: a later checkpoint " +
    "must extend it ('ect ledger consistency --from SIZE' proves that), and any receipt of an entry below its size " +
    "can be checked against it.",
  options: {
    ...LEDGER_OPTIONS,
    json: { type: "boolean", description: 'print {"origin", "treeSize", "root", "note"}' },
    ...OUTPUT_OPTIONS,
  },
  positionals: { min: 0, max: 0, name: "" },
  examples: ["ect ledger checkpoint --ledger ledger.jsonl > checkpoint.txt"],
};

async function run(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  return readFromLedger(context, parsed, async (ledger) => {
    const checkpoint = await ledger.latestCheckpoint();
    if (checkpoint === undefined) {
      throw failure(
        "the ledger has no checkpoint yet",
        "append an entry first: every append is checkpointed",
      );
    }
    const { parseCheckpoint, parseSignedNote } = await import("ect-ledger");
    const { origin } = parseCheckpoint(parseSignedNote(checkpoint.note).text);
    const text = flagOption(parsed, "json")
      ? `${safeJson({
          origin,
          treeSize: checkpoint.size,
          root: Buffer.from(checkpoint.root).toString("base64"),
          note: checkpoint.note,
        })}\n`
      : checkpoint.note;
    await writeOutput(context, parsed, [text]);
    return ExitCode.OK;
  });
}

/** `ect ledger checkpoint`. */
export const ledgerCheckpointCommand: Command = { spec, run };
