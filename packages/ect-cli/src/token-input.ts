import { existsSync } from "node:fs";
import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-context.js";
import { readSmallFile, readStdinText, resolvePath, utf8Text } from "./input-files.js";

/** The characters of a token: base64url segments and dots (profile §5 step 2). */
const TOKEN_CHARACTERS = /^[A-Za-z0-9_.-]+$/;

/** Not token-shaped, or ending like a file name (`task.jwt` would otherwise be a 2-segment token). */
function looksLikeFileName(value: string): boolean {
  return !TOKEN_CHARACTERS.test(value) || /\.(?:jwt|txt|token|json|ect)$/i.test(value);
}

/** How a command names its token argument in help texts. */
export const TOKEN_ARGUMENT = "TOKEN (or @FILE to read it from a file, - from stdin)";

function oneToken(text: string, source: string): string {
  const token = text.trim();
  if (token === "") {
    throw usageError(`${source} is empty: no token to read`, "e.g. ect create ... | ect verify - ...");
  }
  if (/\s/.test(token)) {
    throw usageError(
      `${source} holds more than one token (or whitespace inside one)`,
      "give exactly one token; 'ect ledger append' takes many",
    );
  }
  return token;
}

/**
 * The token argument of a command: the token itself, `@FILE` (the token in a file, surrounding
 * whitespace ignored) or `-` (stdin). A file name given without `@` is told apart from a malformed
 * token: it is refused with the `@FILE` hint instead of being verified as a token.
 */
export async function readTokenArgument(context: CommandContext, argument: string): Promise<string> {
  if (argument === "-") {
    const max = context.config().maxTokenLength + 1024;
    return oneToken(await readStdinText(context.io, max, "the token"), "stdin");
  }
  if (argument.startsWith("@")) {
    const file = argument.slice(1);
    if (file === "") throw usageError("'@' needs a file name: @FILE reads the token from FILE");
    return oneToken(
      utf8Text(await readSmallFile(context.io, file, "token file"), "token file", file),
      `token file ${file}`,
    );
  }
  if (looksLikeFileName(argument) && existsSync(resolvePath(context.io, argument))) {
    throw usageError(
      `${JSON.stringify(argument)} is a file name, not a token`,
      `write @${argument} to read the token from that file`,
    );
  }
  return argument;
}

/** The token of `--pred-from`: a token, or a file holding one (`@FILE` or a plain existing path). */
export async function readTokenOrFile(
  context: CommandContext,
  value: string,
  option: string,
): Promise<string> {
  if (value.startsWith("@") || value === "-") return readTokenArgument(context, value);
  if (existsSync(resolvePath(context.io, value))) return readTokenArgument(context, `@${value}`);
  if (looksLikeFileName(value)) {
    throw usageError(`${option} ${JSON.stringify(value)} is neither a token nor an existing file`);
  }
  return value;
}
