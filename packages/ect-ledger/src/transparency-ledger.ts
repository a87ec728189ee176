/**
 * The ledger built on a backend (profile §7): sequencing through the backend's atomic step with the
 * DAG rules of profile §6 (from `ect-dag`, the one definition), receipts, integration into the RFC
 * 9162 tree in batches, signed checkpoints that never disagree, proofs.
 */
import {
  type AppendOptions,
  type AppendResult,
  type Clock,
  type ConflictRecord,
  type DagRuleOptions,
  decodeEct,
  type EctClaims,
  EctConfigError,
  EctError,
  EctErrorCodes,
  type EctStore,
  isEctError,
  type Ledger,
  type LedgerEntry,
  type LedgerReceipt,
  type NoteSigner,
  type StoredEct,
} from "ect-core";
import {
  assertKnownOptions,
  Defaults,
  ectKey,
  errorFromViolations,
  fromHex,
  integerOption,
  isPromiseLike,
  type JwsSigner,
  type RangeOptions,
  validateClaims,
} from "ect-core/internal";
import type { DagClosure, LedgerDagValidator } from "ect-dag";
import type {
  LedgerBackend,
  LedgerBackendConflict,
  LedgerBackendEntry,
  LedgerStoreView,
  SequenceCheck,
  StoredCheckpoint,
  TreeNode,
} from "./backend-contract.js";
import { entryDraftOf } from "./backend-entry.js";
import { dagRulesOption } from "./dag-option.js";
import { deepFreeze } from "./deep-freeze.js";
import { entryLeafHash } from "./leaf-input.js";
import { checkpointNote } from "./ledger-checkpoint-note.js";
import { issueReceipt } from "./ledger-receipt.js";
import { bytesEqual } from "./merkle-hash.js";
import { verifyConsistency } from "./merkle-proof.js";
import {
  integrateLeafHashes,
  type MerkleNodeId,
  type MerkleNodeReader,
  readConsistencyProof,
  readInclusionProof,
  readTreeRoot,
} from "./merkle-tree.js";

/** Schedules the checkpoint timer; `setTimeout`/`clearTimeout` by default. Tests inject their own. */
export interface CheckpointScheduler {
  /** Calls `task` after about `ms` milliseconds; returns a handle for `cancel`. */
  schedule(task: () => void, ms: number): unknown;
  /** Cancels a scheduled task. */
  cancel(handle: unknown): void;
}

/** Options of {@link TransparencyLedger}. */
export interface TransparencyLedgerOptions {
  /** Where entries, tree nodes and checkpoints are stored. */
  readonly backend: LedgerBackend;
  /**
   * The log's origin: the first line of every checkpoint and the note key's name (profile §7), e.g.
   * `ect.example.org/ledger/orders`. Default: the note signer's name, else `ect-ledger.invalid/unsigned`.
   */
  readonly origin?: string;
  /** Signs checkpoints (C2SP signed note, Ed25519). Without it checkpoints are stored unsigned. */
  readonly noteSigner?: NoteSigner;
  /** Signs every receipt as a JWS with `typ: ect-receipt+jwt` (profile §7). */
  readonly receiptSigner?: JwsSigner;
  /** Clock for `ingestedAt` when an append passes no `now` (default `Date.now`). */
  readonly clock?: Clock;
  /**
   * The DAG rules (profile §6) run in the atomic sequencing step: rule options (default `{}`, the
   * profile's defaults), or `false` to turn them off explicitly.
   */
  readonly dag?: DagRuleOptions | false;
  /** Longest token accepted, in characters (default 16384, profile §4). */
  readonly maxTokenLength?: number;
  /** Longest `pred` accepted; 0 = unlimited (default 100, profile §3). Match your verifier's setting. */
  readonly maxPredLength?: number;
  /** Most milliseconds between an append and the checkpoint covering it (default 1000, profile §7). */
  readonly checkpointInterval?: number;
  /** Entries that trigger a checkpoint at once (default 256, profile §7). */
  readonly checkpointBatch?: number;
  /** Timer for `checkpointInterval` (default: `setTimeout`, unref'd on Node). */
  readonly scheduler?: CheckpointScheduler;
}

