/**
 * The audit of a ledger (profile §7 "Audit"): recompute every leaf from the stored token,
 * `ingestedAt` and WIT; rebuild the tree; compare with the latest signed checkpoint and check every
 * stored checkpoint against it; name the first bad index. A full audit also re-verifies every
 * token (profile §5 step 11) and the DAG rules through `ect-dag` (the one definition).
 */
import {
  EctErrorCodes as C,
  type DagRuleOptions,
  type DagValidator,
  decodeEct,
  type EctClaims,
  EctConfigError,
  EctError,
  type EctErrorCode,
  isEctError,
} from "ect-core";
import {
  type AuditTokenVerifier,
  assertKnownOptions,
  ectKey,
  fromHex,
  integerOption,
} from "ect-core/internal";
import type { LedgerBackendEntry, StoredCheckpoint } from "./backend-contract.js";
import { dagRulesOption } from "./dag-option.js";
import { entryLeafHash } from "./leaf-input.js";
import { checkpointOfNote } from "./ledger-checkpoint-note.js";
import { bytesEqual } from "./merkle-hash.js";
import { MemoryMerkleTree } from "./merkle-tree.js";
import { storeOfView, type TransparencyLedger } from "./transparency-ledger.js";

/** Options of {@link auditLedger}. */
export interface AuditLedgerOptions {
  /** The ledger to audit (any backend). */
  readonly ledger: TransparencyLedger;
  /**
   * Re-verifies each stored token in audit mode at its `ingestedAt` (profile §5 step 11), given the
   * entry's WIT. `ect-crypto`'s `createAuditVerifier({ keys })` makes one. Without it the report says
   * `signaturesVerified: false`.
   */
  readonly verifyToken?: AuditTokenVerifier;
  /**
   * The DAG rules (profile §6) to re-check, each entry against the entries before it: rule options
   * (default `{}`: the profile's defaults), or `false` to skip.
   */
  readonly dag?: DagRuleOptions | false;
  /** Entries read per page (default 1000). */
  readonly pageSize?: number;
  /** Called after each page with the number of entries audited so far (progress displays). */
  readonly onProgress?: (audited: number) => void;
}

/** One problem the audit found, tied to its entry (or to a checkpoint, `index` then its size). */
export interface AuditProblem {
  /** Index of the entry concerned. */
  readonly index: number;
  /** The entry's `jti` (`""` when not tied to one entry). */
  readonly jti: string;
  /** The entry's `wid`, or `null`. */
  readonly wid: string | null;
  /** The stable error code of the rule it breaks. */
  readonly code: EctErrorCode;
  /** What is wrong, naming the member or rule. */
  readonly message: string;
  /** The claim or header member concerned, if any. */
  readonly member?: string;
}

/** A predecessor the audit accepted while it was not stored before its child (`"allow"`). */
export interface AuditUnresolvedPredecessor {
  /** Index of the child entry. */
  readonly index: number;
  /** The predecessor's `jti` as written in the child's `pred`. */
  readonly pred: string;
}

/** The outcome of {@link auditLedger}. */
export interface AuditReport {
  /** True when no problem was found. */
  readonly valid: boolean;
  /** Entries audited. */
  readonly entries: number;
  /** The root of the rebuilt tree over every audited entry. */
  readonly root: Uint8Array;
  /** The latest stored checkpoint's size, or `undefined` when none is stored. */
  readonly checkpointSize: number | undefined;
  /** Stored checkpoints checked against the rebuilt tree. */
  readonly checkpoints: number;
  /** The first index whose leaf or position does not match, or `undefined`. */
  readonly firstBadIndex: number | undefined;
  /** Every problem found, in index order. */
  readonly problems: readonly AuditProblem[];
  /** True when each token's signature was re-verified (a `verifyToken` was given). */
  readonly signaturesVerified: boolean;
  /** True when the DAG rules were re-checked. */
  readonly dagChecked: boolean;
  /** Predecessors accepted while not stored earlier (`unresolvedPredecessors: "allow"`), by entry. */
  readonly unresolvedPredecessors: readonly AuditUnresolvedPredecessor[];
  /** Conflicting tokens the ledger keeps as evidence (an alarm, reported as a count). */
  readonly conflicts: number;
}

const KNOWN_OPTIONS = new Set(["ledger", "verifyToken", "dag", "pageSize", "onProgress"]);

