/**
 * C2SP signed-note keys (SPEC 7: a ledger's checkpoint key): key names, key ids and the verifier key
 * string `<name>+<key id hex>+<base64(type ‖ public key)>`. Here, in the bottom layer, because both
 * the signer (`ect-crypto`) and the verifier (`ect-ledger`) need the one definition.
 */

import { sha256Sync } from "#sha256";
import { base64Decode, base64Encode } from "./base64.js";
import { EctError, EctErrorCodes } from "./errors.js";

/** The signature type byte of Ed25519 note keys (signed-note "Signature types"). */
export const NOTE_KEY_TYPE_ED25519 = 0x01;

const encoder = new TextEncoder();

/** The parts of a verifier key (vkey) string. */
export interface NoteVerifierKey {
  /** The key name. */
  readonly name: string;
  /** The key id. */
  readonly keyId: number;
  /** The signature type byte (only {@link NOTE_KEY_TYPE_ED25519} is supported). */
  readonly type: number;
  /** The public key (32 bytes for Ed25519). */
  readonly publicKey: Uint8Array;
}

function keyInvalid(message: string): EctError {
  return new EctError(EctErrorCodes.KEY_INVALID, message, { member: "vkey" });
}

/** Unicode white space (Go's `unicode.IsSpace`, which the reference implementation uses) or `+`. */
const NAME_FORBIDDEN = /[\s\u0085+]/u;

/** True when `name` may be a note key name: non-empty, no Unicode space, no `+` (signed-note "Format"). */
export function isValidNoteKeyName(name: string): boolean {
  return typeof name === "string" && name.length > 0 && !NAME_FORBIDDEN.test(name) && isValidNoteText(name);
}

/**
 * True when `text` may appear in a signed note: well-formed UTF-16 (so valid UTF-8 once encoded)
 * with no ASCII control character other than newline (signed-note "Format").
 */
export function isValidNoteText(text: string): boolean {
  // Lone surrogates cannot be encoded as UTF-8; control characters are forbidden by the spec.
  return !/[\u0000-\u0009\u000b-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(
    text,
  );
}

/**
 * The key id of a note key (signed-note "Signatures"): the first 4 bytes, big-endian, of
 * `SHA-256(name ‖ 0x0A ‖ type ‖ public key)`.
 */
export function noteKeyId(name: string, publicKey: Uint8Array, type: number = NOTE_KEY_TYPE_ED25519): number {
  const nameBytes = encoder.encode(name);
  const input = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  input.set(nameBytes);
  input[nameBytes.length] = 0x0a;
  input[nameBytes.length + 1] = type;
  input.set(publicKey, nameBytes.length + 2);
  const digest = sha256Sync(input);
  return new DataView(digest.buffer, digest.byteOffset).getUint32(0);
}

/** The key id as 8 lower-case hex digits, as in vkeys. */
export function formatNoteKeyId(keyId: number): string {
  return keyId.toString(16).padStart(8, "0");
}

/**
 * Formats an Ed25519 verifier key: `<name>+<key id hex>+<base64(0x01 ‖ public key)>`.
 *
 * @throws EctError `ECT_KEY_INVALID` for an invalid name or a public key that is not 32 bytes.
 */
export function formatNoteVerifierKey(options: {
  /** The key name (for a ledger, its origin). */
  readonly name: string;
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}): string {
  const { name, publicKey } = options;
  if (!isValidNoteKeyName(name)) throw keyInvalid("a note key name must be non-empty, without spaces or '+'");
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw keyInvalid("an Ed25519 public key is 32 bytes");
  }
  const typed = new Uint8Array(33);
  typed[0] = NOTE_KEY_TYPE_ED25519;
  typed.set(publicKey, 1);
  return `${name}+${formatNoteKeyId(noteKeyId(name, publicKey))}+${base64Encode(typed)}`;
}

/**
 * Parses a verifier key string strictly: three `+`-separated parts, a valid key name, 8 lower-case
 * hex digits, canonical base64 of the type byte and the key; an Ed25519 key (type 0x01, 32 bytes);
 * and a key id that is the one the name and key give.
 *
 * @throws EctError `ECT_KEY_INVALID` naming the broken rule.
 */
export function parseNoteVerifierKey(vkey: string): NoteVerifierKey {
  if (typeof vkey !== "string") throw keyInvalid("a vkey is a string");
  // Split at the first two '+' only: names and hex ids hold none, base64 may.
  const match = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(vkey);
  if (match === null) throw keyInvalid("a vkey is <name>+<key id hex>+<base64 key>");
  const [, name, hex, key64] = match as unknown as [string, string, string, string];
  if (!isValidNoteKeyName(name)) throw keyInvalid("the vkey's key name is empty or holds a space");
  if (!/^[0-9a-f]{8}$/.test(hex)) throw keyInvalid("the vkey's key id is not 8 lower-case hex digits");
  const typed = base64Decode(key64, "vkey", EctErrorCodes.KEY_INVALID);
  if (typed[0] !== NOTE_KEY_TYPE_ED25519) throw keyInvalid("the vkey is not an Ed25519 key (type 0x01)");
  if (typed.length !== 33) throw keyInvalid("an Ed25519 vkey holds a 32-byte public key");
  const publicKey = typed.slice(1);
  const keyId = Number.parseInt(hex, 16);
  if (noteKeyId(name, publicKey) !== keyId)
    throw keyInvalid("the vkey's key id does not match its name and key");
  return { name, keyId, type: NOTE_KEY_TYPE_ED25519, publicKey };
}
