/**
 * The ledger's export format (profile §7 "Queries"): JSON Lines whose first line names the format
 * version, the origin and the note verifier key, then entries, conflicts and checkpoints. The only
 * reader and writer of the format; import verifies everything before storing anything.
 */
import { decodeEct, type EctClaims, EctError, EctErrorCodes } from "ect-core";
import { base64Encode, ectKey, fromHex, parseStrictJsonValue, validateClaims } from "ect-core/internal";
import type {
  LedgerConflictDraft,
  LedgerEntryDraft,
  StoredCheckpoint,
  TreeNode,
} from "./backend-contract.js";
import { entryDraftOf } from "./backend-entry.js";
import { verifyCheckpoint } from "./checkpoint.js";
import { entryLeafHash } from "./leaf-input.js";
import { checkpointOfNote } from "./ledger-checkpoint-note.js";
import { bytesEqual } from "./merkle-hash.js";
import { MemoryMerkleTree } from "./merkle-tree.js";
import { noteVerifierFromVkey } from "./signed-note.js";
import type { TransparencyLedger } from "./transparency-ledger.js";

/** The `format` member of an export's first line. */
export const LEDGER_EXPORT_FORMAT = "ect-ledger/2";

/** An export's first line. */
export interface LedgerExportHeader {
  /** {@link LEDGER_EXPORT_FORMAT}. */
  readonly format: string;
  /** The log's origin. */
  readonly origin: string;
  /** The note verifier key, or `null` when checkpoints are unsigned. */
  readonly vkey: string | null;
}

/** Options of {@link importLedgerJsonl}. */
export interface ImportLedgerOptions {
  /**
   * Verifies a checkpoint note's signature (profile §7); throw to refuse. Default: with the
   * header's `vkey` when the export names one (the note key of the origin must have signed every
   * checkpoint); none when it names none (then only sizes and roots are checked).
   */
  readonly verifyNote?: (note: string, header: LedgerExportHeader) => Promise<void> | void;
  /**
   * Store what the lines say without checking tokens, hashes, identities or checkpoint roots (only
   * the line format): for `auditLedger` to report every problem of a damaged export. Never use an
   * unverified import as a ledger.
   */
  readonly unverified?: boolean;
}

/** Outcome of {@link importLedgerJsonl}. */
export interface LedgerImportResult {
  /** Entries imported. */
  readonly entries: number;
  /** Conflict records imported. */
  readonly conflicts: number;
  /** Checkpoints imported. */
  readonly checkpoints: number;
  /**
   * With `unverified` only: lines that could not be read (skipped) or whose entry index is not its
   * position (stored by position), each with the entry position it stands at.
   */
  readonly unreadable: readonly {
    /** The line number (1-based). */
    readonly line: number;
    /** The entry position it stands at. */
    readonly position: number;
    /** What is wrong with it. */
    readonly message: string;
  }[];
}

/**
 * Exports a ledger as JSON Lines (one JSON object per yielded string, no newline characters): a
 * header `{"format","origin","vkey"}`, then `{"type":"entry","index","token","ingestedAt","wit",
 * "leafHash"}` per entry, `{"type":"conflict","id","existingIndex","token","wit","receivedAt"}` per
 * conflict record, and `{"type":"checkpoint","size","root","note"}` per stored checkpoint. Reads
 * the entries present when it starts, page by page.
 */
export async function* exportLedgerJsonl(ledger: TransparencyLedger): AsyncIterable<string> {
  const backend = ledger.backend;
  const checkpoints = await backend.checkpoints();
  const size = await backend.size();
  yield JSON.stringify({ format: LEDGER_EXPORT_FORMAT, origin: ledger.origin, vkey: ledger.vkey });
  for (let start = 0; start < size; start += 1000) {
    for (const e of await backend.getEntries(start, Math.min(size, start + 1000))) {
      yield JSON.stringify({
        type: "entry",
        index: e.index,
        token: e.token,
        ingestedAt: e.ingestedAt,
        wit: e.wit,
        leafHash: e.leafHash,
      });
    }
  }
  for (const c of await backend.conflicts()) {
    yield JSON.stringify({
      type: "conflict",
      id: c.id,
      existingIndex: c.existingIndex,
      token: c.token,
      wit: c.wit,
      receivedAt: c.receivedAt,
    });
  }
  for (const c of checkpoints) {
    yield JSON.stringify({ type: "checkpoint", size: c.size, root: base64Encode(c.root), note: c.note });
  }
}

