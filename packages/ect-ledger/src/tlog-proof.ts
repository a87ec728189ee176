/**
 * `c2sp.org/tlog-proof@v1` receipts (profile §7): a portable, offline-verifiable proof that an entry
 * is in the ledger: the `extra` line (base64 of the entry's leaf input, so the receipt alone gives
 * back the token, its ingestion time and WIT), the index, the inclusion proof hashes and the signed
 * checkpoint they lead to.
 */
import { EctConfigError, EctError, EctErrorCodes } from "ect-core";
import { assertKnownOptions, base64Decode, base64Encode } from "ect-core/internal";
import { verifyCheckpoint } from "./checkpoint.js";
import { type LeafInputFields, leafInput, parseLeafInput } from "./leaf-input.js";
import { hashLeaf, MERKLE_HASH_LENGTH } from "./merkle-hash.js";
import { verifyInclusion } from "./merkle-proof.js";
import { type NoteVerifier, noteVerifierFromVkey } from "./signed-note.js";

/** The first line of every receipt. */
export const TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1";

/** Receipts with more proof lines are refused (a proof for any safe-integer tree size has fewer). */
const MAX_PROOF_LINES = 64;

/** The parts of a tlog-proof. */
export interface TlogProof {
  /** The opaque extra data (for ledger receipts: the entry's leaf input), when present. */
  readonly extra?: Uint8Array;
  /** The entry's index in the log (0-based). */
  readonly index: number;
  /** The inclusion proof hashes, from the leaf's sibling up. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint, verbatim (a signed note). */
  readonly checkpoint: string;
}

/** What a verified receipt proves. */
export interface TlogProofVerification {
  /** The entry's index. */
  readonly index: number;
  /** The size of the checkpointed tree that includes it. */
  readonly treeSize: number;
  /** The checkpoint's origin (the ledger's identity). */
  readonly origin: string;
  /** The checkpoint's root. */
  readonly root: Uint8Array;
  /** The entry's leaf hash, recomputed from the extra line. */
  readonly leafHash: Uint8Array;
  /** The token, read back from the leaf input. */
  readonly token: string;
  /** The ingestion time (ms), read back from the leaf input. */
  readonly ingestedAt: number;
  /** The WIT the token was accepted on, or `null`. */
  readonly wit: string | null;
  /** The whole signed checkpoint. */
  readonly checkpoint: string;
}

function malformed(message: string, member?: string): EctError {
  return new EctError(
    EctErrorCodes.LEDGER_RECEIPT_MALFORMED,
    message,
    member === undefined ? {} : { member },
  );
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Formats a tlog-proof: the header line, `extra <base64>` when there is extra data, `index <n>`, one
 * base64 proof hash per line, a blank line, then the signed checkpoint verbatim.
 *
 * @throws EctError `ECT_LEDGER_RECEIPT_MALFORMED` for a bad index, a proof hash that is not 32
 *   bytes, empty extra data, or a checkpoint that does not end in a newline.
 */
export function formatTlogProof(receipt: TlogProof): string {
  const { extra, index, proof, checkpoint } = receipt;
  if (!Number.isSafeInteger(index) || index < 0)
    throw malformed("the index is a non-negative integer", "index");
  if (proof.length > MAX_PROOF_LINES) throw malformed("too many proof hashes", "proof");
  for (const hash of proof) {
    if (!(hash instanceof Uint8Array) || hash.length !== MERKLE_HASH_LENGTH) {
      throw malformed("proof hashes are 32 bytes", "proof");
    }
  }
  if (extra !== undefined && (!(extra instanceof Uint8Array) || extra.length === 0)) {
    throw malformed("extra data, when present, is not empty", "extra");
  }
  if (typeof checkpoint !== "string" || !checkpoint.endsWith("\n")) {
    throw malformed("the checkpoint is a signed note ending in a newline", "checkpoint");
  }
  const lines = [TLOG_PROOF_HEADER];
  if (extra !== undefined) lines.push(`extra ${base64Encode(extra)}`);
  lines.push(`index ${index}`, ...proof.map(base64Encode), "");
  return `${lines.join("\n")}\n${checkpoint}`;
}

/**
 * The receipt of a ledger entry (profile §7): a tlog-proof whose `extra` line is the entry's leaf
 * input, so its holder gets the token, ingestion time and WIT back from it.
 *
 * @example
 * ```ts
 * const entry = await ledger.get(wid, jti);
 * const inclusion = await ledger.inclusionOf(wid, jti); // { checkpoint, proof }
 * const receipt = formatEntryTlogProof({ entry, proof: inclusion.proof, checkpoint: inclusion.checkpoint.note });
 * ```
 * @throws EctError `ECT_LEDGER_RECEIPT_MALFORMED` (see {@link formatTlogProof}), or the leaf input's
 *   own error for an entry whose token or WIT is not compact.
 */
export function formatEntryTlogProof(options: {
  /** The entry: its index and what its leaf input covers. */
  readonly entry: LeafInputFields & { readonly index: number };
  /** Its inclusion proof in the checkpoint's tree. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint (the whole note). */
  readonly checkpoint: string;
}): string {
  const { entry, proof, checkpoint } = options;
  return formatTlogProof({ extra: leafInput(entry), index: entry.index, proof, checkpoint });
}

/**
 * Parses a tlog-proof strictly (tlog-proof "Format"): valid UTF-8; the exact header line; an
 * optional `extra` line of canonical base64; `index` in decimal without leading zeros; proof lines
 * of canonical base64 of 32 bytes; an empty line; a non-empty checkpoint (checked when verified).
 *
 * @throws EctError `ECT_LEDGER_RECEIPT_MALFORMED` naming the broken rule.
 */
export function parseTlogProof(receipt: string | Uint8Array): TlogProof {
  let text: string;
  if (typeof receipt === "string") text = receipt;
  else {
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(receipt);
    } catch (cause) {
      throw new EctError(EctErrorCodes.LEDGER_RECEIPT_MALFORMED, "a receipt must be valid UTF-8", { cause });
    }
  }
  const lines = text.split("\n");
  let at = 0;
  if (lines[at++] !== TLOG_PROOF_HEADER)
    throw malformed(`a receipt starts with the line ${TLOG_PROOF_HEADER}`);
  let extra: Uint8Array | undefined;
  if (lines[at]?.startsWith("extra ")) {
    extra = base64Decode(
      lines[at++]!.slice("extra ".length),
      "extra",
      EctErrorCodes.LEDGER_RECEIPT_MALFORMED,
    );
    if (extra.length === 0) throw malformed("the extra line is not empty", "extra");
  }
  const indexLine = lines[at++] ?? "";
  if (!indexLine.startsWith("index ") || !DECIMAL.test(indexLine.slice("index ".length))) {
    throw malformed("the index line is 'index <decimal without leading zeros>'", "index");
  }
  const index = Number(indexLine.slice("index ".length));
  if (!Number.isSafeInteger(index)) throw malformed("the index is too large", "index");
  const proof: Uint8Array[] = [];
  for (; at < lines.length && lines[at] !== ""; at++) {
    if (proof.length === MAX_PROOF_LINES) throw malformed("too many proof hashes", "proof");
    const hash = base64Decode(lines[at]!, `proof[${proof.length}]`, EctErrorCodes.LEDGER_RECEIPT_MALFORMED);
    if (hash.length !== MERKLE_HASH_LENGTH)
      throw malformed("proof hashes are 32 bytes", `proof[${proof.length}]`);
    proof.push(hash);
  }
  if (at >= lines.length) throw malformed("the proof hashes end with an empty line before the checkpoint");
  const checkpoint = lines.slice(at + 1).join("\n");
  if (checkpoint.length === 0) throw malformed("a receipt ends with the signed checkpoint", "checkpoint");
  return extra === undefined ? { index, proof, checkpoint } : { extra, index, proof, checkpoint };
}

