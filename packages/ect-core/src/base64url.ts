import { decodeTableOf, encodeBase64Alphabet } from "./base64.js";
import { EctError, EctErrorCodes } from "./errors.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const DECODE_TABLE: Int16Array = decodeTableOf(ALPHABET);

/**
 * The runtime's `Buffer`, when it has one (feature detection: nothing is imported). Its base64url
 * output is unpadded and canonical, the same string as the portable encoder's; its decoder is
 * lenient, so it only ever sees segments already known to be canonical.
 */
const nativeBuffer = (
  globalThis as {
    Buffer?: {
      from(
        text: string,
        encoding: "utf8" | "base64url" | "latin1",
      ): Uint8Array & {
        toString(encoding: "base64url"): string;
      };
      from(
        buffer: ArrayBufferLike,
        byteOffset: number,
        length: number,
      ): { toString(encoding: "base64url"): string };
    };
  }
).Buffer;

/** Encodes bytes as base64url without padding (RFC 7515 section 2). */
export function base64urlEncode(bytes: Uint8Array): string {
  // Native where there is one (Node, Bun, Deno): a token's claims encode about 15x faster.
  if (nativeBuffer !== undefined) {
    return nativeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
  }
  return encodeBase64Alphabet(bytes, ALPHABET, false);
}

/** Encodes a string's UTF-8 bytes as unpadded base64url. */
export function base64urlEncodeText(text: string): string {
  if (nativeBuffer !== undefined) return nativeBuffer.from(text, "utf8").toString("base64url");
  return encodeBase64Alphabet(new TextEncoder().encode(text), ALPHABET, false);
}

/**
 * True when `segment` is canonical unpadded base64url (SPEC 5.2): only `[A-Za-z0-9_-]`, no
 * padding or whitespace, a length that is not 1 mod 4, and unused trailing bits zero, so exactly
 * one string encodes any byte sequence.
 */
export function isCanonicalBase64url(segment: string): boolean {
  const len = segment.length;
  if (len % 4 === 1) return false;
  for (let i = 0; i < len; i++) {
    const c = segment.charCodeAt(i);
    if (c >= 128 || DECODE_TABLE[c] === -1) return false;
  }
  return hasCanonicalEnd(segment, 0, len);
}

const BASE64URL_ALPHABET_ONLY = /^[A-Za-z0-9_-]*$/;
/** A JWS whose three segments use only the base64url alphabet (the dots already counted). */
const JWS_ALPHABET_ONLY = /^[A-Za-z0-9_.-]*$/;

/**
 * The length and unused trailing bits of `text.slice(start, end)`, already known to use only the
 * alphabet: a length that is not 1 mod 4, and zero bits where the last character has unused ones.
 */
function hasCanonicalEnd(text: string, start: number, end: number): boolean {
  const rem = (end - start) % 4;
  if (rem === 1) return false;
  if (rem === 0) return true;
  const last = DECODE_TABLE[text.charCodeAt(end - 1)]!;
  // 2 chars carry 8 bits (4 unused), 3 chars carry 16 bits (2 unused).
  return (last & (rem === 2 ? 0b1111 : 0b11)) === 0;
}

/**
 * {@link isCanonicalBase64url} for the native path: the alphabet by one regular expression (far
 * cheaper than a loop over a token's characters), then the length and the unused trailing bits.
 */
function isCanonicalShape(segment: string): boolean {
  return BASE64URL_ALPHABET_ONLY.test(segment) && hasCanonicalEnd(segment, 0, segment.length);
}

const ascii = new TextEncoder();
const NO_BYTES = new Uint8Array(0);

/**
 * The three segments of a JWS, `token` split at `firstDot` and `secondDot`, each canonical
 * unpadded base64url (SPEC 5.2), checked header first, then claims, then signature, and decoded.
 * `header` and `claims` are for reading at once (decode their text, then drop them): with a native
 * `Buffer` they are views of its shared allocation pool. `signature` is the caller's own. With
 * `decodeHeader` false the header segment is taken as already known canonical (the caller decoded
 * this very segment before) and comes back empty.
 *
 * @throws {@link EctError} `ECT_BASE64URL_INVALID` naming `header`, `claims` or `signature`.
 */
