import { EctConfigError, EctError, EctErrorCodes } from "ect-core";
import { isPromiseLike } from "ect-core/internal";
import {
  backendEntryOf,
  type IntegrationCommit,
  type LedgerBackend,
  type LedgerBackendConflict,
  type LedgerBackendEntry,
  type LedgerConflictDraft,
  type LedgerEntryDraft,
  type LedgerImportBatch,
  type SequenceCheck,
  type SequenceCheckResult,
  type SequenceOutcome,
  type StoredCheckpoint,
  TransparencyLedger,
  type TransparencyLedgerOptions,
  type TreeNode,
  type TreeNodeId,
} from "ect-ledger";

/** Options of {@link MemoryLedger}: every {@link TransparencyLedgerOptions} except the backend. */
export type MemoryLedgerOptions = Omit<TransparencyLedgerOptions, "backend">;

let tamperEntries: (backend: MemoryLedgerBackend, change: (entries: LedgerBackendEntry[]) => void) => void;

/**
 * The in-memory {@link LedgerBackend} (profile §7 "Backends"): storage and atomicity only. Every
 * `sequence` runs in one serialised critical section (identity, the DAG check, the next index, the
 * store), so two appends never interleave; everything else is a lookup in arrays and maps, so an
 * append costs the same at 10k and at 1M entries. Runs in any JavaScript runtime.
 */
export class MemoryLedgerBackend implements LedgerBackend {
  #entries: LedgerBackendEntry[] = [];
  #byKey = new Map<string, LedgerBackendEntry>();
  /** Lower-cased `jti` -> the earliest entry with it, any scope. */
  #byJti = new Map<string, LedgerBackendEntry>();
  /** Lower-cased `wid` (`""` for none) -> that workflow's entries in index order. */
  #byWorkflow = new Map<string, LedgerBackendEntry[]>();
  #conflicts: LedgerBackendConflict[] = [];
  /** `key` + NUL + token -> its record, so a re-sent conflicting token is recorded once. */
  #conflictByToken = new Map<string, LedgerBackendConflict>();
  /** `#nodes[level][index]`, level >= 1. */
  #nodes: Uint8Array[][] = [];
  #checkpoints: StoredCheckpoint[] = [];
  /** Tail of the queue that serialises sequencing steps that run a DAG check. */
  #queue: Promise<unknown> = Promise.resolve();

