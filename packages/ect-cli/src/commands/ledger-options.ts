import type { CommandContext } from "../command-context.js";
import { stringOption } from "../command-context.js";
import type { OptionSpec, ParsedCommand } from "../command-spec.js";
import {
  DEFAULT_LEDGER_ID,
  LEDGER_OPTION_HELP,
  type LedgerLocation,
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