/** Options of {@link TransparencyLedger.append}. */
export interface TransparencyAppendOptions extends AppendOptions {
  /**
   * Wait until a signed checkpoint covers the entry and return it with the inclusion proof
   * (`appended` and `duplicate` results). Integration starts at once; appends that arrive while
   * one runs are covered together by the next.
   */
  readonly waitForCheckpoint?: boolean;
}

/** The inclusion of an entry under a checkpoint (profile §7 "Proofs"). */
export interface EntryInclusion {
  /** The checkpoint the proof leads to. */
  readonly checkpoint: StoredCheckpoint;
  /** RFC 9162 inclusion proof of the entry's index in a tree of `checkpoint.size`. */
  readonly proof: readonly Uint8Array[];
}

/** {@link AppendResult} with the inclusion when `waitForCheckpoint` was asked. */
export type TransparencyAppendResult = AppendResult & {
  /** The checkpoint and inclusion proof, when `waitForCheckpoint` was asked (appended, duplicate). */
  readonly inclusion?: EntryInclusion;
};

const KNOWN_OPTIONS = new Set([
  "backend",
  "origin",
  "noteSigner",
  "receiptSigner",
  "clock",
  "dag",
  "maxTokenLength",
  "maxPredLength",
  "checkpointInterval",
  "checkpointBatch",
  "scheduler",
]);

// An option mistake is a programming error (issue 14): an `EctConfigError` naming the option.

/** The header and claims segments: equal for two canonical tokens iff their decoded bytes are (profile §7). */
function headerAndClaimsOf(token: string): string {
  const dot = token.lastIndexOf(".");
  return dot < 0 ? token : token.slice(0, dot);
}

const defaultScheduler: CheckpointScheduler = {
  schedule(task, ms) {
    const handle = setTimeout(task, ms) as unknown as { unref?: () => void };
    // A pending checkpoint must not keep a process alive: its entries are stored already.
    handle.unref?.();
    return handle;
  },
  cancel(handle) {
    clearTimeout(handle as Parameters<typeof clearTimeout>[0]);
  },
};

/** The frozen {@link LedgerEntry} of a backend entry (claims decoded when the backend kept none). */
export function ledgerEntryOf(stored: LedgerBackendEntry): LedgerEntry {
  return frozenEntry(stored, (stored.claims ?? decodeEct(stored.token).claims) as EctClaims);
}

/** {@link ledgerEntryOf} with the claims already at hand (an append's own). */
function frozenEntry(stored: LedgerBackendEntry, decoded: EctClaims): LedgerEntry {
  const claims = deepFreeze(decoded);
  return Object.freeze({
    index: stored.index,
    token: stored.token,
    jti: stored.jti,
    wid: stored.wid,
    iss: stored.iss,
    ingestedAt: stored.ingestedAt,
    wit: stored.wit,
    leafHash: stored.leafHash,
    claims,
  });
}

function conflictOf(stored: LedgerBackendConflict): ConflictRecord {
  return Object.freeze({
    id: stored.id,
    wid: stored.wid,
    jti: stored.jti,
    token: stored.token,
    wit: stored.wit,
    existingIndex: stored.existingIndex,
    receivedAt: stored.receivedAt,
  });
}

/** A DAG validator's failure as the append reports it: an EctError as is, else `ECT_LEDGER_APPEND_FAILED`. */
function dagFailure(e: unknown): EctError {
  return isEctError(e)
    ? e
    : new EctError(EctErrorCodes.LEDGER_APPEND_FAILED, "the DAG validator failed", { cause: e });
}

/** An {@link EctStore} over a backend view whose entries `asStored` turns into stored ECTs. */
function viewStore(
  view: LedgerStoreView,
  asStored: (e: LedgerBackendEntry) => StoredEct | undefined,
): EctStore {
  const stored = (e: LedgerBackendEntry | undefined) => (e === undefined ? undefined : asStored(e));
  // A view that answers synchronously (memory) is answered synchronously: no promise per lookup.
  const answer = (found: ReturnType<LedgerStoreView["getByKey"]>) =>
    isPromiseLike(found) ? Promise.resolve(found).then(stored) : stored(found);
  return {
    getEct: (wid, jti) =>
      typeof jti === "string" && (wid == null || typeof wid === "string")
        ? answer(view.getByKey(ectKey(wid, jti)))
        : undefined,
    findEctByJti: (jti) => (typeof jti === "string" ? answer(view.findByJti(jti.toLowerCase())) : undefined),
  };
}