/**
 * Verifies a ledger receipt offline, in any runtime (tlog-proof "Verifying", profile §7): reads the
 * leaf input back from the `extra` line (and, when `token` is given, checks it is that token's),
 * recomputes the leaf hash, verifies the checkpoint's signature by a trusted key of its origin, and
 * the inclusion proof from the leaf to the checkpoint's root.
 *
 * @example
 * ```ts
 * const { index, treeSize, token, ingestedAt } = await verifyTlogProof(receiptText, {
 *   vkeys: ["ect.example.org/ledger/demo+1a2b3c4d+AT..."],
 * });
 * ```
 * @throws EctError `ECT_LEDGER_RECEIPT_MALFORMED` (receipt format, or the extra line is missing or
 *   not a leaf input), `ECT_LEDGER_RECEIPT_TOKEN_MISMATCH`, `ECT_LEDGER_NOTE_MALFORMED`,
 *   `ECT_LEDGER_CHECKPOINT_MALFORMED`, `ECT_LEDGER_NOTE_SIGNATURE_INVALID`, `ECT_LEDGER_PROOF_INVALID`,
 *   `ECT_KEY_INVALID` (a malformed vkey); {@link EctConfigError} (the promise rejects) for an
 *   unknown option or no trusted key given.
 */
export async function verifyTlogProof(
  receipt: string | Uint8Array,
  options: {
    /** Trusted ledger keys as vkey strings (`<name>+<key id hex>+<base64 key>`). */
    readonly vkeys?: readonly string[];
    /** Trusted ledger keys as verifiers (with or instead of `vkeys`). */
    readonly verifiers?: readonly NoteVerifier[];
    /** The origin the caller expects, when it knows it. */
    readonly origin?: string;
    /** The token the receipt must be for, when the caller holds it. */
    readonly token?: string;
  },
): Promise<TlogProofVerification> {
  assertKnownOptions(options, ["vkeys", "verifiers", "origin", "token"]);
  const verifiers = [...(options.verifiers ?? []), ...(options.vkeys ?? []).map(noteVerifierFromVkey)];
  if (verifiers.length === 0) {
    throw new EctConfigError("vkeys", "must name at least one trusted key (vkeys or verifiers)");
  }
  const { extra, index, proof, checkpoint } = parseTlogProof(receipt);
  if (extra === undefined)
    throw malformed("a ledger receipt carries the entry's leaf input on its extra line", "extra");
  const leaf = parseLeafInput(extra);
  if (leaf === undefined) throw malformed("the extra line is not a ledger leaf input (profile §7)", "extra");
  if (options.token !== undefined && options.token !== leaf.token) {
    throw new EctError(EctErrorCodes.LEDGER_RECEIPT_TOKEN_MISMATCH, "the receipt is for another token", {
      member: "token",
    });
  }
  const leafHash = hashLeaf(extra);
  const verified = await verifyCheckpoint(checkpoint, {
    verifiers,
    ...(options.origin === undefined ? {} : { origin: options.origin }),
  });
  verifyInclusion({ leafHash, index, treeSize: verified.treeSize, proof, root: verified.root });
  return {
    index,
    treeSize: verified.treeSize,
    origin: verified.origin,
    root: verified.root,
    leafHash,
    token: leaf.token,
    ingestedAt: leaf.ingestedAt,
    wit: leaf.wit,
    checkpoint,
  };
}