export function base64urlDecodeJws(
  token: string,
  firstDot: number,
  secondDot: number,
  decodeHeader = true,
): [header: Uint8Array, claims: Uint8Array, signature: Uint8Array] {
  if (
    nativeBuffer !== undefined &&
    JWS_ALPHABET_ONLY.test(token) &&
    hasCanonicalEnd(token, 0, firstDot) &&
    hasCanonicalEnd(token, firstDot + 1, secondDot) &&
    hasCanonicalEnd(token, secondDot + 1, token.length)
  ) {
    // Native path: one check of the whole token's alphabet, then the native decoder.
    const pooled = nativeBuffer.from(token.slice(secondDot + 1), "base64url");
    const signature = new Uint8Array(pooled.length);
    signature.set(pooled);
    return [
      decodeHeader ? nativeBuffer.from(token.slice(0, firstDot), "base64url") : NO_BYTES,
      nativeBuffer.from(token.slice(firstDot + 1, secondDot), "base64url"),
      signature,
    ];
  }
  // Portable path, and every refusal (which names the first bad segment).
  return [
    decodeHeader ? base64urlDecode(token.slice(0, firstDot), "header") : NO_BYTES,
    base64urlDecode(token.slice(firstDot + 1, secondDot), "claims"),
    base64urlDecode(token.slice(secondDot + 1), "signature"),
  ];
}

/**
 * The bytes of ASCII `text` (a JWS signing input), to hand to a signature primitive at once: with
 * a native `Buffer` a view of its shared allocation pool, never to be kept.
 */
export function asciiBytes(text: string): Uint8Array {
  return nativeBuffer !== undefined ? nativeBuffer.from(text, "latin1") : ascii.encode(text);
}

/**
 * Decodes canonical unpadded base64url (SPEC 5.2). Anything else (padding, whitespace, `+` or `/`,
 * non-zero trailing bits, impossible length) throws `ECT_BASE64URL_INVALID`.
 *
 * @param member - named in the error, e.g. `"header"`.
 */
export function base64urlDecode(segment: string, member?: string): Uint8Array {
  if (nativeBuffer !== undefined && typeof segment === "string" && isCanonicalShape(segment)) {
    // Native fast path (Node, Bun, Deno): several times faster than the loop below on the
    // verification hot path. The native decoder is lenient (it also takes `+`, `/`, `=` and
    // whitespace), so it only ever sees a string already known to be canonical.
    // Copied out of Buffer's shared pool: the result's `.buffer` holds nothing else.
    return new Uint8Array(nativeBuffer.from(segment, "base64url"));
  }
  if (!isCanonicalBase64url(segment)) {
    throw new EctError(
      EctErrorCodes.BASE64URL_INVALID,
      `${member ?? "segment"} is not canonical unpadded base64url`,
      member === undefined ? {} : { member },
    );
  }
  const len = segment.length;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let o = 0;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    const n =
      (DECODE_TABLE[segment.charCodeAt(i)]! << 18) |
      (DECODE_TABLE[segment.charCodeAt(i + 1)]! << 12) |
      (DECODE_TABLE[segment.charCodeAt(i + 2)]! << 6) |
      DECODE_TABLE[segment.charCodeAt(i + 3)]!;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  const rest = len - i;
  if (rest === 2) {
    const n = (DECODE_TABLE[segment.charCodeAt(i)]! << 18) | (DECODE_TABLE[segment.charCodeAt(i + 1)]! << 12);
    out[o++] = n >> 16;
  } else if (rest === 3) {
    const n =
      (DECODE_TABLE[segment.charCodeAt(i)]! << 18) |
      (DECODE_TABLE[segment.charCodeAt(i + 1)]! << 12) |
      (DECODE_TABLE[segment.charCodeAt(i + 2)]! << 6);
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 255;
  }
  return out;
}
