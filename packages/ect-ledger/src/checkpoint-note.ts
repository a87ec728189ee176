/**
 * Checkpoint text and its signature line (profile §7 "Checkpoint", C2SP tlog-checkpoint and
 * signed-note). Stand-in until the note module lands; only the ledger uses it.
 */
import { EctError, EctErrorCodes } from "ect-core";

/**
 * Signs C2SP signed-note text with one key (profile §7): `name` is the key name (the log's
 * origin), `keyId` its 4-byte key id, `sign` returns the raw signature over the note text bytes.
 */
export interface NoteSigner {
  /** The key name, which for a ledger is its origin. */
  readonly name: string;
  /** The verifier key `<name>+<keyid hex>+<base64>` published for this key, if known. */
  readonly vkey?: string;
  /** The 4-byte key id of the signed-note format. */
  readonly keyId: Uint8Array;
  /** The signature over `message` (the note text bytes). */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

const encoder = new TextEncoder();

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** C2SP tlog-checkpoint text: origin line, decimal size, standard base64 root, each ending in LF. */
export function checkpointText(origin: string, size: number, root: Uint8Array): string {
  return `${origin}\n${size}\n${base64(root)}\n`;
}

/** The checkpoint note: its text, signed when a signer is given (otherwise the text alone). */
export async function signCheckpoint(text: string, signer: NoteSigner | undefined): Promise<string> {
  if (signer === undefined) return text;
  const signature = await signer.sign(encoder.encode(text));
  const line = new Uint8Array(signer.keyId.length + signature.length);
  line.set(signer.keyId, 0);
  line.set(signature, signer.keyId.length);
  return `${text}\n\u2014 ${signer.name} ${base64(line)}\n`;
}

/** What a checkpoint note's text says. */
export interface CheckpointFields {
  /** The log's origin line. */
  readonly origin: string;
  /** The tree size. */
  readonly size: number;
  /** The root hash. */
  readonly root: Uint8Array;
}

/** Reads the origin, size and root of a checkpoint note (signed or not). */
export function readCheckpoint(note: string): CheckpointFields {
  const text = note.split("\n\n")[0] ?? "";
  const [origin, sizeText, rootText] = text.split("\n");
  const malformed = (why: string) =>
    new EctError(EctErrorCodes.LEDGER_CHECKPOINT_MALFORMED, `checkpoint note: ${why}`);
  if (!origin) throw malformed("no origin line");
  if (sizeText === undefined || !/^(0|[1-9][0-9]*)$/.test(sizeText)) throw malformed("bad size line");
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw malformed("size too large");
  let root: Uint8Array;
  try {
    root = fromBase64(rootText ?? "");
  } catch {
    throw malformed("root is not base64");
  }
  if (root.length !== 32) throw malformed("root is not 32 bytes");
  return { origin, size, root };
}
