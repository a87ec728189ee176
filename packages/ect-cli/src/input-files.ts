import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { JsonValue } from "ect-core";
import { parseStrictJsonValue } from "ect-core/internal";
import { usageError } from "./cli-error.js";
import type { CliIo } from "./cli-io.js";

/** Largest key, JWK Set or claims file read (they are small; this bounds a mistaken argument). */
const MAX_SMALL_FILE_BYTES = 1 << 20;
/** Longest line read from stdin or a JSON Lines file. */
const MAX_LINE_CHARS = 1 << 20;

/** A path resolved against the run's working directory. */
export function resolvePath(io: CliIo, path: string): string {
  return resolve(io.cwd ?? process.cwd(), path);
}

function fileError(what: string, path: string, error: unknown): Error {
  const code = (error as { code?: unknown })?.code;
  switch (code) {
    case "ENOENT":
      return usageError(`${what} ${path} does not exist`, "check the path");
    case "EISDIR":
      return usageError(`${what} ${path} is a directory, not a file`, "give the path of a file");
    case "EACCES":
    case "EPERM":
      return usageError(`cannot read ${what} ${path}: permission denied`, "check the file's permissions");
    default:
      return usageError(
        `cannot read ${what} ${path}: ${error instanceof Error ? error.message : String(error)}`,
      );
  }
}

/** The size of the file at `full`; a directory fails with `EISDIR`, as reading it would. */
async function fileSize(full: string): Promise<number> {
  const info = await stat(full);
  if (info.isDirectory()) throw Object.assign(new Error("directory"), { code: "EISDIR" });
  return info.size;
}

/** Reads a small file (a key, a JWK Set, claims): at most 1 MiB, with errors that say what to do. */
export async function readSmallFile(io: CliIo, path: string, what: string): Promise<Buffer> {
  const full = resolvePath(io, path);
  try {
    const size = await fileSize(full);
    if (size > MAX_SMALL_FILE_BYTES) {
      throw usageError(`${what} ${path} is ${size} bytes; a ${what} is at most 1 MiB`);
    }
    return await readFile(full);
  } catch (error) {
    if (error instanceof Error && error.name === "CliError") throw error;
    throw fileError(what, path, error);
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Bytes as UTF-8 text; invalid UTF-8 or a byte order mark is an input error naming the file. */
export function utf8Text(bytes: Uint8Array, what: string, path: string): string {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw usageError(`${what} ${path} is not valid UTF-8 text`);
  }
  if (text.startsWith("\ufeff"))
    throw usageError(`${what} ${path} starts with a byte order mark`, "remove it");
  return text;
}

/**
 * Parses JSON strictly (ect-core `parseStrictJsonValue`: RFC 8259, no duplicate member names at
 * any depth, no forbidden names), so a file means exactly one thing.
 */
export function parseJsonInput(text: string, what: string, source: string): JsonValue {
  try {
    return parseStrictJsonValue(text.trim());
  } catch (error) {
    throw usageError(
      `${what} ${source} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      "the JSON is parsed strictly: duplicate member names are refused",
    );
  }
}

/** Reads and strictly parses a small JSON file. */
export async function readJsonFile(io: CliIo, path: string, what: string): Promise<JsonValue> {
  return parseJsonInput(utf8Text(await readSmallFile(io, path, what), what, path), what, path);
}

/** SHA-256 (unpadded base64url) of the exact bytes of a file, streamed (profile §3 hash helper). */
export async function sha256OfFile(io: CliIo, path: string, what: string): Promise<string> {
  const full = resolvePath(io, path);
  try {
    await fileSize(full);
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(full)) hash.update(chunk as Buffer);
    return hash.digest("base64url");
  } catch (error) {
    throw fileError(what, path, error);
  }
}

/** Reads all of stdin as text (bounded), for a command given `-`. */
export async function readStdinText(io: CliIo, maxChars: number, what: string): Promise<string> {
  if (io.stdin.isTTY) {
    throw usageError(`reading ${what} from stdin, but stdin is a terminal`, `pipe it in: ... | ect ...`);
  }
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let text = "";
  try {
    for await (const chunk of io.stdin) {
      text += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      if (text.length > maxChars) throw usageError(`${what} on stdin is longer than ${maxChars} characters`);
    }
    text += decoder.decode();
  } catch (error) {
    if (error instanceof Error && error.name === "CliError") throw error;
    throw usageError(`${what} on stdin is not valid UTF-8 text`);
  }
  return text;
}

/** Lines of a text stream (stdin or a file), without line ends; each at most 1 MiB. */
export async function* textLines(
  source: AsyncIterable<string | Uint8Array>,
  what: string,
): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let buffer = "";
  try {
    for await (const chunk of source) {
      buffer += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      let newline = buffer.indexOf("\n");
      while (newline >= 0) {
        yield buffer.slice(0, newline).replace(/\r$/, "");
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf("\n");
      }
      if (buffer.length > MAX_LINE_CHARS) throw usageError(`a line of ${what} is longer than 1 MiB`);
    }
    buffer += decoder.decode();
  } catch (error) {
    if (error instanceof Error && error.name === "CliError") throw error;
    if (error instanceof TypeError) throw usageError(`${what} is not valid UTF-8 text`);
    throw error;
  }
  if (buffer.length > 0) yield buffer.replace(/\r$/, "");
}

/** A file's lines, streamed, with file errors that say what to do. */
export async function* fileLines(io: CliIo, path: string, what: string): AsyncGenerator<string> {
  const full = resolvePath(io, path);
  try {
    const info = await stat(full);
    if (info.isDirectory()) throw Object.assign(new Error("directory"), { code: "EISDIR" });
  } catch (error) {
    throw fileError(what, path, error);
  }
  yield* textLines(createReadStream(full), `${what} ${path}`);
}