function problemOf(
  entry: { readonly index: number; readonly jti: string; readonly wid: string | null },
  code: EctErrorCode,
  message: string,
  member?: string,
): AuditProblem {
  return Object.freeze({
    index: entry.index,
    jti: entry.jti,
    wid: entry.wid,
    code,
    message,
    ...(member === undefined ? {} : { member }),
  });
}

/**
 * Audits a whole ledger and reports **every** problem with its index (profile §7 "Audit"):
 *
 * 1. each entry's leaf recomputed from its token, `ingestedAt` and WIT, against its stored leaf
 *    hash; contiguous indexes; the entry's `jti`/`wid`/`iss` against its token; unique identities
 *    (`ECT_LEDGER_TREE_MISMATCH`, `ECT_DAG_DUPLICATE_JTI`);
 * 2. the tree rebuilt from the recomputed leaves against every stored checkpoint: a log shorter
 *    than a checkpoint (truncated), or whose root at a checkpoint's size differs (tampered,
 *    reordered), is reported with the first bad index found by descending the stored tree
 *    (`ECT_LEDGER_TREE_MISMATCH`); checkpoints whose notes do not say their size and root, or that
 *    disagree with each other (`ECT_LEDGER_CHECKPOINT_INCONSISTENT`);
 * 3. each token re-verified in audit mode at its `ingestedAt` with its WIT (profile §5 step 11);
 * 4. the DAG rules (profile §6) via `ect-dag`, each entry against the entries before it.
 *
 * @example
 * ```ts
 * const report = await auditLedger({ ledger, verifyToken: createAuditVerifier({ keys }) });
 * for (const p of report.problems) console.log(p.index, p.jti, p.code, p.message);
 * ```
 *
 * @throws {@link EctConfigError} (the promise rejects) for an unknown or invalid option;
 *   {@link EctError} the backend's errors (e.g. `ECT_LEDGER_UNAVAILABLE`).
 */
export async function auditLedger(options: AuditLedgerOptions): Promise<AuditReport> {
  // An option mistake is a programming error (issue 14): thrown, never reported as a problem.
  assertKnownOptions(options, KNOWN_OPTIONS);
  const { ledger, verifyToken } = options;
  if (ledger === null || typeof ledger !== "object" || typeof ledger.backend?.getEntries !== "function") {
    throw new EctConfigError("ledger", "must be a TransparencyLedger");
  }
  if (verifyToken !== undefined && typeof verifyToken !== "function") {
    throw new EctConfigError("verifyToken", "must be an AuditTokenVerifier function");
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
    throw new EctConfigError("onProgress", "must be a function");
  }
  const pageSize = integerOption(options.pageSize, 1000, "pageSize", 1);
  const validator = dagRulesOption(options.dag)?.validator;

  const backend = ledger.backend;
  const storedCheckpoints = await backend.checkpoints();
  const size = await backend.size();
  const problems: AuditProblem[] = [];
  const unresolved: AuditUnresolvedPredecessor[] = [];
  const tree = new MemoryMerkleTree();
  const firstIndexOfKey = new Map<string, number>();
  let firstBadIndex: number | undefined;
  const markBad = (index: number) => {
    if (firstBadIndex === undefined || index < firstBadIndex) firstBadIndex = index;
  };

  let next = 0;
  while (next < size) {
    const page = await backend.getEntries(next, Math.min(size, next + pageSize));
    if (page.length === 0) break;
    const audits = await Promise.all(
      page.map((entry, i) => auditEntry(entry, next + i, { verifyToken, validator, backend })),
    );
    const leaves: Uint8Array[] = [];
    for (let i = 0; i < page.length; i++) {
      const audit = audits[i]!;
      const at = next + i;
      if (audit.entryProblems.length > 0) markBad(at);
      problems.push(...audit.entryProblems);
      if (audit.key !== undefined) {
        const first = firstIndexOfKey.get(audit.key);
        if (first !== undefined) {
          problems.push(
            problemOf(page[i]!, C.DAG_DUPLICATE_JTI, `identity is already stored at index ${first}`),
          );
        } else firstIndexOfKey.set(audit.key, at);
      }
      problems.push(...audit.tokenProblems);
      unresolved.push(...audit.unresolved);
      leaves.push(audit.leaf);
    }
    tree.append(leaves);
    next += page.length;
    options.onProgress?.(next);
  }

  checkCheckpoints(storedCheckpoints, tree, ledger.origin, problems, markBad);
  const latest = storedCheckpoints[storedCheckpoints.length - 1];
  if (latest !== undefined && latest.size <= tree.size && !bytesEqual(tree.root(latest.size), latest.root)) {
    const bad = await locateFirstBadLeaf(ledger, tree, latest.size);
    if (bad !== undefined) {
      markBad(bad);
      const entry = (await backend.getEntries(bad, bad + 1))[0];
      problems.push(
        problemOf(
          { index: bad, jti: entry?.jti ?? "", wid: entry?.wid ?? null },
          C.LEDGER_TREE_MISMATCH,
          `the leaf at index ${bad} is not the one integrated under the checkpoint of size ${latest.size}`,
        ),
      );
    }
  }
  problems.sort((a, b) => a.index - b.index);
  return Object.freeze({
    valid: problems.length === 0,
    entries: tree.size,
    root: tree.root(),
    checkpointSize: latest?.size,
    checkpoints: storedCheckpoints.length,
    firstBadIndex,
    problems: Object.freeze(problems),
    signaturesVerified: verifyToken !== undefined,
    dagChecked: validator !== undefined,
    unresolvedPredecessors: Object.freeze(unresolved.map((u) => Object.freeze(u))),
    conflicts: (await backend.conflicts()).length,
  });
}