function importError(line: number, message: string, cause?: unknown): EctError {
  return new EctError(
    EctErrorCodes.LEDGER_IMPORT_INVALID,
    `import line ${line}: ${message}`,
    cause === undefined ? {} : { cause },
  );
}

const MEMBERS = {
  header: ["format", "origin", "vkey"],
  entry: ["type", "index", "token", "ingestedAt", "wit", "leafHash"],
  conflict: ["type", "id", "existingIndex", "token", "wit", "receivedAt"],
  checkpoint: ["type", "size", "root", "note"],
} as const;

function objectWith(raw: string, line: number, members: readonly string[]): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseStrictJsonValue(raw);
  } catch (e) {
    throw importError(line, "is not strict JSON", e);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw importError(line, "is not a JSON object");
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length !== members.length || !members.every((m) => Object.hasOwn(record, m))) {
    throw importError(line, `must have exactly the members ${members.join(", ")}`);
  }
  return record;
}

function nonNegative(value: unknown, line: number, member: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw importError(line, `${member} must be a non-negative integer`);
  }
  return value;
}

function optionalWit(value: unknown, line: number): string | null {
  if (value === null) return null;
  if (typeof value !== "string") throw importError(line, "wit must be a string or null");
  return value;
}

function claimsOf(token: unknown, line: number): EctClaims {
  if (typeof token !== "string") throw importError(line, "token must be a string");
  try {
    const decoded = decodeEct(token);
    const [violation] = validateClaims(decoded.claims, { maxPredLength: 0 });
    if (violation) throw violation;
    return decoded.claims as EctClaims;
  } catch (e) {
    throw importError(line, `token refused: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

function headerAndClaimsOf(token: string): string {
  const dot = token.lastIndexOf(".");
  return dot < 0 ? token : token.slice(0, dot);
}

/**
 * Imports an export made by {@link exportLedgerJsonl} (of any backend) into an empty ledger with
 * the same origin. Everything is verified before anything is stored: strict JSON with exactly the
 * members above; the header's format and origin; contiguous entry indexes from 0; tokens that
 * decode with valid claims; leaf hashes that recompute from token, `ingestedAt` and WIT; unique
 * identities; conflicts that name an existing entry with the same identity and a different token;
 * checkpoints in ascending size whose notes say their size and root, whose roots match the tree
 * rebuilt from the imported entries, and whose signatures pass `verifyNote` when given. Blank lines
 * are skipped; a single string is split into lines.
 *
 * @throws {@link EctError} `ECT_LEDGER_IMPORT_INVALID` naming the first bad line (nothing stored).
 */
export async function importLedgerJsonl(
  ledger: TransparencyLedger,
  lines: AsyncIterable<string> | Iterable<string>,
  options: ImportLedgerOptions = {},
): Promise<LedgerImportResult> {
  const source = typeof lines === "string" ? (lines as string).split("\n") : lines;
  let header: LedgerExportHeader | undefined;
  const entries: LedgerEntryDraft[] = [];
  const conflicts: LedgerConflictDraft[] = [];
  const checkpoints: { checkpoint: StoredCheckpoint; line: number }[] = [];
  const keys = new Map<string, number>();
  const unreadable: { line: number; position: number; message: string }[] = [];
  let lineNo = 0;
  for await (const raw of source) {
    lineNo++;
    try {
      if (typeof raw !== "string") throw importError(lineNo, "is not a string");
      if (raw.trim() === "") continue;
      if (header === undefined) {
        const h = objectWith(raw, lineNo, MEMBERS.header);
        if (h["format"] !== LEDGER_EXPORT_FORMAT)
          throw importError(lineNo, `format must be ${LEDGER_EXPORT_FORMAT}`);
        if (h["origin"] !== ledger.origin && !options.unverified)
          throw importError(lineNo, `origin must be this ledger's (${ledger.origin})`);
        if (h["vkey"] !== null && typeof h["vkey"] !== "string")
          throw importError(lineNo, "vkey must be a string or null");
        header = { format: LEDGER_EXPORT_FORMAT, origin: ledger.origin, vkey: h["vkey"] as string | null };
        continue;
      }
      const type = (() => {
        try {
          const v = parseStrictJsonValue(raw) as Record<string, unknown>;
          return v !== null && typeof v === "object" ? v["type"] : undefined;
        } catch (e) {
          throw importError(lineNo, "is not strict JSON", e);
        }
      })();
      if (type === "entry") {
        if (conflicts.length > 0 || checkpoints.length > 0)
          throw importError(lineNo, "entries come before conflicts and checkpoints");
        const r = objectWith(raw, lineNo, MEMBERS.entry);
        if (r["index"] !== entries.length && !options.unverified) {
          throw importError(lineNo, `index must be ${entries.length}`);
        }
        if (options.unverified) {
          if (r["index"] !== entries.length) {
            unreadable.push(
              Object.freeze({
                line: lineNo,
                position: entries.length,
                message: `import line ${lineNo}: index ${String(r["index"])} is entry ${entries.length} of the export: an entry was removed, added or moved`,
              }),
            );
          }
          entries.push(unverifiedEntry(r, lineNo, entries.length));
          continue;
        }
        const claims = claimsOf(r["token"], lineNo);
        const token = r["token"] as string;
        const ingestedAt = nonNegative(r["ingestedAt"], lineNo, "ingestedAt");
        const wit = optionalWit(r["wit"], lineNo);
        let leafHash: string;
        try {
          leafHash = entryLeafHash({ token, ingestedAt, wit });
        } catch (e) {
          throw importError(lineNo, "the leaf cannot be computed", e);
        }
        if (r["leafHash"] !== leafHash)
          throw importError(lineNo, "leafHash does not match token, ingestedAt and wit");
        const key = ectKey(claims.wid, claims.jti);
        if (keys.has(key))
          throw importError(lineNo, `identity (${claims.wid ?? ""}, ${claims.jti}) appears twice`);
        keys.set(key, entries.length);
        // No closure mark: an imported entry was not admitted by this ledger's rules (profile §6 note).
        entries.push(entryDraftOf(token, claims, ingestedAt, wit, leafHash, key, undefined));
      } else if (type === "conflict") {
        if (checkpoints.length > 0) throw importError(lineNo, "conflicts come before checkpoints");
        const r = objectWith(raw, lineNo, MEMBERS.conflict);
        if (r["id"] !== conflicts.length) throw importError(lineNo, `id must be ${conflicts.length}`);
        const existingIndex = nonNegative(r["existingIndex"], lineNo, "existingIndex");
        const existing = entries[existingIndex];
        if (existing === undefined) throw importError(lineNo, "existingIndex names no entry");
        if (typeof r["token"] !== "string") throw importError(lineNo, "token must be a string");
        const token = r["token"];
        if (!options.unverified) {
          const claims = claimsOf(token, lineNo);
          if (ectKey(claims.wid, claims.jti) !== existing.key) {
            throw importError(lineNo, "the conflicting token has another identity");
          }
          if (headerAndClaimsOf(token) === headerAndClaimsOf(existing.token)) {
            throw importError(lineNo, "the conflicting token is a duplicate of the entry");
          }
        }
        conflicts.push({
          key: existing.key,
          wid: existing.wid,
          jti: existing.jti,
          token,
          wit: optionalWit(r["wit"], lineNo),
          existingIndex,
          receivedAt: nonNegative(r["receivedAt"], lineNo, "receivedAt"),
        });
      } else if (type === "checkpoint") {
        const r = objectWith(raw, lineNo, MEMBERS.checkpoint);
        if (typeof r["note"] !== "string") throw importError(lineNo, "note must be a string");
        const note = r["note"];
        let said: ReturnType<typeof checkpointOfNote>;
        try {
          said = checkpointOfNote(note);
        } catch (e) {
          throw importError(lineNo, "note is not a checkpoint", e);
        }
        if (said.origin !== ledger.origin && !options.unverified)
          throw importError(lineNo, "the checkpoint is for another origin");
        if (r["size"] !== said.treeSize || r["root"] !== base64Encode(said.root))
          throw importError(lineNo, "size and root differ from the note");
        const previous = checkpoints[checkpoints.length - 1];
        if (previous !== undefined && said.treeSize <= previous.checkpoint.size)
          throw importError(lineNo, "checkpoint sizes must increase");
        const verify = options.verifyNote ?? (options.unverified ? undefined : signatureCheckOf(header));
        if (verify !== undefined) {
          try {
            await verify(note, header);
          } catch (e) {
            throw importError(lineNo, "the checkpoint signature does not verify", e);
          }
        }
        checkpoints.push({ checkpoint: { size: said.treeSize, root: said.root, note }, line: lineNo });
      } else {
        throw importError(lineNo, 'type must be "entry", "conflict" or "checkpoint"');
      }
    } catch (error) {
      // An audit of a damaged export goes on past a line it cannot read, and names it.
      if (!options.unverified || !(error instanceof EctError) || header === undefined) throw error;
      unreadable.push(Object.freeze({ line: lineNo, position: entries.length, message: error.message }));
    }
  }
  if (header === undefined) throw importError(lineNo, "no header line");
  const tree = new MemoryMerkleTree();
  tree.append(
    entries.map((e) => (/^[0-9a-f]{64}$/.test(e.leafHash) ? fromHex(e.leafHash) : new Uint8Array(32))),
  );
  if (options.unverified) {
    // The tree as the export's leaf hashes say it was integrated; the audit compares.
    const stored = checkpoints.map((c) => c.checkpoint);
    await ledger.backend.importBatch({
      entries,
      conflicts,
      checkpoints: stored,
      nodes: completeNodes(tree, Math.min(tree.size, stored[stored.length - 1]?.size ?? 0)),
    });
    return Object.freeze({
      entries: entries.length,
      conflicts: conflicts.length,
      checkpoints: stored.length,
      unreadable: Object.freeze(unreadable),
    });
  }
  for (const { checkpoint, line } of checkpoints) {
    if (checkpoint.size > tree.size)
      throw importError(
        line,
        `the checkpoint covers ${checkpoint.size} entries, the export has ${tree.size}`,
      );
    if (!bytesEqual(tree.root(checkpoint.size), checkpoint.root)) {
      throw importError(
        line,
        `the checkpoint's root is not the root of the first ${checkpoint.size} entries`,
      );
    }
  }
  const integrated = checkpoints[checkpoints.length - 1]?.checkpoint.size ?? 0;
  await ledger.backend.importBatch({
    entries,
    conflicts,
    checkpoints: checkpoints.map((c) => c.checkpoint),
    nodes: completeNodes(tree, integrated),
  });
  return Object.freeze({
    entries: entries.length,
    conflicts: conflicts.length,
    checkpoints: checkpoints.length,
    unreadable: Object.freeze([]),
  });
}

