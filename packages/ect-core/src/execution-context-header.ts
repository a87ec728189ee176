import { Defaults } from "./constants.js";
import { EctError, EctErrorCodes } from "./errors.js";

/** Options for {@link parseExecutionContextHeader}. */
export interface HeaderCodecOptions {
  /** Most tokens across all field lines (default 16, SPEC 8). */
  readonly maxTokens?: number;
  /** Most characters across all field lines (default `maxTokens` x 16384). */
  readonly maxLength?: number;
}

const TOKEN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){0,2}$/;

/**
 * Formats tokens as one `Execution-Context` field value: comma-separated (SPEC 8).
 *
 * @throws {@link EctError} `ECT_HEADER_INVALID` when a token is not a compact serialisation.
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
 * comma-separated with optional whitespace; several lines are joined the same way; empty list
 * elements are ignored (RFC 9110 section 5.6.1). The size is checked before any split, then the
 * count. The tokens are not verified.
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
  const maxTokens = options.maxTokens ?? Defaults.HEADER_MAX_TOKENS;
  const maxLength = options.maxLength ?? maxTokens * Defaults.MAX_TOKEN_LENGTH;
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
      const t = element.replace(/^[ \t]+|[ \t]+$/g, "");
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