/** An {@link EctStore} over a backend view, restricted to entries before `limit` when given. */
export function storeOfView(view: LedgerStoreView, limit = Number.POSITIVE_INFINITY): EctStore {
  return viewStore(view, (e) => (e.index < limit ? ledgerEntryOf(e) : undefined));
}

/**
 * The store the DAG rules read inside an append: the view's entries as they are (a backend entry is
 * a `StoredEct` when it kept its claims), so the closure mark the backend stored with each entry
 * reaches {@link BACKEND_CLOSURE}; an entry without claims is decoded (and then has no mark).
 */
function dagStoreOfView(view: LedgerStoreView): EctStore {
  // A backend hands the same view to every check (the memory backend: itself): built once per view.
  let store = dagStores.get(view);
  if (store === undefined) {
    store = viewStore(view, (e) => (e.claims !== undefined ? (e as StoredEct) : ledgerEntryOf(e)));
    dagStores.set(view, store);
  }
  return store;
}

const dagStores = new WeakMap<LedgerStoreView, EctStore>();

/**
 * Profile §6 note: the closure mark a backend stored with an entry, atomically with its append
 * (`LedgerBackendEntry.closedAncestors`), read from the entries {@link dagStoreOfView} returns.
 */
const BACKEND_CLOSURE: DagClosure = {
  closedAncestors: (stored) => (stored as Partial<LedgerBackendEntry>).closedAncestors,
};

/** A node reader over a backend's stored nodes, `overlay` (nodes not stored yet) first. */
export function backendNodeReader(
  backend: LedgerBackend,
  overlay?: ReadonlyMap<string, Uint8Array>,
): MerkleNodeReader {
  return async (ids) => {
    const out: Uint8Array[] = new Array(ids.length);
    const missing: MerkleNodeId[] = [];
    const missingAt: number[] = [];
    ids.forEach((id, i) => {
      const cached = overlay?.get(`${id.level}/${id.index}`);
      if (cached !== undefined) out[i] = cached;
      else {
        missing.push(id);
        missingAt.push(i);
      }
    });
    if (missing.length > 0) {
      const nodes = await backend.getNodes(missing);
      missing.forEach((id, j) => {
        const hash = nodes[j];
        if (!(hash instanceof Uint8Array) || hash.length !== 32) {
          throw treeError(`node ${id.level}/${id.index} is not stored`);
        }
        out[missingAt[j]!] = hash;
      });
    }
    return out;
  };
}

function treeError(message: string): EctError {
  return new EctError(EctErrorCodes.LEDGER_TREE_MISMATCH, `ledger tree: ${message}`);
}

function hexBytes(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw treeError("a stored leaf hash is not 64 lower-case hex");
  return fromHex(hex);
}

/**
 * An append-only ECT audit ledger that is a transparency log (profile §7) over any
 * {@link LedgerBackend}; also the `EctStore` the DAG rules read (profile §6). Every append is
 * sequenced in the backend's atomic step with the DAG rules (on by default); entries are integrated
 * into the RFC 9162 tree in batches and covered by a checkpoint within `checkpointInterval` or
 * `checkpointBatch` entries. Checkpoints are stored with a compare-and-set, and each is checked
 * consistent with the previous before it is signed, so no two stored checkpoints ever disagree,
 * even with several processes integrating.
 *
 * @example
 * ```ts
 * const ledger = new TransparencyLedger({ backend, origin: "ect.example.org/ledger/demo" });
 * const result = await ledger.append(token, { waitForCheckpoint: true });
 * if (result.status === "appended") console.log(result.receipt.index, result.inclusion?.proof.length);
 * ```
 */