/** The default signature check of an export's checkpoints: by the note key its header names. */
function signatureCheckOf(header: LedgerExportHeader): ((note: string) => Promise<void>) | undefined {
  if (header.vkey === null) return undefined;
  const verifiers = [noteVerifierFromVkey(header.vkey)];
  return async (note) => {
    await verifyCheckpoint(note, { verifiers, origin: header.origin });
  };
}

/** An entry line stored as it says, for an audit: identity from the token when it decodes. */
function unverifiedEntry(r: Record<string, unknown>, line: number, index: number): LedgerEntryDraft {
  const token = typeof r["token"] === "string" ? r["token"] : "";
  let claims: Partial<EctClaims> = {};
  try {
    claims = decodeEct(token).claims as EctClaims;
  } catch {
    // The audit reports an undecodable token.
  }
  const jti = typeof claims.jti === "string" ? claims.jti : "";
  const wid = typeof claims.wid === "string" ? claims.wid : null;
  return {
    token,
    jti,
    wid,
    iss: typeof claims.iss === "string" ? claims.iss : "",
    ingestedAt: typeof r["ingestedAt"] === "number" ? r["ingestedAt"] : Number.NaN,
    wit: optionalWit(r["wit"], line),
    leafHash: typeof r["leafHash"] === "string" ? r["leafHash"] : "",
    // A token that does not decode still needs a key no other entry has.
    key: jti === "" ? `undecodable|${index}` : ectKey(wid, jti),
    claims: claims as EctClaims,
  };
}

/** Every perfect subtree (level 0 included) complete within the first `size` leaves of `tree`. */
function completeNodes(tree: MemoryMerkleTree, size: number): TreeNode[] {
  const nodes: TreeNode[] = [];
  for (let level = 0; 2 ** level <= size; level++) {
    const count = Math.floor(size / 2 ** level);
    const ids = Array.from({ length: count }, (_, index) => ({ level, index }));
    tree.readNodes(ids).forEach((hash, index) => {
      nodes.push({ level, index, hash });
    });
  }
  return nodes;
}
