/**
 * C2SP checkpoints (c2sp.org/tlog-checkpoint), profile §7: the note text `<origin>\n<tree size>\n
 * <base64 root>\n` (optional extension lines after it), signed as a C2SP signed note by the ledger's
 * note key, whose key name is the origin.
 */
import { EctConfigError, EctError, EctErrorCodes, type NoteSigner } from "ect-core";
import { base64Decode, base64Encode } from "ect-core/internal";
import { MERKLE_HASH_LENGTH } from "./merkle-hash.js";
import { type NoteVerifier, parseSignedNote, signNote, verifySignedNote } from "./signed-note.js";

/** A log's tree head as a checkpoint states it. */
export interface Checkpoint {
  /** The log's identity, e.g. `ect.example.org/ledger/<ledgerId>` (also the note key's name). */
  readonly origin: string;
  /** The number of leaves. */
  readonly treeSize: number;
  /** The RFC 9162 root of the first `treeSize` leaves (32 bytes). */
  readonly root: Uint8Array;
  /** Extension lines (opaque, optional, not recommended by the spec). */
  readonly extensions?: readonly string[];
}

/** A checkpoint read from its note text. */
export interface ParsedCheckpoint extends Checkpoint {
  /** Extension lines, possibly none. */
  readonly extensions: readonly string[];
}

/** A checkpoint whose note signature by the origin's trusted key verified. */
export interface VerifiedCheckpoint extends ParsedCheckpoint {
  /** The whole signed note, exactly as given. */
  readonly note: string;
  /** The note text (what the signatures cover). */
  readonly text: string;
}

function malformed(message: string, member?: string): EctError {
  return new EctError(
    EctErrorCodes.LEDGER_CHECKPOINT_MALFORMED,
    message,
    member === undefined ? {} : { member },
  );
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** A line of note text: non-empty, no newline, no ASCII control character. */
function isNoteLine(line: string): boolean {
  return line.length > 0 && !/[\u0000-\u001f]/.test(line);
}

/**
 * The checkpoint note text: origin, decimal tree size and base64 root, each on its own line, then
 * any extension lines; ends with a newline.
 *
 * @throws EctError `ECT_LEDGER_CHECKPOINT_MALFORMED` for an empty origin or one with a control
 *   character, a size that is not a non-negative safe integer, a root that is not 32 bytes, an empty
 *   extension line.
 */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, treeSize, root, extensions = [] } = checkpoint;
  if (typeof origin !== "string" || !isNoteLine(origin))
    throw malformed("the origin is a non-empty line", "origin");
  if (!Number.isSafeInteger(treeSize) || treeSize < 0) {
    throw malformed("the tree size is a non-negative integer", "treeSize");
  }
  if (!(root instanceof Uint8Array) || root.length !== MERKLE_HASH_LENGTH) {
    throw malformed("the root hash is 32 bytes", "root");
  }
  for (const line of extensions) {
    if (typeof line !== "string" || !isNoteLine(line))
      throw malformed("extension lines are non-empty", "extensions");
  }
  return [origin, String(treeSize), base64Encode(root), ...extensions].map((line) => `${line}\n`).join("");
}

/**
 * Parses checkpoint note text strictly (tlog-checkpoint "Note text"): at least three lines, each
 * ending in a newline; a non-empty origin; the size in decimal without leading zeros; the root as
 * canonical base64 of 32 bytes; non-empty extension lines.
 *
 * @throws EctError `ECT_LEDGER_CHECKPOINT_MALFORMED` naming the broken rule.
 */
export function parseCheckpoint(text: string): ParsedCheckpoint {
  if (typeof text !== "string" || !text.endsWith("\n"))
    throw malformed("a checkpoint's text ends in a newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) throw malformed("a checkpoint has an origin, a size and a root line");
  const [origin, size, root64, ...extensions] = lines as [string, string, string, ...string[]];
  if (!isNoteLine(origin)) throw malformed("the origin line is empty", "origin");
  if (!DECIMAL.test(size))
    throw malformed("the size line is a decimal number without leading zeros", "treeSize");
  const treeSize = Number(size);
  if (!Number.isSafeInteger(treeSize)) throw malformed("the tree size is too large", "treeSize");
  const root = base64Decode(root64, "root", EctErrorCodes.LEDGER_CHECKPOINT_MALFORMED);
  if (root.length !== MERKLE_HASH_LENGTH) throw malformed("the root hash is 32 bytes", "root");
  for (const line of extensions)
    if (!isNoteLine(line)) throw malformed("extension lines are non-empty", "extensions");
  return { origin, treeSize, root, extensions };
}

/**
 * Signs a checkpoint with the log's note key and returns the signed note. The signer's key name
 * must be the origin (profile §7).
 *
 * @throws {@link EctConfigError} (code `ECT_CONFIG_INVALID`) when the signer's name is not the
 *   origin; EctError `ECT_LEDGER_CHECKPOINT_MALFORMED` for a bad checkpoint (see {@link formatCheckpoint}).
 */
export async function signCheckpoint(checkpoint: Checkpoint, signer: NoteSigner): Promise<string> {
  const text = formatCheckpoint(checkpoint);
  if (signer.name !== checkpoint.origin) {
    throw new EctConfigError(
      "signer.name",
      "must be the checkpoint's origin (the note key is named after it)",
      {
        received: signer.name,
      },
    );
  }
  return signNote(text, [signer]);
}

/**
 * Verifies a signed checkpoint: the note's signature by a trusted key named after the checkpoint's
 * origin (tlog-proof "Verifying", step 2), and, when `origin` is given, that it is the origin
 * expected. Other signatures (witness cosignatures, rotated keys) are ignored.
 *
 * @throws EctError `ECT_LEDGER_NOTE_MALFORMED` / `ECT_LEDGER_CHECKPOINT_MALFORMED` for a malformed
 *   note / checkpoint text or an unexpected origin; `ECT_LEDGER_NOTE_SIGNATURE_INVALID` when no
 *   trusted key of the origin signed it, or its signature fails.
 */
export async function verifyCheckpoint(
  note: string | Uint8Array,
  options: {
    /** The trusted note keys (a ledger's, from its vkey). Only those named after the origin count. */
    readonly verifiers: readonly NoteVerifier[];
    /** The origin the caller expects, when it knows it. */
    readonly origin?: string;
  },
): Promise<VerifiedCheckpoint> {
  const { text } = parseSignedNote(note);
  const checkpoint = parseCheckpoint(text);
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw malformed(`the checkpoint's origin is not ${JSON.stringify(options.origin)}`, "origin");
  }
  const trusted = options.verifiers.filter((v) => v.name === checkpoint.origin);
  if (trusted.length === 0) {
    throw new EctError(
      EctErrorCodes.LEDGER_NOTE_SIGNATURE_INVALID,
      `no trusted note key for the origin ${JSON.stringify(checkpoint.origin)}`,
    );
  }
  await verifySignedNote(note, trusted);
  return { ...checkpoint, note: typeof note === "string" ? note : new TextDecoder().decode(note), text };
}