/** Every stored checkpoint against the rebuilt tree (profile §7): size, root, note, order. */
function checkCheckpoints(
  checkpoints: readonly StoredCheckpoint[],
  tree: MemoryMerkleTree,
  origin: string,
  problems: AuditProblem[],
  markBad: (index: number) => void,
): void {
  let previousSize = -1;
  for (const checkpoint of checkpoints) {
    const at = { index: checkpoint.size, jti: "", wid: null };
    let said: ReturnType<typeof checkpointOfNote> | undefined;
    try {
      said = checkpointOfNote(checkpoint.note);
    } catch (e) {
      problems.push(problemOf(at, isEctError(e) ? e.code : C.LEDGER_CHECKPOINT_MALFORMED, String(e)));
    }
    if (
      said !== undefined &&
      (said.treeSize !== checkpoint.size || !bytesEqual(said.root, checkpoint.root) || said.origin !== origin)
    ) {
      problems.push(
        problemOf(
          at,
          C.LEDGER_CHECKPOINT_INCONSISTENT,
          `the checkpoint of size ${checkpoint.size} does not say what is stored with it`,
        ),
      );
    }
    if (checkpoint.size <= previousSize) {
      problems.push(
        problemOf(
          at,
          C.LEDGER_CHECKPOINT_INCONSISTENT,
          `checkpoint sizes do not increase (${previousSize} then ${checkpoint.size})`,
        ),
      );
    }
    previousSize = checkpoint.size;
    if (checkpoint.size > tree.size) {
      // A truncated log: entries a checkpoint covered are gone.
      markBad(tree.size);
      problems.push(
        problemOf(
          { index: tree.size, jti: "", wid: null },
          C.LEDGER_TREE_MISMATCH,
          `the log has ${tree.size} entries but a checkpoint covers ${checkpoint.size}: truncated`,
        ),
      );
    } else if (!bytesEqual(tree.root(checkpoint.size), checkpoint.root)) {
      problems.push(
        problemOf(
          at,
          C.LEDGER_TREE_MISMATCH,
          `the rebuilt tree of size ${checkpoint.size} does not have the checkpoint's root`,
        ),
      );
    }
  }
}

/**
 * Descends from the perfect subtrees of `[0, size)` to the first leaf whose rebuilt hash differs
 * from the one stored at integration (level 0 nodes); `undefined` when the stored nodes cannot
 * tell (they were rewritten too: then only the checkpoint mismatch is reported).
 */
async function locateFirstBadLeaf(
  ledger: TransparencyLedger,
  tree: MemoryMerkleTree,
  size: number,
): Promise<number | undefined> {
  const differs = async (level: number, index: number) => {
    const [stored] = await ledger.backend.getNodes([{ level, index }]);
    return stored !== undefined && !bytesEqual(stored, tree.readNodes([{ level, index }])[0]!);
  };
  let start = 0;
  while (start < size) {
    let level = 0;
    while (start % 2 ** (level + 1) === 0 && start + 2 ** (level + 1) <= size) level++;
    const index = start / 2 ** level;
    if (await differs(level, index)) {
      let l = level;
      let i = index;
      while (l > 0) {
        i = (await differs(l - 1, 2 * i)) ? 2 * i : 2 * i + 1;
        l--;
      }
      return i;
    }
    start += 2 ** level;
  }
  return undefined;
}

