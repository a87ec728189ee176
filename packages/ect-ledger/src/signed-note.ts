/**
 * C2SP signed notes (c2sp.org/signed-note), the envelope of ledger checkpoints (profile §7): a text
 * ending in a newline, a blank line, then signature lines `— <key name> <base64(key id ‖ signature)>`.
 * Parsing is strict, so no two byte strings carry the same note: valid UTF-8, no ASCII control
 * character but newline, key names non-empty without spaces or `+`, canonical standard base64.
 *
 * Verification follows the spec: a signature whose (key name, key id) matches no trusted key is
 * ignored; one that matches must verify, or the whole note is refused; at least one must verify.
 * Ed25519 verification uses WebCrypto, so it runs in browsers and edge runtimes.
 */
import { EctConfigError, EctError, EctErrorCodes, type NoteSigner } from "ect-core";
import {
  base64Decode,
  base64Encode,
  formatNoteKeyId,
  isValidNoteKeyName,
  isValidNoteText,
  parseNoteVerifierKey,
} from "ect-core/internal";

/** Notes with more signature lines are refused (the spec asks verifiers to accept at least 16). */
export const MAX_NOTE_SIGNATURES = 100;

const SIGNATURE_PREFIX = "— ";
const encoder = new TextEncoder();

/** Checks a note signature (one key): `ect-ledger` builds one from a vkey with {@link noteVerifierFromVkey}. */
export interface NoteVerifier {
  /** The key name signatures by this key carry. */
  readonly name: string;
  /** The 32-bit key id signatures by this key carry. */
  readonly keyId: number;
  /** True when `signature` (without the key id prefix) is this key's signature over `message`. */
  verify(message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/** One signature line of a note. */
export interface NoteSignature {
  /** The key name. */
  readonly name: string;
  /** The key id (the first 4 bytes of the decoded signature, big-endian). */
  readonly keyId: number;
  /** The signature bytes after the key id. */
  readonly signature: Uint8Array;
}

/** A signed note split into its text and its signature lines (not yet verified). */
export interface SignedNote {
  /** The note text, including its final newline, without the separating blank line. */
  readonly text: string;
  /** Every signature line, in order. */
  readonly signatures: readonly NoteSignature[];
}

/** A note whose signature by at least one trusted key verified. */
export interface VerifiedNote extends SignedNote {
  /** The trusted keys whose signatures verified. */
  readonly verifiedBy: readonly NoteVerifier[];
}

function malformed(message: string, member?: string): EctError {
  return new EctError(EctErrorCodes.LEDGER_NOTE_MALFORMED, message, member === undefined ? {} : { member });
}

/**
 * A {@link NoteVerifier} for an Ed25519 vkey string, verifying with WebCrypto (`crypto.subtle`,
 * algorithm `Ed25519`), so it runs in Node, browsers and edge runtimes.
 *
 * @example
 * ```ts
 * const verifier = noteVerifierFromVkey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
 * const note = await verifySignedNote(noteText, [verifier]);
 * ```
 * @throws EctError `ECT_KEY_INVALID` for a malformed vkey (see {@link parseNoteVerifierKey}).
 */
export function noteVerifierFromVkey(vkey: string): NoteVerifier {
  const { name, keyId, publicKey } = parseNoteVerifierKey(vkey);
  let key: Promise<CryptoKey> | undefined;
  return {
    name,
    keyId,
    async verify(message, signature) {
      key ??= globalThis.crypto.subtle
        .importKey("raw", publicKey as Uint8Array<ArrayBuffer>, { name: "Ed25519" }, false, ["verify"])
        .catch((cause: unknown) => {
          throw new EctError(EctErrorCodes.KEY_INVALID, "this runtime cannot import the Ed25519 note key", {
            member: "vkey",
            cause,
          });
        });
      if (signature.length !== 64) return false;
      return globalThis.crypto.subtle.verify(
        { name: "Ed25519" },
        await key,
        signature as Uint8Array<ArrayBuffer>,
        message as Uint8Array<ArrayBuffer>,
      );
    },
  };
}

function decodeNote(note: string | Uint8Array): string {
  if (typeof note === "string") return note;
  if (!(note instanceof Uint8Array)) throw malformed("a signed note is a string or bytes");
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(note);
  } catch (cause) {
    throw new EctError(EctErrorCodes.LEDGER_NOTE_MALFORMED, "a signed note must be valid UTF-8", { cause });
  }
}

/**
 * Splits a signed note into text and signature lines, strictly (signed-note "Format"): valid UTF-8
 * (bytes, or a well-formed string), no ASCII control character but newline, the text ending in a
 * newline, a blank line, then one or more lines `— <name> <base64>` each ending in a newline, with
 * valid key names and canonical base64 of at least 5 bytes; at most {@link MAX_NOTE_SIGNATURES}.
 *
 * @throws EctError `ECT_LEDGER_NOTE_MALFORMED` naming the broken rule.
 */
export function parseSignedNote(note: string | Uint8Array): SignedNote {
  const text = decodeNote(note);
  if (!isValidNoteText(text)) {
    throw malformed("a signed note must be valid UTF-8 without ASCII control characters other than newline");
  }
  const split = text.lastIndexOf("\n\n");
  if (split < 0) throw malformed("a signed note needs a blank line before its signatures");
  const body = text.slice(0, split + 1);
  const block = text.slice(split + 2);
  if (block.length === 0 || !block.endsWith("\n")) {
    throw malformed("a signed note ends with signature lines, each ending in a newline");
  }
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_NOTE_SIGNATURES)
    throw malformed(`a signed note has at most ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures = lines.map((line, i): NoteSignature => {
    const member = `signatures[${i}]`;
    if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed("a signature line starts with '— '", member);
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(" ");
    if (space < 0) throw malformed("a signature line is '— <key name> <base64>'", member);
    const name = rest.slice(0, space);
    const b64 = rest.slice(space + 1);
    if (!isValidNoteKeyName(name))
      throw malformed("a signature's key name is empty or holds a space", member);
    const raw = base64Decode(b64, member, EctErrorCodes.LEDGER_NOTE_MALFORMED);
    if (raw.length < 5) throw malformed("a signature holds a 4-byte key id and a signature", member);
    return { name, keyId: new DataView(raw.buffer).getUint32(0), signature: raw.slice(4) };
  });
  return { text: body, signatures };
}

/**
 * Verifies a signed note against trusted keys (signed-note "Signatures"): signatures whose key name
 * and key id match no trusted key are ignored; every one that matches must verify; at least one
 * must. Returns the text and which keys verified it.
 *
 * @throws EctError `ECT_LEDGER_NOTE_MALFORMED` for a malformed note;
 *   `ECT_LEDGER_NOTE_SIGNATURE_INVALID` when a trusted key's signature fails or none is present.
 */
export async function verifySignedNote(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
): Promise<VerifiedNote> {
  const parsed = parseSignedNote(note);
  const message = encoder.encode(parsed.text);
  const verifiedBy: NoteVerifier[] = [];
  for (const sig of parsed.signatures) {
    const verifier = verifiers.find((v) => v.name === sig.name && v.keyId === sig.keyId);
    if (verifier === undefined) continue; // an unknown key (e.g. a witness we do not follow)
    if (!(await verifier.verify(message, sig.signature))) {
      throw new EctError(
        EctErrorCodes.LEDGER_NOTE_SIGNATURE_INVALID,
        `the signature by ${sig.name} (key ${formatNoteKeyId(sig.keyId)}) does not verify`,
      );
    }
    if (!verifiedBy.includes(verifier)) verifiedBy.push(verifier);
  }
  if (verifiedBy.length === 0) {
    throw new EctError(
      EctErrorCodes.LEDGER_NOTE_SIGNATURE_INVALID,
      "the note has no signature by a trusted key",
    );
  }
  return { ...parsed, verifiedBy };
}

/**
 * Signs a note text with one or more keys and returns the signed note: the text, a blank line, one
 * signature line per signer.
 *
 * @throws EctError `ECT_LEDGER_NOTE_MALFORMED` when the text does not end in a newline or holds an
 *   ASCII control character other than newline; {@link EctConfigError} (code `ECT_CONFIG_INVALID`)
 *   for a signer with an invalid name or key id (`signers[0]`), or none (`signers`).
 */
export async function signNote(text: string, signers: readonly NoteSigner[]): Promise<string> {
  if (typeof text !== "string" || !text.endsWith("\n") || !isValidNoteText(text)) {
    throw malformed("a note text ends in a newline and holds no ASCII control character but newline");
  }
  if (!Array.isArray(signers) || signers.length === 0) {
    throw new EctConfigError("signers", "must hold at least one note signer");
  }
  const message = encoder.encode(text);
  let lines = "";
  for (const [index, signer] of signers.entries()) {
    if (
      !isValidNoteKeyName(signer.name) ||
      !Number.isInteger(signer.keyId) ||
      signer.keyId < 0 ||
      signer.keyId > 0xffffffff
    ) {
      throw new EctConfigError(`signers[${index}]`, "must have a valid key name and a 32-bit key id");
    }
    const signature = await signer.sign(message);
    const raw = new Uint8Array(4 + signature.length);
    new DataView(raw.buffer).setUint32(0, signer.keyId);
    raw.set(signature, 4);
    lines += `${SIGNATURE_PREFIX}${signer.name} ${base64Encode(raw)}\n`;
  }
  return `${text}\n${lines}`;
}