export class TransparencyLedger implements Ledger {
  /** The backend this ledger stores into. */
  readonly backend: LedgerBackend;
  /** The log's origin (checkpoint first line). */
  readonly origin: string;
  /** The note verifier key of the checkpoint signer (`<name>+<keyid hex>+<base64>`), or `null`. */
  get vkey(): string | null {
    const vkey = (this.#noteSigner as { readonly vkey?: unknown } | undefined)?.vkey;
    return typeof vkey === "string" ? vkey : null;
  }
  /**
   * True when `append` runs the DAG rules (profile §6) in its atomic step (the default); a verifier
   * then skips its own DAG check, so the rules run once.
   */
  readonly enforcesDagRules: boolean;
  readonly #clock: Clock;
  readonly #dag: LedgerDagValidator | undefined;
  readonly #onlyIdentityNeedsAtomicity: boolean;
  readonly #receiptSigner: JwsSigner | undefined;
  readonly #noteSigner: NoteSigner | undefined;
  readonly #maxTokenLength: number;
  readonly #maxPredLength: number;
  readonly #interval: number;
  readonly #batch: number;
  readonly #scheduler: CheckpointScheduler;
  #timer: unknown;
  #integrating: Promise<StoredCheckpoint | undefined> | undefined;
  #followUp: Promise<StoredCheckpoint | undefined> | undefined;
  /** Highest index known to be covered by a stored checkpoint, plus one. */
  #covered = 0;
  /** Highest index sequenced through this instance, plus one. */
  #sequenced = 0;
  #waiters: { index: number; resolve: (c: StoredCheckpoint) => void; reject: (e: unknown) => void }[] = [];

  /**
   * @param options - Backend, origin, signers, DAG rules, checkpoint cadence.
   * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for an unknown or
   *   invalid option.
   */
  constructor(options: TransparencyLedgerOptions) {
    assertKnownOptions(options, KNOWN_OPTIONS);
    const { backend } = options;
    if (backend === null || typeof backend !== "object" || typeof backend.sequence !== "function") {
      throw new EctConfigError("backend", "must be a LedgerBackend");
    }
    if (options.clock !== undefined && typeof options.clock !== "function") {
      throw new EctConfigError("clock", "must be a function");
    }
    if (options.receiptSigner !== undefined && typeof options.receiptSigner?.sign !== "function") {
      throw new EctConfigError("receiptSigner", "must be a JwsSigner");
    }
    if (options.noteSigner !== undefined && typeof options.noteSigner?.sign !== "function") {
      throw new EctConfigError("noteSigner", "must be a NoteSigner");
    }
    const origin = options.origin ?? options.noteSigner?.name ?? "ect-ledger.invalid/unsigned";
    if (typeof origin !== "string" || origin.length === 0 || /[\n\s]/.test(origin)) {
      throw new EctConfigError("origin", "must be a non-empty string without whitespace");
    }
    if (options.noteSigner !== undefined && options.noteSigner.name !== origin) {
      throw new EctConfigError(
        "noteSigner",
        "name must be the origin (profile §7: the key name is the origin)",
      );
    }
    const dag = dagRulesOption(options.dag);
    this.backend = backend;
    this.origin = origin;
    this.#clock = options.clock ?? Date.now;
    this.#dag = dag?.ledgerValidator;
    this.#onlyIdentityNeedsAtomicity = dag === undefined || dag.options.unresolvedPredecessors === "reject";
    this.enforcesDagRules = this.#dag !== undefined;
    this.#receiptSigner = options.receiptSigner;
    this.#noteSigner = options.noteSigner;
    this.#maxTokenLength = integerOption(options.maxTokenLength, Defaults.MAX_TOKEN_LENGTH, "maxTokenLength");
    this.#maxPredLength = integerOption(options.maxPredLength, Defaults.MAX_PRED_LENGTH, "maxPredLength");
    this.#interval = integerOption(options.checkpointInterval, 1000, "checkpointInterval");
    this.#batch = integerOption(options.checkpointBatch, 256, "checkpointBatch", 1);
    const scheduler = options.scheduler ?? defaultScheduler;
    if (typeof scheduler?.schedule !== "function" || typeof scheduler.cancel !== "function") {
      throw new EctConfigError("scheduler", "must have schedule and cancel");
    }
    this.#scheduler = scheduler;
  }

  /**
   * Appends a token the caller has verified (profile §7). It is keyed by `(wid or "", jti)`; in the
   * backend's atomic step an existing identity gives `duplicate` (byte-identical decoded header and
   * claims: a re-send) or `conflict` (kept as evidence, nothing overwritten); otherwise the DAG rules
   * run (`rejected` on a violation, nothing written) and the entry gets the next index. The receipt
   * comes at once; integration follows within `checkpointInterval`.
   *
   * @throws {@link EctError} the decoding or claim rule's code (`ECT_MALFORMED`, `ECT_JTI_INVALID`,
   *   ...) when no `decoded` is given; {@link EctConfigError} for an invalid `now`, `wit` or `decoded`;
   *   `ECT_LEDGER_APPEND_FAILED` when the receipt signer or the DAG validator fails;
   *   `ECT_LEDGER_UNAVAILABLE` from the backend.
   */
  async append(token: string, options: TransparencyAppendOptions = {}): Promise<TransparencyAppendResult> {
    const now = integerOption(options.now ?? this.#clock(), 0, "now");
    const claims = this.#claimsOf(token, options);
    const wit = options.wit ?? null;
    if (wit !== null && typeof wit !== "string") throw new EctConfigError("wit", "must be a string");
    const key = ectKey(claims.wid, claims.jti);
    const dag = this.#dag;
    // Without predecessors only rule 1 (uniqueness) can apply, and the backend's identity check
    // is that rule, atomically: no DAG work, no extra round trip (profile §6). Such an entry is
    // closed under the rules, with no ancestors (its closure mark, profile §6 note).
    const root = Array.isArray(claims.pred) && claims.pred.length === 0;
    const draft = entryDraftOf(
      token,
      claims,
      now,
      wit,
      entryLeafHash({ token, ingestedAt: now, wit }),
      key,
      dag !== undefined && root ? 0 : undefined,
    );
    const check: SequenceCheck | undefined =
      dag === undefined || root
        ? undefined
        : {
            onlyIdentityNeedsAtomicity: this.#onlyIdentityNeedsAtomicity,
            // Synchronous over a synchronous view (memory): no promise of its own.
            run: (view) => {
              let result: ReturnType<typeof dag>;
              try {
                result = dag(claims, dagStoreOfView(view), BACKEND_CLOSURE);
              } catch (e) {
                throw dagFailure(e);
              }
              return isPromiseLike(result)
                ? result.then(undefined, (e) => Promise.reject(dagFailure(e)))
                : result;
            },
          };
    const outcome = await this.backend.sequence(draft, check);
    switch (outcome.status) {
      case "appended": {
        const entry = frozenEntry(outcome.entry, claims);
        this.#noteSequenced(entry.index);
        const receipt = await issueReceipt(entry, this.#receiptSigner);
        const result = {
          status: "appended" as const,
          entry,
          receipt,
          unresolvedPredecessors: Object.freeze(outcome.unresolvedPredecessors.slice()),
        };
        return options.waitForCheckpoint ? this.#withInclusion(result, entry.index) : Object.freeze(result);
      }
      case "exists": {
        const existing = ledgerEntryOf(outcome.entry);
        if (headerAndClaimsOf(existing.token) === headerAndClaimsOf(token)) {
          // profile §7: a re-send, or a re-encoded signature (ECDSA s -> n - s).
          const receipt = await issueReceipt(existing, this.#receiptSigner);
          const result = { status: "duplicate" as const, entry: existing, receipt };
          return options.waitForCheckpoint
            ? this.#withInclusion(result, existing.index)
            : Object.freeze(result);
        }
        const evidence = await this.backend.recordConflict({
          key,
          wid: existing.wid,
          jti: existing.jti,
          token,
          wit,
          existingIndex: existing.index,
          receivedAt: now,
        });
        return Object.freeze({ status: "conflict", existing, evidence: conflictOf(evidence) });
      }
      case "rejected":
        return Object.freeze({
          status: "rejected",
          violations: Object.freeze([...outcome.result.violations]),
        });
    }
  }

  #claimsOf(token: string, options: AppendOptions): EctClaims {
    if (typeof token !== "string") throw new EctError(EctErrorCodes.MALFORMED, "a token must be a string");
    if (options.decoded !== undefined) {
      // The verifier decoded exactly this token (profile §5 steps 3-7): not again (issue 14, L3).
      if (options.decoded?.header === undefined) {
        // profile §1: a ledger entry is an L2 envelope (a JWS); unsigned L1 tokens are not stored.
        throw new EctError(EctErrorCodes.LEVEL_TOO_LOW, "a ledger stores signed tokens (JWS) only");
      }
      const claims = options.decoded?.claims;
      if (claims === null || typeof claims !== "object" || typeof claims["jti"] !== "string") {
        throw new EctConfigError("decoded", "must hold the verifier's decoded claims");
      }
      return claims as EctClaims;
    }
    const decoded = decodeEct(token, { maxTokenLength: this.#maxTokenLength });
    const violations = validateClaims(decoded.claims, { maxPredLength: this.#maxPredLength });
    if (violations.length > 0) throw errorFromViolations(violations);
    return decoded.claims as EctClaims;
  }

  async #withInclusion<R extends object>(
    result: R,
    index: number,
  ): Promise<R & { inclusion: EntryInclusion }> {
    const checkpoint = await this.#waitForCoverage(index);
    const proof = await readInclusionProof({
      index,
      treeSize: checkpoint.size,
      getNodes: backendNodeReader(this.backend),
    });
    return Object.freeze({
      ...result,
      inclusion: Object.freeze({ checkpoint, proof: Object.freeze(proof) }),
    });
  }

  /** Schedules integration: at once after `checkpointBatch` entries, else within `checkpointInterval`. */
  #noteSequenced(index: number): void {
    if (index + 1 > this.#sequenced) this.#sequenced = index + 1;
    if (this.#sequenced - this.#covered >= this.#batch) {
      this.#startIntegration();
    } else if (this.#timer === undefined) {
      this.#timer = this.#scheduler.schedule(() => {
        this.#timer = undefined;
        this.#startIntegration();
      }, this.#interval);
    }
  }

  #waitForCoverage(index: number): Promise<StoredCheckpoint> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({ index, resolve, reject });
      // Someone is waiting: integrate now rather than at the timer.
      this.#startIntegration();
    });
  }

  #startIntegration(): void {
    this.integrate().catch(() => {
      // Reported to waiters by integrate(); the next append or timer retries.
    });
  }

  /**
   * Integrates every sequenced entry into the tree and stores a new signed checkpoint (profile §7),
   * unless another integrator got there first; returns the latest checkpoint. Normally driven by the
   * checkpoint cadence; call it to force a checkpoint now (e.g. before shutdown).
   *
   * @throws {@link EctError} `ECT_LEDGER_CHECKPOINT_INCONSISTENT` when the stored tree does not
   *   match the latest checkpoint (nothing is signed then); the backend's errors.
   */
  integrate(): Promise<StoredCheckpoint | undefined> {
    // One integration at a time per instance; calls meanwhile share one follow-up run (entries may
    // have arrived since the running one read the size): batching under load, no wait when idle.
    if (this.#integrating !== undefined) {
      this.#followUp ??= this.#integrating
        .catch(() => undefined)
        .then(() => {
          this.#followUp = undefined;
          return this.integrate();
        });
      return this.#followUp;
    }
    if (this.#timer !== undefined) {
      this.#scheduler.cancel(this.#timer);
      this.#timer = undefined;
    }
    const run = this.#integrateOnce().then(
      (checkpoint) => {
        this.#integrating = undefined;
        if (checkpoint !== undefined) this.#settleWaiters(checkpoint);
        if (this.#sequenced - this.#covered >= this.#batch) this.#startIntegration();
        else if (this.#sequenced > this.#covered) this.#noteSequenced(this.#sequenced - 1);
        return checkpoint;
      },
      (error: unknown) => {
        this.#integrating = undefined;
        for (const w of this.#waiters.splice(0)) w.reject(error);
        throw error;
      },
    );
    this.#integrating = run;
    return run;
  }

  #settleWaiters(checkpoint: StoredCheckpoint): void {
    if (checkpoint.size > this.#covered) this.#covered = checkpoint.size;
    const pending = [];
    for (const w of this.#waiters) {
      if (w.index < checkpoint.size) w.resolve(checkpoint);
      else pending.push(w);
    }
    this.#waiters = pending;
  }

  async #integrateOnce(): Promise<StoredCheckpoint | undefined> {
    for (;;) {
      const latest = await this.backend.latestCheckpoint();
      const fromSize = latest?.size ?? 0;
      const size = await this.backend.size();
      if (size <= fromSize) return latest;
      const entries = await this.backend.getEntries(fromSize, size);
      if (entries.length !== size - fromSize || entries.some((e, i) => e.index !== fromSize + i)) {
        throw treeError(`entries ${fromSize}..${size - 1} are not all stored`);
      }
      const reader = backendNodeReader(this.backend);
      if (latest !== undefined) {
        // profile §7: the stored tree must still be the one the latest checkpoint signed.
        const stored = await readTreeRoot({ treeSize: fromSize, getNodes: reader });
        if (!bytesEqual(stored, latest.root)) {
          throw new EctError(
            EctErrorCodes.LEDGER_CHECKPOINT_INCONSISTENT,
            `the stored tree of size ${fromSize} does not match the latest checkpoint: nothing signed`,
          );
        }
      }
      const integration = await integrateLeafHashes({
        treeSize: fromSize,
        leafHashes: entries.map((e) => hexBytes(e.leafHash)),
        getNodes: reader,
      });
      const nodes: TreeNode[] = [];
      const overlay = new Map<string, Uint8Array>();
      for (const { id, hash } of integration.nodes) {
        overlay.set(`${id.level}/${id.index}`, hash);
        nodes.push({ level: id.level, index: id.index, hash });
      }
      if (latest !== undefined) {
        // profile §7: check consistency with the previous checkpoint before signing.
        const proof = await readConsistencyProof({
          size1: fromSize,
          size2: size,
          getNodes: backendNodeReader(this.backend, overlay),
        });
        try {
          verifyConsistency({
            size1: fromSize,
            size2: size,
            root1: latest.root,
            root2: integration.root,
            proof,
          });
        } catch (cause) {
          throw new EctError(
            EctErrorCodes.LEDGER_CHECKPOINT_INCONSISTENT,
            `the tree of size ${size} does not extend the checkpoint of size ${fromSize}: nothing signed`,
            { cause },
          );
        }
      }
      const note = await checkpointNote(
        { origin: this.origin, treeSize: size, root: integration.root },
        this.#noteSigner,
      );
      const checkpoint: StoredCheckpoint = Object.freeze({ size, root: integration.root, note });
      if (await this.backend.commitIntegration({ fromSize, checkpoint, nodes })) return checkpoint;
      // Another integrator stored a checkpoint first: build on it.
    }
  }

  /** Stops the checkpoint timer and integrates what this instance appended and is not covered yet. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) this.#scheduler.cancel(this.#timer);
    this.#timer = undefined;
    if (this.#sequenced > this.#covered || this.#integrating !== undefined) await this.integrate();
  }

  /** The latest stored checkpoint, or `undefined` before the first integration. */
  latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.backend.latestCheckpoint();
  }

  /** Every stored checkpoint, ascending size. */
  checkpoints(): Promise<readonly StoredCheckpoint[]> {
    return this.backend.checkpoints();
  }

  /** The root of the first `size` entries, read from the stored tree (integrated sizes only). */
  treeRoot(size: number): Promise<Uint8Array> {
    return readTreeRoot({ treeSize: size, getNodes: backendNodeReader(this.backend) });
  }

  /** The RFC 9162 inclusion proof of `index` in the tree of `treeSize` (an integrated size). */
  inclusionProof(index: number, treeSize: number): Promise<Uint8Array[]> {
    return readInclusionProof({ index, treeSize, getNodes: backendNodeReader(this.backend) });
  }

  /** The RFC 9162 consistency proof from `size1` to `size2` (integrated sizes). */
  consistencyProof(size1: number, size2: number): Promise<Uint8Array[]> {
    return readConsistencyProof({ size1, size2, getNodes: backendNodeReader(this.backend) });
  }

  /**
   * The inclusion of the entry `(wid, jti)` under the latest checkpoint, or `undefined` when the entry
   * is not stored or not integrated yet.
   */
  async inclusionOf(wid: string | null | undefined, jti: string): Promise<EntryInclusion | undefined> {
    const entry = await this.get(wid, jti);
    const checkpoint = await this.backend.latestCheckpoint();
    if (entry === undefined || checkpoint === undefined || entry.index >= checkpoint.size) return undefined;
    return Object.freeze({
      checkpoint,
      proof: Object.freeze(await this.inclusionProof(entry.index, checkpoint.size)),
    });
  }

  /** The receipt of a stored entry (signed when the ledger signs), or `undefined`. */
  async receiptOf(wid: string | null | undefined, jti: string): Promise<LedgerReceipt | undefined> {
    const entry = await this.get(wid, jti);
    return entry === undefined ? undefined : issueReceipt(entry, this.#receiptSigner);
  }

  /** The stored ECT with this identity, or `undefined` (the DAG rules' store view, profile §6). */
  getEct(wid: string | null | undefined, jti: string): Promise<StoredEct | undefined> {
    return this.get(wid, jti);
  }

  /** One stored ECT with this `jti` in any `wid` scope (the earliest), or `undefined` (profile §6.3). */
  async findEctByJti(jti: string): Promise<StoredEct | undefined> {
    if (typeof jti !== "string") return undefined;
    const found = await this.backend.findByJti(jti.toLowerCase());
    return found === undefined ? undefined : ledgerEntryOf(found);
  }

  /** The entry with this identity (UUIDs compare case-insensitively), or `undefined`. */
  async get(wid: string | null | undefined, jti: string): Promise<LedgerEntry | undefined> {
    if (typeof jti !== "string" || (wid != null && typeof wid !== "string")) return undefined;
    const found = await this.backend.getByKey(ectKey(wid, jti));
    return found === undefined ? undefined : ledgerEntryOf(found);
  }

  /** The entry at `index`, or `undefined`. */
  async getByIndex(index: number): Promise<LedgerEntry | undefined> {
    if (!Number.isSafeInteger(index) || index < 0) return undefined;
    const [found] = await this.backend.getEntries(index, index + 1);
    return found === undefined ? undefined : ledgerEntryOf(found);
  }

  /** All entries of one workflow (`null`/`undefined`: tokens without `wid`), in index order. */
  async listWorkflow(wid: string | null | undefined): Promise<readonly LedgerEntry[]> {
    if (wid != null && typeof wid !== "string") return Object.freeze([]);
    return Object.freeze((await this.backend.listWorkflow((wid ?? "").toLowerCase())).map(ledgerEntryOf));
  }

  /**
   * Entries with `start <= index < end` (defaults: 0 and the size), at most `limit`, in order.
   *
   * @throws {@link EctConfigError} (code `ECT_CONFIG_INVALID`) when a bound is not a non-negative integer.
   */
  async range(options: RangeOptions = {}): Promise<readonly LedgerEntry[]> {
    const start = integerOption(options.start, 0, "start");
    const size = await this.backend.size();
    const end = Math.min(size, integerOption(options.end, size, "end"));
    const limit = integerOption(options.limit, Number.MAX_SAFE_INTEGER, "limit");
    if (end <= start) return Object.freeze([]);
    const stop = Math.min(end, start + limit);
    return Object.freeze((await this.backend.getEntries(start, stop)).map(ledgerEntryOf));
  }

  /** The number of entries (the next index). */
  size(): Promise<number> {
    return this.backend.size();
  }

  /** The conflicting tokens kept as evidence, in the order they were first received. */
  async conflicts(): Promise<readonly ConflictRecord[]> {
    return Object.freeze((await this.backend.conflicts()).map(conflictOf));
  }
}