  static {
    tamperEntries = (backend, change) => backend.#tamper(change);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.sequence} */
  sequence(draft: LedgerEntryDraft, check?: SequenceCheck): Promise<SequenceOutcome> {
    if (check === undefined) return Promise.resolve(this.#sequenceNow(draft, [], draft.closedAncestors));
    // The check awaits lookups, so the critical section is a queue: the next step starts only
    // when this one has stored (or refused) its entry.
    const run = this.#queue.then((): SequenceOutcome | Promise<SequenceOutcome> => {
      const existing = this.#byKey.get(draft.key);
      if (existing !== undefined) return { status: "exists", entry: existing };
      const result = check.run(this);
      return isPromiseLike(result)
        ? result.then((checked) => this.#sequenceChecked(draft, checked))
        : this.#sequenceChecked(draft, result);
    });
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Stores the entry the DAG check admitted, or reports its refusal. */
  #sequenceChecked(draft: LedgerEntryDraft, result: SequenceCheckResult): SequenceOutcome {
    if (!result.valid) return { status: "rejected", result };
    return this.#sequenceNow(draft, result.unresolvedPredecessors, result.closedAncestors);
  }

  /**
   * Identity check and store, synchronously: nothing can observe half of it. The closure mark
   * (profile §6 note) is stored with the entry in this same step, exactly as the ledger gave it.
   */
  #sequenceNow(
    draft: LedgerEntryDraft,
    unresolved: readonly string[],
    closedAncestors: number | undefined,
  ): SequenceOutcome {
    const existing = this.#byKey.get(draft.key);
    if (existing !== undefined) return { status: "exists", entry: existing };
    const entry = Object.freeze(backendEntryOf(draft, this.#entries.length, closedAncestors));
    this.#store(entry, draft.key);
    return { status: "appended", entry, unresolvedPredecessors: unresolved };
  }

  /** Stores tree nodes (a node once stored never changes, so storing it again is harmless). */
  #storeNodes(nodes: readonly TreeNode[]): void {
    for (const node of nodes) {
      const level = this.#nodes[node.level] ?? [];
      this.#nodes[node.level] = level;
      level[node.index] = node.hash;
    }
  }

  #store(entry: LedgerBackendEntry, key: string): void {
    this.#entries.push(entry);
    this.#byKey.set(key, entry);
    const jtiKey = entry.jti.toLowerCase();
    if (!this.#byJti.has(jtiKey)) this.#byJti.set(jtiKey, entry);
    const widKey = (entry.wid ?? "").toLowerCase();
    const list = this.#byWorkflow.get(widKey);
    if (list) list.push(entry);
    else this.#byWorkflow.set(widKey, [entry]);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.recordConflict} */
  async recordConflict(draft: LedgerConflictDraft): Promise<LedgerBackendConflict> {
    const id = `${draft.key}\u0000${draft.token}`;
    const known = this.#conflictByToken.get(id);
    if (known) return known;
    const { key: _key, ...fields } = draft;
    const record: LedgerBackendConflict = Object.freeze({ id: this.#conflicts.length, ...fields });
    this.#conflicts.push(record);
    this.#conflictByToken.set(id, record);
    return record;
  }

  // Answered synchronously (the contract allows it for memory): the DAG check, which gets this
  // backend as its view, then costs no promise per lookup.
  /** {@inheritDoc ect-ledger!LedgerBackend.getByKey} */
  getByKey(key: string): LedgerBackendEntry | undefined {
    return this.#byKey.get(key);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.findByJti} */
  findByJti(jti: string): LedgerBackendEntry | undefined {
    return this.#byJti.get(jti);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.getEntries} */
  async getEntries(start: number, end: number): Promise<readonly LedgerBackendEntry[]> {
    return this.#entries.slice(Math.max(0, start), Math.max(0, end));
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.listWorkflow} */
  async listWorkflow(widKey: string): Promise<readonly LedgerBackendEntry[]> {
    return [...(this.#byWorkflow.get(widKey) ?? [])];
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.size} */
  async size(): Promise<number> {
    return this.#entries.length;
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.conflicts} */
  async conflicts(): Promise<readonly LedgerBackendConflict[]> {
    return [...this.#conflicts];
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.getNodes} */
  async getNodes(ids: readonly TreeNodeId[]): Promise<readonly (Uint8Array | undefined)[]> {
    return ids.map((id) => this.#nodes[id.level]?.[id.index]);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.latestCheckpoint} */
  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.#checkpoints[this.#checkpoints.length - 1];
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.checkpoints} */
  async checkpoints(): Promise<readonly StoredCheckpoint[]> {
    return [...this.#checkpoints];
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.commitIntegration} */
  async commitIntegration(commit: IntegrationCommit): Promise<boolean> {
    // Synchronous from the size check to the last write: the compare-and-set.
    const current = this.#checkpoints[this.#checkpoints.length - 1]?.size ?? 0;
    if (current !== commit.fromSize) return false;
    this.#storeNodes(commit.nodes);
    this.#checkpoints.push(Object.freeze({ ...commit.checkpoint }));
    return true;
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.importBatch} */
  async importBatch(batch: LedgerImportBatch): Promise<void> {
    if (this.#entries.length > 0 || this.#conflicts.length > 0 || this.#checkpoints.length > 0) {
      throw new EctError(EctErrorCodes.LEDGER_IMPORT_INVALID, "import needs an empty ledger");
    }
    for (const draft of batch.entries) {
      // Imported entries carry no closure mark: the DAG rules did not admit them here (profile §6 note).
      this.#store(Object.freeze(backendEntryOf(draft, this.#entries.length)), draft.key);
    }
    for (const conflict of batch.conflicts) await this.recordConflict(conflict);
    this.#storeNodes(batch.nodes);
    for (const checkpoint of batch.checkpoints) this.#checkpoints.push(Object.freeze({ ...checkpoint }));
  }

  /** Rewrites the entry array behind the ledger's back (see `tamperMemoryLedger`). */
  #tamper(change: (entries: LedgerBackendEntry[]) => void): void {
    const entries = this.#entries.map((e) => ({ ...e }));
    change(entries);
    this.#entries = [];
    this.#byKey.clear();
    this.#byJti.clear();
    this.#byWorkflow.clear();
    for (const [i, e] of entries.entries()) {
      // Storage rewritten behind the ledger: no entry keeps a closure mark (profile §6 note).
      const { closedAncestors: _rewritten, ...fields } = e;
      this.#store(
        Object.freeze({ ...fields, index: i }),
        `${(e.wid ?? "").toLowerCase()}|${e.jti.toLowerCase()}`,
      );
    }
  }
}

/**
 * An in-memory ECT audit ledger (profile §7): a {@link TransparencyLedger} over a
 * {@link MemoryLedgerBackend}. It enforces the DAG rules of profile §6 by default (pass
 * `dag: false` to turn them off, explicitly) and is the `EctStore` they read.
 *
 * @example
 * ```ts
 * import { MemoryLedger } from "ect-ledger-memory";
 *
 * const ledger = new MemoryLedger();
 * const result = await ledger.append(token, { waitForCheckpoint: true }); // after verifying the token
 * if (result.status === "appended") console.log(result.receipt.index, result.inclusion?.checkpoint.size);
 * ```
 */
export class MemoryLedger extends TransparencyLedger {
  /**
   * @param options - every {@link TransparencyLedgerOptions} but `backend`.
   * @throws {@link EctError} `ECT_CONFIG_INVALID` for invalid options.
   */
  constructor(options: MemoryLedgerOptions = {}) {
    if (options !== null && typeof options === "object" && "backend" in options) {
      throw new EctConfigError("backend", "is not a MemoryLedger option (the memory backend is built in)");
    }
    super({ ...options, backend: new MemoryLedgerBackend() });
  }
}

/**
 * Test hook: rewrites the stored entries of a memory backend behind the ledger's back, the way an
 * attacker with access to the storage would, recomputing nothing: `change` may edit, reorder or
 * drop entries (they are renumbered by position). Only for proving the audit finds it; exported
 * from `ect-ledger-memory/testing` only.
 */
export function tamperMemoryLedger(
  target: MemoryLedger | MemoryLedgerBackend,
  change: (entries: LedgerBackendEntry[]) => void,
): void {
  const backend = target instanceof MemoryLedgerBackend ? target : target.backend;
  if (!(backend instanceof MemoryLedgerBackend)) throw new TypeError("not a memory ledger");
  tamperEntries(backend, change);
}
