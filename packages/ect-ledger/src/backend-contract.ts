/**
 * The contract between `ect-ledger` and a storage backend (profile §7 "Backends").
 *
 * A backend does storage and atomicity only. Everything that has a definition in the profile lives
 * in `ect-ledger` and is handed to the backend as data or as a callback: the leaf input and leaf
 * hash (computed before `sequence`), the DAG rules (a callback run inside the backend's atomic
 * scope), what counts as a duplicate (compared by the ledger on an `exists` outcome), the tree nodes
 * and the signed checkpoint (computed by the ledger and stored with one compare-and-set). So a new
 * backend is small, and `ect-ledger-testkit` proves it.
 */
import type { ConflictRecord, DagValidationResult, EctClaims, LedgerEntry } from "ect-core";

/**
 * The members every stored entry has (profile §7 "Entry"): `ect-core`'s {@link LedgerEntry} without
 * its index and decoded claims. The ledger computes them; a backend stores them as given and never
 * recomputes or reinterprets them.
 */
export type LedgerEntryFields = Omit<LedgerEntry, "index" | "claims">;

/**
 * What the ledger asks a backend to store for one new entry (profile §7 "Entry"). Every member is
 * computed by the ledger; a backend stores them as given and never recomputes or reinterprets them.
 */
export interface LedgerEntryDraft extends LedgerEntryFields {
  /**
   * The identity key `ectKey(wid, jti)` (`(wid or "", jti)`, lower-cased): the one key a backend
   * indexes entries by. Backends compare keys, never raw `wid`/`jti`.
   */
  readonly key: string;
  /** The decoded claims. A backend may keep them to answer {@link LedgerStoreView} lookups faster. */
  readonly claims: EctClaims;
  /**
   * For an entry without predecessors appended under the DAG rules: `0`, its closure mark (see
   * {@link LedgerBackendEntry.closedAncestors}); absent otherwise. Stored only when `sequence` runs
   * no check; never by `importBatch`.
   */
  readonly closedAncestors?: number | undefined;
}

/** One stored entry: the draft plus its position. Backends return them; the ledger freezes its copies. */
export interface LedgerBackendEntry extends LedgerEntryFields {
  /** Position of the leaf: 0, 1, 2, … contiguous (profile §7). */
  readonly index: number;
  /**
   * The decoded claims when the backend kept them (optional: the ledger decodes `token` when
   * absent). Never trusted by the audit, which decodes the token itself.
   */
  readonly claims?: EctClaims;
  /**
   * The closure mark (profile §6, note for implementers; `ect-dag`'s `DagClosure`): a number only
   * when the entry was appended closed, i.e. the DAG rules passed and every predecessor was stored
   * and closed, and then an upper bound on its number of distinct ancestors. The DAG rules skip the
   * ancestor walk over closed predecessors, so a backend that keeps it MUST store it atomically
   * with the entry, exactly as `sequence` was given it ({@link SequenceCheckResult.closedAncestors}
   * when a check ran, else {@link LedgerEntryDraft.closedAncestors}), and never set it any other
   * way: not on import, not on entries written around the ledger. A backend may always omit it
   * (the rules then walk every time): the outcome is the same, only slower.
   */
  readonly closedAncestors?: number | undefined;
}

/**
 * A consistent, read-only view of the stored entries, handed to the DAG check inside the backend's
 * atomic scope: it sees every entry sequenced before the current one and nothing half-written.
 * Lookups are by identity key (`ectKey`) and by lower-cased `jti` in any scope. A backend that
 * holds its entries in memory answers with the entry itself (no promise): the DAG rules then run
 * without a promise per lookup; others answer with a promise.
 */
export interface LedgerStoreView {
  /** The entry with this identity key, or `undefined` (or a promise of either). */
  getByKey(key: string): LedgerBackendEntry | undefined | PromiseLike<LedgerBackendEntry | undefined>;
  /**
   * The earliest-stored entry with this lower-cased `jti` in any `wid` scope, or `undefined` (or a
   * promise of either).
   */
  findByJti(jti: string): LedgerBackendEntry | undefined | PromiseLike<LedgerBackendEntry | undefined>;
}

/** What {@link SequenceCheck.run} reports: the DAG rules' result and the new entry's closure mark. */
export interface SequenceCheckResult extends DagValidationResult {
  /**
   * When set, the closure mark to store with the new entry (see
   * {@link LedgerBackendEntry.closedAncestors}); absent: store none.
   */
  readonly closedAncestors?: number | undefined;
}

