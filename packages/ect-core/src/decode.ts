import { base64urlDecode, base64urlDecodeJws } from "./base64url.js";
import { Defaults, Limits } from "./constants.js";
import { EctConfigError, EctError, EctErrorCodes } from "./errors.js";
import { checkMaxDepth, decodeUtf8Strict, parseStrictJsonMember } from "./strict-json.js";
import type { DecodedEct } from "./types.js";

/** Options for {@link decodeEct}. */
export interface DecodeOptions {
  /** Longest accepted token in characters (default 16384), checked before anything else (SPEC 5.1). */
  readonly maxTokenLength?: number;
  /**
   * Lowest accepted assurance level (SPEC 1, 5.2). The default 2 refuses unsigned (L1) tokens; 1
   * accepts them. 3 refuses L1 like 2 does: a decoder only sees the envelope, and L3 is an L2
   * envelope whose acceptance includes a ledger append, which the verifier enforces.
   */
  readonly minLevel?: 1 | 2 | 3;
  /** Deepest JSON nesting (default 16, SPEC 5.3). */
  readonly maxDepth?: number;
}

/**
 * Splits and decodes a token with SPEC 5 steps 1-3 and **no signature or claim check**, in this
 * order, the first failure ending it:
 *
 * 1. a string of at most `maxTokenLength` characters, checked before any split or decode
 *    (`ECT_MALFORMED` when not a string, `ECT_TOKEN_TOO_LONG`);
 * 2. level detection: three dot-separated segments are a JWS (L2), one segment an unsigned L1
 *    token; any other count or an empty segment is `ECT_MALFORMED`; an L1 token below `minLevel`
 *    is `ECT_LEVEL_TOO_LOW` (downgrade protection); then every segment must be canonical unpadded
 *    base64url (`ECT_BASE64URL_INVALID`: padding, whitespace, `+`, `/`, other characters,
 *    non-zero trailing bits), header first, then claims, then signature;
 * 3. header and claims are strict UTF-8 (no BOM) JSON objects with no duplicate member names and
 *    no nesting beyond `maxDepth` (see {@link parseStrictJson}).
 *
 * The result is unverified: use it to inspect or to key a ledger entry, never to trust.
 *
 * @throws {@link EctError} `ECT_TOKEN_TOO_LONG`, `ECT_MALFORMED`, `ECT_BASE64URL_INVALID`,
 *   `ECT_LEVEL_TOO_LOW`, `ECT_JSON_*`, `ECT_FORBIDDEN_MEMBER_NAME`; `ECT_CONFIG_INVALID` for
 *   invalid options.
 */
