import { ExitCode, type ExitStatus, failure, usageError } from "../cli-error.js";
import { type Command, type CommandContext, flagOption, stringOption } from "../command-context.js";
import { OUTPUT_OPTIONS, writeOutput } from "../command-output.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { safeJson } from "../terminal-text.js";
import { LEDGER_OPTIONS, readFromLedger } from "./ledger-options.js";

const spec: CommandSpec = {
  name: "ledger consistency",
  summary: "print a consistency proof from an earlier tree size",
  usage: ["--ledger LEDGER --from SIZE [--json] [--out FILE]"],
  description:
    "Prints the RFC 9162 consistency proof from tree size SIZE (an earlier checkpoint's) to the ledger's latest " +
    "signed checkpoint, then that checkpoint (profile §7). A monitor that kept the earlier checkpoint verifies " +
    "the proof (verifyConsistency in ect-ledger) and so knows that no entry it covered was changed, removed or " +
    "reordered.\n" +
    "Output: 'from SIZE', 'to SIZE', one base64 proof hash per line, a blank line, the signed checkpoint.",
  options: {
    ...LEDGER_OPTIONS,
    from: { type: "string", value: "SIZE", required: true, description: "the earlier tree size (1 or more)" },
    json: { type: "boolean", description: 'print {"size1", "size2", "proof": [base64...], "checkpoint"}' },
    ...OUTPUT_OPTIONS,
  },
  positionals: { min: 0, max: 0, name: "" },
  examples: ["ect ledger consistency --ledger ledger.jsonl --from 1000"],
};

async function run(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  const fromText = stringOption(parsed, "from")!;
  if (!/^[1-9]\d{0,15}$/.test(fromText)) {
    throw usageError(
      `--from ${JSON.stringify(fromText)} is not a tree size (1, 2, 3, ...)`,
      "a consistency proof from the empty tree proves nothing: every log extends it",
    );
  }
  const size1 = Number(fromText);
  return readFromLedger(context, parsed, async (ledger) => {
    const checkpoint = await ledger.latestCheckpoint();
    if (checkpoint === undefined) throw failure("the ledger has no checkpoint yet");
    if (size1 > checkpoint.size) {
      throw failure(
        `--from ${size1} is beyond the latest checkpoint (tree size ${checkpoint.size})`,
        "a log never shrinks: a checkpoint of a larger size than the latest one did not come from this ledger",
      );
    }
    const proof = (await ledger.consistencyProof(size1, checkpoint.size)).map((h) =>
      Buffer.from(h).toString("base64"),
    );
    const text = flagOption(parsed, "json")
      ? `${safeJson({ size1, size2: checkpoint.size, proof, checkpoint: checkpoint.note })}\n`
      : [`from ${size1}`, `to ${checkpoint.size}`, ...proof, "", checkpoint.note].join("\n");
    await writeOutput(context, parsed, [text]);
    return ExitCode.OK;
  });
}

/** `ect ledger consistency`. */
export const ledgerConsistencyCommand: Command = { spec, run };