/**
 * The DAG rules (profile §6) as the ledger hands them to {@link LedgerBackend.sequence}. The
 * ledger builds `run` from `ect-dag` (the one definition); the backend only decides where it runs.
 */
export interface SequenceCheck {
  /**
   * Runs the rules for the new entry against `view`; a result with `valid: false` stores nothing.
   * Answers synchronously when the view did and no ancestor walk was needed, else with a promise;
   * a failure is thrown or rejected (`await` the answer either way).
   */
  run(view: LedgerStoreView): SequenceCheckResult | Promise<SequenceCheckResult>;
  /**
   * `true` when only the identity check needs to be atomic with the append (profile §6 note:
   * with `unresolvedPredecessors: "reject"` append order is a topological order, stored entries
   * never change, so rules 2-6 checked against an earlier view still hold at append time). A
   * backend that cannot run a callback inside its atomic step (Redis: one server-side script) may
   * then run `run` just before that step. When `false` (`"allow"`), `run` MUST see the same state
   * the append commits on: run it inside the atomic scope (memory: the serialised critical section;
   * PostgreSQL: the transaction under the ledger's advisory lock; Redis: under the ledger lock).
   */
  readonly onlyIdentityNeedsAtomicity: boolean;
}

/** The outcome of {@link LedgerBackend.sequence}. */
export type SequenceOutcome =
  | {
      /** The entry is stored at `entry.index` (the next contiguous index). */
      readonly status: "appended";
      /** The stored entry. */
      readonly entry: LedgerBackendEntry;
      /** What `check.run` reported as allowed while unresolved (empty without a check). */
      readonly unresolvedPredecessors: readonly string[];
    }
  | {
      /**
       * An entry with the same identity key is stored; nothing was written. The ledger decides
       * whether it is a duplicate or a conflict (profile §7 "Identity") and records a conflict
       * with {@link LedgerBackend.recordConflict}.
       */
      readonly status: "exists";
      /** The entry stored under that key. */
      readonly entry: LedgerBackendEntry;
    }
  | {
      /** `check.run` found violations; nothing was written. */
      readonly status: "rejected";
      /** The DAG rules' result, with every violation. */
      readonly result: DagValidationResult;
    };

/**
 * A conflicting token kept as evidence (profile §7 "Identity"), as the ledger asks to store it:
 * `ect-core`'s {@link ConflictRecord} before it has an `id`, with the identity key.
 */
export interface LedgerConflictDraft extends Omit<ConflictRecord, "id"> {
  /** The identity key both tokens share. */
  readonly key: string;
}

/** A stored conflict record. */
export interface LedgerBackendConflict extends Omit<LedgerConflictDraft, "key"> {
  /** 0, 1, 2, … in the order conflicts were first recorded. */
  readonly id: number;
}

/**
 * A perfect subtree of the RFC 9162 tree: the hash over leaves `[index·2^level, (index+1)·2^level)`.
 * Level 0 are the leaf hashes as integrated (a copy of each entry's `leafHash` taken when it was
 * integrated, so an audit can tell which entry changed afterwards). Once all its leaves exist a
 * node never changes, so storing one twice is harmless.
 */
export interface TreeNodeId {
  /** Height above the leaves, >= 0. */
  readonly level: number;
  /** Position among the subtrees of that height, from 0. */
  readonly index: number;
}

/** A stored tree node. */
export interface TreeNode extends TreeNodeId {
  /** The 32-byte node hash. */
  readonly hash: Uint8Array;
}

/** A signed checkpoint as stored (profile §7 "Checkpoint"). */
export interface StoredCheckpoint {
  /** The tree size it commits to. */
  readonly size: number;
  /** The 32-byte root hash of the first `size` leaves. */
  readonly root: Uint8Array;
  /** The whole C2SP signed note (checkpoint body, blank line, signature lines). */
  readonly note: string;
}

/** One integration step the ledger asks {@link LedgerBackend.commitIntegration} to store. */
export interface IntegrationCommit {
  /** The integrated size the ledger built on (the latest checkpoint's size, 0 when none). */
  readonly fromSize: number;
  /** The new checkpoint: `checkpoint.size > fromSize`, already checked consistent with the previous. */
  readonly checkpoint: StoredCheckpoint;
  /** Every node that became complete between `fromSize` and `checkpoint.size`. */
  readonly nodes: readonly TreeNode[];
}

