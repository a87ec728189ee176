import { sha256Sync } from "#sha256";
import { base64urlEncode } from "./base64url.js";

const encoder = new TextEncoder();

function toBytes(input: Uint8Array | string): Uint8Array {
  return typeof input === "string" ? encoder.encode(input) : input;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!]!;
  return out;
}

/** Bytes of a lower- or upper-case hex string; throws `TypeError` on odd length or non-hex. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError("not a hex string");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
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
