import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-context.js";
import { readStdinText } from "./input-files.js";

/** The token of `verify`/`inspect`: the argument, or stdin when it is `-` (surrounding whitespace ignored). */
export async function readTokenArgument(context: CommandContext, argument: string): Promise<string> {
  if (argument !== "-") return argument;
  const text = (await readStdinText(context.io, context.config().maxTokenLength + 1024, "the token")).trim();
  if (text === "")
    throw usageError(
      "stdin is empty: no token to read",
      "pipe one token in, e.g. ect create ... | ect verify - ...",
    );
  if (/\s/.test(text)) {
    throw usageError(
      "stdin holds more than one token (or whitespace inside one)",
      "give exactly one token; 'ect ledger append' takes many",
    );
  }
  return text;
}