/** Everything an import stores at once, verified by the ledger beforehand. */
export interface LedgerImportBatch {
  /** Every entry, index 0.. contiguous. */
  readonly entries: readonly LedgerEntryDraft[];
  /** Every conflict record, id 0.. contiguous. */
  readonly conflicts: readonly LedgerConflictDraft[];
  /** Every checkpoint, ascending size (the last one is the latest). */
  readonly checkpoints: readonly StoredCheckpoint[];
  /** Every complete node of the tree at the latest checkpoint's size. */
  readonly nodes: readonly TreeNode[];
}

/**
 * A ledger backend: storage and atomicity for one ledger (profile §7 "Backends"). Implementations:
 * `ect-ledger-memory`, `ect-ledger-redis`, `ect-ledger-postgres`; `ect-ledger-testkit` checks
 * any implementation. All methods may be called concurrently, from several processes sharing one
 * ledger; every method throws `EctError` `ECT_LEDGER_UNAVAILABLE` when storage cannot be reached.
 */
export interface LedgerBackend {
  /**
   * The atomic sequencing step (profile §7 "Sequencing"): when an entry with `draft.key` exists,
   * returns `exists` with it; otherwise runs `check` (see {@link SequenceCheck} for where) and,
   * when it passes (or is absent), stores the entry at the next contiguous index and returns
   * `appended`. Two concurrent calls never get the same index, and never both append one key.
   * Idempotent under retry: a call whose reply was lost, repeated, returns `exists` with the
   * entry the first call stored.
   */
  sequence(draft: LedgerEntryDraft, check?: SequenceCheck): Promise<SequenceOutcome>;
  /**
   * Stores a conflict record, once per `(key, token)`: recording the same conflicting token again
   * returns the first record.
   */
  recordConflict(conflict: LedgerConflictDraft): Promise<LedgerBackendConflict>;
  /**
   * The entry with this identity key, or `undefined`; a promise of it, or the answer itself from a
   * backend that holds its entries in memory (it may then hand itself to `check.run` as the view).
   */
  getByKey(key: string): LedgerBackendEntry | undefined | PromiseLike<LedgerBackendEntry | undefined>;
  /**
   * The earliest-stored entry with this lower-cased `jti` in any scope, or `undefined` (or a promise
   * of either, as {@link LedgerBackend.getByKey}).
   */
  findByJti(jti: string): LedgerBackendEntry | undefined | PromiseLike<LedgerBackendEntry | undefined>;
  /** Entries with `start <= index < end` that exist, in index order. */
  getEntries(start: number, end: number): Promise<readonly LedgerBackendEntry[]>;
  /** Every entry whose lower-cased `wid` (`""` for none) equals `widKey`, in index order. */
  listWorkflow(widKey: string): Promise<readonly LedgerBackendEntry[]>;
  /** Number of sequenced entries (the next index). */
  size(): Promise<number>;
  /** Every conflict record, by id. */
  conflicts(): Promise<readonly LedgerBackendConflict[]>;
  /** Stored node hashes for `ids` (`undefined` where not stored), in the same order. */
  getNodes(ids: readonly TreeNodeId[]): Promise<readonly (Uint8Array | undefined)[]>;
  /** The latest stored checkpoint (the integrated size is its `size`), or `undefined`. */
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  /** Every stored checkpoint, ascending size. */
  checkpoints(): Promise<readonly StoredCheckpoint[]>;
  /**
   * Compare-and-set of the integrated size: stores `nodes` and `checkpoint` and returns `true` iff
   * the latest stored checkpoint's size is still `fromSize` (0 when none); otherwise stores no
   * checkpoint and returns `false` (another integrator won; the ledger re-reads and retries). This
   * is what keeps two racing integrators, in one process or many, from storing two checkpoints.
   */
  commitIntegration(commit: IntegrationCommit): Promise<boolean>;
  /**
   * Stores a verified import into an empty backend, all or nothing. Imported entries carry no
   * closure mark (the DAG rules did not admit them here).
   *
   * @throws EctError `ECT_LEDGER_IMPORT_INVALID` when the backend is not empty.
   */
  importBatch(batch: LedgerImportBatch): Promise<void>;
}
