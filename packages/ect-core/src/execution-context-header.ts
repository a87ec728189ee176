import { Defaults } from "./constants.js";
import { EctConfigError, EctError, EctErrorCodes } from "./errors.js";

/** Options for {@link parseExecutionContextHeader}. */
export interface HeaderCodecOptions {
  /** Most tokens across all field lines (default 16, SPEC 8). A positive integer. */
  readonly maxTokens?: number;
  /** Most characters across all field lines (default `maxTokens` x 16384). A positive integer. */
  readonly maxLength?: number;
}

/** A compact ECT: one segment (L1) or three (JWS), SPEC 1. Two segments are malformed. */
const TOKEN = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)?$/;

function positiveInteger(value: number, option: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new EctConfigError(option, "must be a positive integer", { received: value });
  }
  return value;
}

/** Strips optional whitespace (SP, HTAB: RFC 9110 OWS) from both ends, in linear time. */
function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s.charCodeAt(start) === 0x20 || s.charCodeAt(start) === 0x09)) start++;
  while (end > start && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--;
  return s.slice(start, end);
}

/**
 * Formats tokens as one `Execution-Context` field value: comma-separated with a space (SPEC 8).
 * The result parses back to the same list with {@link parseExecutionContextHeader}.
 *
 * @throws {@link EctError} `ECT_HEADER_INVALID` when the list is empty or a token is not a compact
 *   serialisation (one or three base64url segments).
 */
export function formatExecutionContextHeader(tokens: string | readonly string[]): string {
  const list = typeof tokens === "string" ? [tokens] : tokens;
  if (list.length === 0) throw new EctError(EctErrorCodes.HEADER_INVALID, "no token to send");
  for (const t of list) {
    if (!TOKEN.test(t)) {
      throw new EctError(EctErrorCodes.HEADER_INVALID, "not a compact ECT: only base64url segments and dots");
    }
  }
  return list.join(", ");
}

/**
 * Parses one or several `Execution-Context` field lines into tokens (SPEC 8): values are
 * comma-separated with optional whitespace (SP, HTAB); several lines are joined the same way; empty
 * list elements are ignored (RFC 9110 section 5.6.1). The total size is checked before any split,
 * then each element's shape (one or three base64url segments), then the count. The tokens are not
 * verified: pass each to the verifier.
 *
 * @returns the tokens, possibly none (when the header is absent or empty)
 * @throws {@link EctError} `ECT_HEADER_INVALID`
 */
export function parseExecutionContextHeader(
  value: string | readonly string[] | null | undefined,
  options: HeaderCodecOptions = {},
): string[] {
  if (value === null || value === undefined) return [];
  const lines = typeof value === "string" ? [value] : value;
  const maxTokens = positiveInteger(options.maxTokens ?? Defaults.HEADER_MAX_TOKENS, "maxTokens");
  const maxLength = positiveInteger(options.maxLength ?? maxTokens * Defaults.MAX_TOKEN_LENGTH, "maxLength");
  let total = 0;
  for (const line of lines) {
    if (typeof line !== "string")
      throw new EctError(EctErrorCodes.HEADER_INVALID, "header value must be a string");
    total += line.length;
    if (total > maxLength) {
      throw new EctError(
        EctErrorCodes.HEADER_INVALID,
        `Execution-Context is longer than ${maxLength} characters`,
      );
    }
  }
  const tokens: string[] = [];
  for (const line of lines) {
    for (const element of line.split(",")) {
      const t = trimOws(element);
      if (t === "") continue;
      if (!TOKEN.test(t)) {
        throw new EctError(
          EctErrorCodes.HEADER_INVALID,
          "Execution-Context holds a value that is not a compact ECT",
        );
      }
      tokens.push(t);
      if (tokens.length > maxTokens) {
        throw new EctError(
          EctErrorCodes.HEADER_INVALID,
          `Execution-Context holds more than ${maxTokens} tokens`,
        );
      }
    }
  }
  return tokens;
}
