import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-context.js";
import type { OptionSpec, ParsedCommand } from "./command-spec.js";
import { replaceFileAtomically, writeNewFile } from "./file-writes.js";
import { resolvePath } from "./input-files.js";

/**
 * `--out FILE` and `--force`: the one meaning of `--out` in every command is "write this command's
 * output to FILE instead of stdout".
 */
export const OUTPUT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  out: {
    type: "string",
    value: "FILE",
    description: "write the output to FILE instead of stdout (an existing FILE is refused unless --force)",
  },
  force: { type: "boolean", description: "with --out: replace FILE if it exists" },
};

/**
 * Writes a command's output to stdout, or to `--out FILE`. It either writes FILE (a new file, or
 * replaced atomically with --force) or throws: it never returns leaving FILE as it was.
 *
 * @returns the file written, or undefined for stdout.
 */
export async function writeOutput(
  context: CommandContext,
  parsed: ParsedCommand,
  chunks: Iterable<string> | AsyncIterable<string>,
  options: { readonly mode?: number } = {},
): Promise<string | undefined> {
  const out = parsed.values["out"];
  const force = parsed.values["force"] === true;
  if (typeof out !== "string") {
    if (force) throw usageError("--force applies to --out FILE only");
    for await (const chunk of chunks) context.out(chunk);
    return undefined;
  }
  const path = resolvePath(context.io, out);
  const mode = options.mode ?? 0o644;
  if (force) await replaceFileAtomically(path, chunks, { mode, keepExistingMode: true });
  else if (!(await writeNewFile(path, chunks, mode))) {
    throw usageError(`${out} exists; refusing to overwrite it`, "choose another --out FILE, or add --force");
  }
  return out;
}
