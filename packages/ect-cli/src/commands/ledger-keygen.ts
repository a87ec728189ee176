import { isValidNoteKeyName } from "ect-core/internal";
import { ExitCode, type ExitStatus, usageError } from "../cli-error.js";
import { type Command, type CommandContext, flagOption, stringOption } from "../command-context.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { writePrivateKeyFile } from "../key-files.js";

const spec: CommandSpec = {
  name: "ledger keygen",
  summary: "generate a ledger's checkpoint note key",
  usage: ["--origin ORIGIN --out FILE [--force]"],
  description:
    "Generates the Ed25519 note key a ledger signs its checkpoints with (profile §7). Its key name is the ledger's " +
    "origin, e.g. ect.example.org/ledger/orders. Writes the private key (PRIVATE+KEY+..., the Go note format) to " +
    "FILE, created with mode 0600 and never overwritten unless --force, and prints the public verifier key " +
    "<origin>+<key id hex>+<base64 key> on stdout: publish that one (anyone checks receipts and checkpoints with " +
    "it), keep FILE secret and give it to the ledger commands with --note-key FILE.",
  options: {
    origin: {
      type: "string",
      value: "ORIGIN",
      required: true,
      description: "the ledger's origin: non-empty, no spaces, no '+' (a schema-less URL is recommended)",
    },
    out: { type: "string", value: "FILE", required: true, description: "where to write the private key" },
    force: { type: "boolean", description: "replace FILE if it exists" },
  },
  positionals: { min: 0, max: 0, name: "" },
  examples: ["ect ledger keygen --origin ect.example.org/ledger/orders --out ledger.note-key > ledger.vkey"],
};

async function run(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  const origin = stringOption(parsed, "origin")!;
  const out = stringOption(parsed, "out")!;
  if (!isValidNoteKeyName(origin)) {
    throw usageError(
      "--origin must be non-empty, without spaces or '+' (it is the note key's name, profile §7)",
    );
  }
  const { generateNoteKey } = await import("ect-crypto");
  const { vkey, skey } = await generateNoteKey({ name: origin });
  await writePrivateKeyFile(context.io, out, `${skey}\n`, flagOption(parsed, "force"));
  context.out(`${vkey}\n`);
  context.err(`wrote the ledger's private note key to ${out}; its public verifier key is on stdout\n`);
  return ExitCode.OK;
}

/** `ect ledger keygen`. */
export const ledgerKeygenCommand: Command = { spec, run };
