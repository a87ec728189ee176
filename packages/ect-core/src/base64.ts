import { EctError, type EctErrorCode, EctErrorCodes } from "./errors.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE_TABLE: Int16Array = decodeTableOf(ALPHABET);

/** The 6-bit value of each ASCII character of a 64-character alphabet, -1 for the others. */
export function decodeTableOf(alphabet: string): Int16Array {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}

/**
 * Encodes bytes with a 64-character alphabet, padded with `=` or not: the one encoder behind
 * standard base64 and base64url.
 */
export function encodeBase64Alphabet(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + (pad ? "==" : "");
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + (pad ? "=" : "");
  }
  return out;
}

/**
 * Encodes bytes as standard base64 with padding (RFC 4648 §4): the encoding of C2SP signed notes,
 * checkpoints and tlog-proof receipts (SPEC 7).
 */
export function base64Encode(bytes: Uint8Array): string {
  return encodeBase64Alphabet(bytes, ALPHABET, true);
}

/**
 * Decodes canonical standard base64 (RFC 4648 §4): a length that is a multiple of 4, padding only
 * where needed, only `[A-Za-z0-9+/]`, unused trailing bits zero, no whitespace; so exactly one
 * string encodes any byte sequence and a flipped character never decodes to the same bytes.
 *
 * @param member - named in the error.
 * @param code - the error code to throw (default `ECT_BASE64URL_INVALID`, the encoding error code).
 * @throws EctError with `code` when `text` is not canonical base64.
 */
export function base64Decode(
  text: string,
  member?: string,
  code: EctErrorCode = EctErrorCodes.BASE64URL_INVALID,
): Uint8Array {
  const fail = () =>
    new EctError(
      code,
      `${member ?? "value"} is not canonical standard base64`,
      member === undefined ? {} : { member },
    );
  if (typeof text !== "string" || text.length % 4 !== 0) throw fail();
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const body = text.length - pad;
  const values = new Uint8Array(body);
  for (let i = 0; i < body; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? DECODE_TABLE[c]! : -1;
    if (v < 0) throw fail();
    values[i] = v;
  }
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < body; i += 4) {
    const n =
      (values[i]! << 18) | (values[i + 1]! << 12) | ((values[i + 2] ?? 0) << 6) | (values[i + 3] ?? 0);
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  // Canonical: the unused low bits of the last character before the padding are zero.
  if (pad === 1 && (values[body - 1]! & 0b11) !== 0) throw fail();
  if (pad === 2 && (values[body - 1]! & 0b1111) !== 0) throw fail();
  return out;
}