interface EntryAuditContext {
  readonly verifyToken: AuditTokenVerifier | undefined;
  readonly validator: DagValidator | undefined;
  readonly backend: TransparencyLedger["backend"];
}

interface EntryAudit {
  readonly entryProblems: AuditProblem[];
  readonly tokenProblems: AuditProblem[];
  readonly key: string | undefined;
  readonly leaf: Uint8Array;
  readonly unresolved: AuditUnresolvedPredecessor[];
}

const ZERO_LEAF = new Uint8Array(32);

/** Every check of one entry that does not depend on the other entries' audits. */
async function auditEntry(
  stored: LedgerBackendEntry,
  expectedIndex: number,
  context: EntryAuditContext,
): Promise<EntryAudit> {
  const entry = { index: expectedIndex, jti: stored.jti, wid: stored.wid };
  const entryProblems: AuditProblem[] = [];
  const tokenProblems: AuditProblem[] = [];
  const unresolved: AuditUnresolvedPredecessor[] = [];
  const toEntry = (code: EctErrorCode, message: string, member?: string) =>
    entryProblems.push(problemOf(entry, code, message, member));
  const toToken = (code: EctErrorCode, message: string, member?: string) =>
    tokenProblems.push(problemOf(entry, code, message, member));
  const failure = (what: string, e: unknown) =>
    isEctError(e)
      ? toToken(e.code, e.message, e.member)
      : toToken(C.CHECK_FAILED, `${what} failed: ${e instanceof Error ? e.message : String(e)}`);

  if (stored.index !== expectedIndex) {
    toEntry(C.LEDGER_TREE_MISMATCH, `index ${stored.index} stored at position ${expectedIndex}`);
  }
  // 1. The leaf, recomputed from what profile §7 says it covers.
  let leaf: Uint8Array = ZERO_LEAF;
  try {
    const hex = entryLeafHash({ token: stored.token, ingestedAt: stored.ingestedAt, wit: stored.wit });
    leaf = fromHex(hex);
    if (hex !== stored.leafHash)
      toEntry(C.LEDGER_TREE_MISMATCH, "the leaf hash does not match the stored token, ingestedAt and WIT");
  } catch (e) {
    toEntry(
      C.LEDGER_TREE_MISMATCH,
      `the leaf cannot be recomputed: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  // 2. The entry against its token (the audit never trusts stored claims).
  let claims: EctClaims | undefined;
  try {
    claims = decodeEct(stored.token).claims as EctClaims;
  } catch (e) {
    if (isEctError(e)) toEntry(e.code, e.message, e.member);
    else toEntry(C.MALFORMED, "the stored token cannot be decoded");
  }
  if (claims) {
    if (claims.jti !== stored.jti)
      toEntry(C.LEDGER_TREE_MISMATCH, "entry jti differs from its token's jti claim", "jti");
    if ((claims.wid ?? null) !== stored.wid)
      toEntry(C.LEDGER_TREE_MISMATCH, "entry wid differs from its token's wid claim", "wid");
    if (claims.iss !== stored.iss)
      toEntry(C.LEDGER_TREE_MISMATCH, "entry iss differs from its token's iss claim", "iss");
  }
  const key =
    claims && typeof claims.jti === "string"
      ? ectKey(typeof claims.wid === "string" ? claims.wid : null, claims.jti)
      : undefined;
  // 3. The token in audit mode at its ingestion time, with its WIT (profile §5 step 11, §9 step 4).
  if (context.verifyToken) {
    try {
      const result = await context.verifyToken(stored.token, {
        ingestedAt: stored.ingestedAt,
        wit: stored.wit,
      });
      if (!result.ok) toToken(result.error.code, result.error.message, result.error.member);
    } catch (e) {
      failure("the token verifier", e);
    }
  }
  // 4. The DAG rules, against what the ledger held before this entry.
  if (claims && context.validator) {
    try {
      const outcome = await context.validator(claims, storeOfView(context.backend, expectedIndex));
      for (const v of outcome.violations) toToken(v.code, v.message, v.member);
      for (const pred of outcome.unresolvedPredecessors) unresolved.push({ index: expectedIndex, pred });
    } catch (e) {
      failure("the DAG rules", e);
    }
  }
  return { entryProblems, tokenProblems, key, leaf, unresolved };
}
