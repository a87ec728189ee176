/**
 * Ed25519 note keys for C2SP signed notes (profile §7: a ledger signs its checkpoints with one).
 * The private key string is the `skey` format of the Go reference implementation
 * (golang.org/x/mod/sumdb/note): `PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 ‖ 32-byte seed)>`;
 * the public one the signed-note vkey. WebCrypto only, so it runs in any runtime.
 */
import { EctConfigError, EctError, EctErrorCodes, type NoteSigner } from "ect-core";
import {
  assertKnownOptions,
  base64Decode,
  base64Encode,
  base64urlDecode,
  formatNoteKeyId,
  formatNoteVerifierKey,
  isValidNoteKeyName,
  NOTE_KEY_TYPE_ED25519,
  noteKeyId,
} from "ect-core/internal";

/** An Ed25519 {@link NoteSigner} that also knows its public verifier key. */
export interface Ed25519NoteSigner extends NoteSigner {
  /** The verifier key string to publish: `<name>+<key id hex>+<base64(0x01 ‖ public key)>`. */
  readonly vkey: string;
}

/** A new note key: its signer and both key strings. */
export interface GeneratedNoteKey {
  /** Signs notes with the new key. */
  readonly signer: Ed25519NoteSigner;
  /** The public verifier key to publish. */
  readonly vkey: string;
  /** The private key string to keep secret (`PRIVATE+KEY+…`). */
  readonly skey: string;
}

// PKCS #8 wrapping of a raw Ed25519 seed (RFC 8410 §7): a fixed 16-byte prefix, then the 32 bytes.
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

function keyInvalid(message: string, cause?: unknown): EctError {
  return new EctError(EctErrorCodes.KEY_INVALID, message, {
    member: "skey",
    ...(cause === undefined ? {} : { cause }),
  });
}

function pkcs8FromSeed(seed: Uint8Array): Uint8Array<ArrayBuffer> {
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + seed.length);
  der.set(PKCS8_ED25519_PREFIX);
  der.set(seed, PKCS8_ED25519_PREFIX.length);
  return der;
}

async function signerFromSeed(
  name: string,
  seed: Uint8Array,
): Promise<Ed25519NoteSigner & { publicKey: Uint8Array }> {
  let privateKey: CryptoKey;
  let publicKey: Uint8Array;
  try {
    const der = pkcs8FromSeed(seed);
    // Imported once extractable to read its public half, then kept non-extractable for signing.
    const probe = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, true, ["sign"]);
    const jwk = await crypto.subtle.exportKey("jwk", probe);
    publicKey = base64urlDecode(jwk.x ?? "", "x");
    privateKey = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, false, ["sign"]);
  } catch (cause) {
    throw keyInvalid("this runtime cannot use the Ed25519 note key", cause);
  }
  const vkey = formatNoteVerifierKey({ name, publicKey });
  return {
    name,
    keyId: noteKeyId(name, publicKey),
    vkey,
    publicKey,
    async sign(message) {
      return new Uint8Array(
        await crypto.subtle.sign({ name: "Ed25519" }, privateKey, message as Uint8Array<ArrayBuffer>),
      );
    },
  };
}

function publicSigner(signer: Ed25519NoteSigner): Ed25519NoteSigner {
  const { name, keyId, vkey, sign } = signer;
  return Object.freeze({ name, keyId, vkey, sign });
}

/**
 * Generates an Ed25519 note key named `name` (for a ledger: its origin, e.g.
 * `ect.example.org/ledger/orders`).
 *
 * @example
 * ```ts
 * const { signer, vkey, skey } = await generateNoteKey({ name: "ect.example.org/ledger/orders" });
 * // keep skey secret; publish vkey; give signer to the ledger
 * ```
 * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for an unknown option or
 *   a name that is empty or holds a space or `+` (option `name`).
 */
export async function generateNoteKey(options: {
  /** The key name: non-empty, no spaces, no `+`. */
  readonly name: string;
}): Promise<GeneratedNoteKey> {
  assertKnownOptions(options, ["name"]);
  const { name } = options;
  if (!isValidNoteKeyName(name)) {
    throw new EctConfigError("name", "must be a non-empty note key name without spaces or '+'", {
      received: name,
    });
  }
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const signer = await signerFromSeed(name, seed);
  const typedSeed = new Uint8Array(33);
  typedSeed[0] = NOTE_KEY_TYPE_ED25519;
  typedSeed.set(seed, 1);
  const skey = `PRIVATE+KEY+${name}+${formatNoteKeyId(signer.keyId)}+${base64Encode(typedSeed)}`;
  typedSeed.fill(0);
  seed.fill(0);
  return { signer: publicSigner(signer), vkey: signer.vkey, skey };
}

/**
 * A note signer from a private key string (`PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 ‖ seed)>`),
 * parsed strictly; the key id must be the one the name and the derived public key give.
 *
 * @throws EctError `ECT_KEY_INVALID` naming the broken rule.
 */
export async function createNoteSigner(skey: string): Promise<Ed25519NoteSigner> {
  if (typeof skey !== "string") throw keyInvalid("a note private key is a string");
  // Split at the first four '+' only: names and hex ids hold none, base64 may.
  const match = /^PRIVATE\+KEY\+([^+]*)\+([^+]*)\+(.*)$/s.exec(skey);
  if (match === null) throw keyInvalid("a note private key is PRIVATE+KEY+<name>+<key id hex>+<base64 key>");
  const [, name, hex, key64] = match as unknown as [string, string, string, string];
  if (!isValidNoteKeyName(name)) throw keyInvalid("the key name is empty or holds a space");
  if (!/^[0-9a-f]{8}$/.test(hex)) throw keyInvalid("the key id is not 8 lower-case hex digits");
  const typed = base64Decode(key64, "skey", EctErrorCodes.KEY_INVALID);
  if (typed[0] !== NOTE_KEY_TYPE_ED25519 || typed.length !== 33) {
    throw keyInvalid("the key is not an Ed25519 note key (type 0x01, 32-byte seed)");
  }
  const signer = await signerFromSeed(name, typed.subarray(1));
  typed.fill(0);
  if (signer.keyId !== Number.parseInt(hex, 16))
    throw keyInvalid("the key id does not match the name and key");
  return publicSigner(signer);
}
