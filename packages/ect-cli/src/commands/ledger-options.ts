import { isEctError } from "ect-core";
import type { TransparencyLedger } from "ect-ledger";
import { usageError } from "../cli-error.js";
import type { CommandContext } from "../command-context.js";
import { stringOption } from "../command-context.js";
import type { OptionSpec, ParsedCommand } from "../command-spec.js";
import { readSmallFile, utf8Text } from "../input-files.js";
import {
  DEFAULT_LEDGER_ID,
  LEDGER_OPTION_HELP,
  type LedgerLocation,
  openLedger,
  parseLedgerLocation,
} from "../ledger-location.js";

/** `--ledger` and `--ledger-id`, shared by the ledger commands and `graph`. */
export const LEDGER_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  ledger: { type: "string", value: "LEDGER", required: true, description: LEDGER_OPTION_HELP },
  "ledger-id": {
    type: "string",
    value: "ID",
    description: `Redis only: the ledger's name, its keys are ect:{ID}:... (default ${DEFAULT_LEDGER_ID})`,
  },
};

/** The ledger location a command was given. */
export function ledgerLocationOf(context: CommandContext, parsed: ParsedCommand): LedgerLocation {
  return parseLedgerLocation(context.io, stringOption(parsed, "ledger"), stringOption(parsed, "ledger-id"));
}

/**
 * Opens the command's ledger for reading (a file is not locked and must exist), runs `read` on it
 * and closes it, also when `read` throws.
 */
export async function readFromLedger<T>(
  context: CommandContext,
  parsed: ParsedCommand,
  read: (ledger: TransparencyLedger) => Promise<T>,
): Promise<T> {
  const opened = await openLedger(context.io, ledgerLocationOf(context, parsed), {
    write: false,
    warn: context.warn,
  });
  try {
    return await read(opened.ledger);
  } finally {
    await opened.close();
  }
}

/**
 * `--note-key FILE`: the ledger's checkpoint note key (from `ect ledger keygen`), for the commands
 * that write a ledger: its checkpoints are signed with it and its origin is the key's name.
 */
export const NOTE_KEY_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  "note-key": {
    type: "string",
    value: "FILE",
    description:
      "the ledger's private note key from 'ect ledger keygen': checkpoints are signed with it, the origin is its name (profile §7)",
  },
};

/** The note signer of `--note-key FILE`, or undefined without the option. */
export async function noteSignerOf(
  context: CommandContext,
  parsed: ParsedCommand,
): Promise<import("ect-crypto").Ed25519NoteSigner | undefined> {
  const file = stringOption(parsed, "note-key");
  if (file === undefined) return undefined;
  const skey = utf8Text(await readSmallFile(context.io, file, "note key file"), "note key file", file).trim();
  const { createNoteSigner } = await import("ect-crypto");
  try {
    return await createNoteSigner(skey);
  } catch (error) {
    if (!isEctError(error)) throw error;
    throw usageError(
      `--note-key ${file} is not a note private key: ${error.message}`,
      "give the file 'ect ledger keygen --out FILE' wrote",
      error.code,
    );
  }
}