export function decodeEct(token: unknown, options: DecodeOptions = {}): DecodedEct {
  const maxLength = options.maxTokenLength ?? Defaults.MAX_TOKEN_LENGTH;
  if (!Number.isSafeInteger(maxLength) || maxLength < 1) {
    throw new EctConfigError("maxTokenLength", "must be a positive integer", { received: maxLength });
  }
  const minLevel = options.minLevel ?? 2;
  if (minLevel !== 1 && minLevel !== 2 && minLevel !== 3) {
    throw new EctConfigError("minLevel", "must be 1, 2 or 3", { received: minLevel });
  }
  const maxDepth = options.maxDepth ?? Limits.JSON_MAX_DEPTH;
  checkMaxDepth(maxDepth);

  // SPEC 5.1: a string no longer than the max length, before any split or decode.
  if (typeof token !== "string") throw new EctError(EctErrorCodes.MALFORMED, "token must be a string");
  if (token.length > maxLength) {
    throw new EctError(
      EctErrorCodes.TOKEN_TOO_LONG,
      `token is ${token.length} characters, more than ${maxLength}`,
    );
  }
  // SPEC 1, 5.2: level detection by the number of segments (dots), then downgrade protection.
  const firstDot = token.indexOf(".");
  const secondDot = firstDot < 0 ? -1 : token.indexOf(".", firstDot + 1);
  if (firstDot >= 0 && (secondDot < 0 || token.includes(".", secondDot + 1))) {
    throw new EctError(
      EctErrorCodes.MALFORMED,
      `token has ${token.split(".").length} segments; expected 3 (JWS) or 1 (unsigned)`,
    );
  }
  if (
    token.length === 0 ||
    firstDot === 0 ||
    (firstDot > 0 && (secondDot === firstDot + 1 || secondDot === token.length - 1))
  ) {
    throw new EctError(EctErrorCodes.MALFORMED, "token has an empty segment");
  }
  // The envelope is all a decoder sees: minLevel 2 and 3 both refuse L1 (L3 is an L2 envelope).
  if (firstDot < 0) {
    if (minLevel > 1) {
      throw new EctError(
        EctErrorCodes.LEVEL_TOO_LOW,
        `an unsigned (L1) token is below the minimum level L${minLevel}`,
      );
    }
    // SPEC 5.2 canonical base64url, SPEC 5.3 strict JSON object
    const payloadBytes = base64urlDecode(token, "claims");
    const claims = parseStrictJsonMember(decodeUtf8Strict(payloadBytes, "claims"), "claims", maxDepth);
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
  // SPEC 5.2: every segment canonical before any JSON is parsed.
  const headerSegment = token.slice(0, firstDot);
  const known = recentHeaders.get(headerSegment);
  const segments = base64urlDecodeJws(token, firstDot, secondDot, known === undefined);
  // SPEC 5.3
  const header = known ?? keepHeader(headerSegment, decodeUtf8Strict(segments[0], "header"), maxDepth);
  const claims = parseStrictJsonMember(decodeUtf8Strict(segments[1], "claims"), "claims", maxDepth);
  return new DecodedJws(token, firstDot, secondDot, header, claims, segments[2]);
}

/**
 * Headers decoded lately, by their base64url segment. A verifier's tokens carry a handful of
 * distinct headers (one per signing key), so each is decoded and parsed once: only a header that
 * passed every rule of SPEC 5.2-5.3 is kept, and only a flat one (no nested value: any valid ECT
 * header), which no `maxDepth` can refuse. Kept headers are frozen, as every token decoded with
 * that segment shares the object. Bounded: emptied when it holds {@link RECENT_HEADERS} of them.
 */
const recentHeaders = new Map<string, Readonly<Record<string, unknown>>>();
const RECENT_HEADERS = 64;

/** Parses a header (SPEC 5.3) and keeps it for the next token with the same segment, if flat. */
function keepHeader(segment: string, text: string, maxDepth: number): Readonly<Record<string, unknown>> {
  const header = Object.freeze(parseStrictJsonMember(text, "header", maxDepth));
  for (const name in header) {
    const value = header[name];
    if (value !== null && typeof value === "object") return header;
  }
  if (recentHeaders.size >= RECENT_HEADERS) recentHeaders.clear();
  recentHeaders.set(segment, header);
  return header;
}

/**
 * A decoded JWS. The header and claims bytes are what verification never needs (it parses their
 * text and checks the signature over the token's own characters), so they are decoded again from
 * the token on first access instead of being kept for every token.
 */
class DecodedJws implements DecodedEct {
  readonly level = 2;
  readonly signingInput: string;
  readonly #firstDot: number;
  #headerBytes: Uint8Array | undefined;
  #payloadBytes: Uint8Array | undefined;

  constructor(
    readonly token: string,
    firstDot: number,
    secondDot: number,
    readonly header: Readonly<Record<string, unknown>>,
    readonly claims: Readonly<Record<string, unknown>>,
    readonly signature: Uint8Array,
  ) {
    this.#firstDot = firstDot;
    this.signingInput = token.slice(0, secondDot);
  }

  get headerBytes(): Uint8Array {
    this.#headerBytes ??= base64urlDecode(this.token.slice(0, this.#firstDot), "header");
    return this.#headerBytes;
  }

  get payloadBytes(): Uint8Array {
    this.#payloadBytes ??= base64urlDecode(this.signingInput.slice(this.#firstDot + 1), "claims");
    return this.#payloadBytes;
  }
}
