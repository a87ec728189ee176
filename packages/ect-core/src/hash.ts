import { sha256Sync } from "#sha256";
import { base64urlEncode } from "./base64url.js";

const encoder = new TextEncoder();

function toBytes(input: Uint8Array | string): Uint8Array {
  return typeof input === "string" ? encoder.encode(input) : input;
}

/** ASCII codes of the 16 lower-case hex digits. */
const HEX_DIGITS = new TextEncoder().encode("0123456789abcdef");
const asciiDecoder = new TextDecoder();

/**
 * Lower-case hex of `bytes`. The digits are written as ASCII bytes and decoded once: one flat
 * string, where appending two characters per byte would leave a tree of string pieces behind (a
 * ledger keeps a leaf hash per entry, and reads it back).
 */
export function toHex(bytes: Uint8Array): string {
  const ascii = new Uint8Array(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) {
    ascii[2 * i] = HEX_DIGITS[bytes[i]! >> 4]!;
    ascii[2 * i + 1] = HEX_DIGITS[bytes[i]! & 15]!;
  }
  return asciiDecoder.decode(ascii);
}

/** Character code -> its hex digit's value, -1 for anything else (codes above 127 included). */
const HEX_VALUE = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 16; i++) {
    const digit = i.toString(16);
    table[digit.charCodeAt(0)] = i;
    table[digit.toUpperCase().charCodeAt(0)] = i;
  }
  return table;
})();

/**
 * Bytes of a lower- or upper-case hex string; throws `TypeError` on odd length or non-hex. One table
 * lookup per character (ledgers decode a stored leaf hash per integrated entry).
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new TypeError("not a hex string");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const high = HEX_VALUE[hex.charCodeAt(2 * i)] ?? -1;
    const low = HEX_VALUE[hex.charCodeAt(2 * i + 1)] ?? -1;
    if ((high | low) < 0) throw new TypeError("not a hex string");
    out[i] = (high << 4) | low;
  }
  return out;
}

/** Inputs up to this size are hashed synchronously in JavaScript; longer ones by WebCrypto. */
const SYNC_HASH_MAX_BYTES = 64 * 1024;

/**
 * SHA-256 of `input` (a string is hashed as its UTF-8 bytes). Short inputs (tokens, hashes) are
 * hashed in JavaScript without a thread hop; inputs over 64 KiB go to WebCrypto, which is faster per
 * byte and does not block the event loop.
 */
export async function sha256(input: Uint8Array | string): Promise<Uint8Array> {
  const bytes = toBytes(input);
  if (bytes.length <= SYNC_HASH_MAX_BYTES) return sha256Sync(bytes);
  return new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

/**
 * SHA-256 of the exact bytes given, as unpadded base64url: the form of `inp_hash` and `out_hash`
 * (SPEC 3). Hash the bytes as sent (for HTTP, the body bytes), never a re-serialisation.
 */
export async function sha256Base64url(input: Uint8Array | string): Promise<string> {
  return base64urlEncode(await sha256(input));
}
