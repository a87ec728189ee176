import { base64urlDecode } from "./base64url.js";
import { Defaults, Limits } from "./constants.js";
import { EctError, EctErrorCodes } from "./errors.js";
import { decodeUtf8Strict, parseStrictJson } from "./strict-json.js";
import type { DecodedEct } from "./types.js";

/** Options for {@link decodeEct}. */
export interface DecodeOptions {
  /** Longest accepted token in characters (default 16384), checked before anything else (SPEC 5.1). */
  readonly maxTokenLength?: number;
  /** Lowest accepted assurance level: 2 by default refuses unsigned tokens (SPEC 1, 5.2). */
  readonly minLevel?: 1 | 2 | 3;
  /** Deepest JSON nesting (default 16, SPEC 5.3). */
  readonly maxDepth?: number;
}

/** Only `[A-Za-z0-9_-]` characters and dots. */
const TOKEN_CHARS = /^[A-Za-z0-9_.-]*$/;

/**
 * Splits and decodes a token with SPEC 5 steps 1-3 and **no signature or claim check**: length
 * before anything else, level detection (two dots: JWS; no dot: unsigned L1; else malformed),
 * canonical base64url segments, strict UTF-8 JSON objects without duplicate members.
 *
 * The result is unverified: use it to inspect or to key a ledger entry, never to trust.
 *
 * @throws {@link EctError} `ECT_TOKEN_TOO_LONG`, `ECT_MALFORMED`, `ECT_BASE64URL_INVALID`,
 *   `ECT_LEVEL_TOO_LOW`, `ECT_JSON_*`, `ECT_FORBIDDEN_MEMBER_NAME`.
 */
export function decodeEct(token: unknown, options: DecodeOptions = {}): DecodedEct {
  // SPEC 5.1: a string no longer than the max length, before any split or decode.
  if (typeof token !== "string") throw new EctError(EctErrorCodes.MALFORMED, "token must be a string");
  const maxLength = options.maxTokenLength ?? Defaults.MAX_TOKEN_LENGTH;
  if (token.length > maxLength) {
    throw new EctError(
      EctErrorCodes.TOKEN_TOO_LONG,
      `token is ${token.length} characters, more than ${maxLength}`,
    );
  }
  // SPEC 5.2: shape and level.
  if (!TOKEN_CHARS.test(token)) {
    throw new EctError(EctErrorCodes.MALFORMED, "token contains characters outside base64url and '.'");
  }
  const parts = token.split(".");
  if (parts.length !== 3 && parts.length !== 1) {
    throw new EctError(
      EctErrorCodes.MALFORMED,
      `token has ${parts.length} segments; expected 3 (JWS) or 1 (unsigned)`,
    );
  }
  if (parts.some((p) => p.length === 0))
    throw new EctError(EctErrorCodes.MALFORMED, "token has an empty segment");
  const level = parts.length === 3 ? 2 : 1;
  const minLevel = options.minLevel ?? 2;
  if (level < minLevel) {
    throw new EctError(
      EctErrorCodes.LEVEL_TOO_LOW,
      `an unsigned (L1) token is below the minimum level L${minLevel}`,
    );
  }
  const maxDepth = options.maxDepth ?? Limits.JSON_MAX_DEPTH;
  if (level === 1) {
    const payloadBytes = base64urlDecode(parts[0]!, "claims");
    const claims = parseStrictJson(decodeUtf8Strict(payloadBytes, "claims"), { member: "claims", maxDepth });
    return {
      token,
      level: 1,
      header: undefined,
      claims,
      headerBytes: new Uint8Array(0),
      payloadBytes,
      signature: new Uint8Array(0),
      signingInput: "",
    };
  }
  const [h, p, s] = parts as [string, string, string];
  const headerBytes = base64urlDecode(h, "header");
  const payloadBytes = base64urlDecode(p, "claims");
  const signature = base64urlDecode(s, "signature");
  // SPEC 5.3
  const header = parseStrictJson(decodeUtf8Strict(headerBytes, "header"), { member: "header", maxDepth });
  const claims = parseStrictJson(decodeUtf8Strict(payloadBytes, "claims"), { member: "claims", maxDepth });
  return { token, level: 2, header, claims, headerBytes, payloadBytes, signature, signingInput: `${h}.${p}` };
}
