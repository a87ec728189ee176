import type { Clock, DagRuleOptions, NoteSigner } from "ect-core";
import type { JwsSigner } from "ect-core/internal";
import type { CheckpointScheduler, LedgerBackendEntry, TransparencyLedger } from "ect-ledger";

/**
 * What the conformance suite hands {@link LedgerHarness.create} for one fresh ledger: pass every
 * member through to the `TransparencyLedger` (or subclass) the backend builds.
 */
export interface LedgerFactoryOptions {
  /** The clock for `ingestedAt` when an append passes no `now`; the suite moves it. */
  readonly clock: Clock;
  /** The log's origin (the note signer's name). */
  readonly origin: string;
  /** Signs checkpoints (Ed25519, C2SP signed note). */
  readonly noteSigner: NoteSigner;
  /** When present, the ledger signs its receipts with it (profile §7 `typ: ect-receipt+jwt`). */
  readonly receiptSigner?: JwsSigner;
  /** The DAG rules (profile §6): options, or `false` for the explicit opt-out. */
  readonly dag: DagRuleOptions | false;
  /** Checkpoint cadence: entries per checkpoint. */
  readonly checkpointBatch: number;
  /** Checkpoint cadence: milliseconds (driven by `scheduler`, never wall time, in the suite). */
  readonly checkpointInterval: number;
  /** The suite's timer: it fires the checkpoint timer when a check says so. */
  readonly scheduler: CheckpointScheduler;
}

/**
 * A backend under test: how to make a fresh, empty ledger over it, how to tamper with its storage,
 * and how to clean up.
 *
 * @typeParam L - the backend's ledger type, so `tamper` and `dispose` get the concrete class.
 *
 * @example
 * ```ts
 * const harness: LedgerHarness<MemoryLedger> = {
 *   create: (options) => new MemoryLedger(options),
 *   tamper: (ledger, change) => tamperMemoryLedger(ledger, change),
 * };
 * ```
 */
export interface LedgerHarness<L extends TransparencyLedger = TransparencyLedger> {
  /** Creates a fresh, empty ledger configured with `options`. Called once or more per check. */
  create(options: LedgerFactoryOptions): Promise<L> | L;
  /**
   * Rewrites the stored entries behind the ledger's back, the way an attacker with write access to
   * the storage would: `change` may edit fields, reorder or drop entries; the backend stores the
   * result renumbered by position and recomputes nothing.
   */
  tamper(ledger: L, change: (entries: LedgerBackendEntry[]) => void): Promise<void> | void;
  /** Releases a ledger made by `create` (close connections, delete keys). Called after each check. */
  dispose?(ledger: L): Promise<void> | void;
}
