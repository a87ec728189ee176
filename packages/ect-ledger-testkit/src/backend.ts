import type { Clock, DagRuleOptions, DagValidator, Ledger } from "ect-core";
import type { JwsSigner, LedgerEntryRecord } from "ect-core/internal";

/**
 * What the conformance suite hands a backend's {@link LedgerBackend.create} for one fresh ledger.
 *
 * DAG rules come in two forms so both kinds of backend can be plugged: a backend that runs the
 * rules in-process (the memory ledger) takes the ready {@link DagValidator} `dag`; a backend that
 * runs them elsewhere (the Redis ledger runs them inside its server-side append script) builds its
 * own from the plain data `dagOptions`. Both are present, or both absent (then the ledger must run
 * no DAG rules).
 */
export interface LedgerFactoryOptions {
  /**
   * The clock the ledger must use for `ingestedAt`, `appendedAt` and `receivedAt` when an append
   * passes no `now`. The suite moves it to assert those fields.
   */
  readonly clock: Clock;
  /** When present, the ledger signs its receipts with it (SPEC 7 `typ: ect-receipt+jwt`). */
  readonly receiptSigner?: JwsSigner;
  /** When present, the DAG rules (SPEC 6) as a ready validator, to run atomically with each append. */
  readonly dag?: DagValidator;
  /** When present, the same DAG rules as plain data (for backends that evaluate them themselves). */
  readonly dagOptions?: DagRuleOptions;
}

/**
 * A change the suite asks a backend to make to a stored entry behind the ledger's back, the way an
 * attacker with write access to the storage would: each given field of the stored entry at `seq`
 * is overwritten, nothing else (no hash is recomputed).
 */
export type LedgerTamperMutation = Partial<Pick<LedgerEntryRecord, "token" | "leafHash" | "chainHash">>;

/**
 * A ledger backend under test: how to make a fresh, empty ledger, how to tamper with its storage,
 * and how to clean up.
 *
 * @typeParam L - the backend's ledger type, so `tamper` and `dispose` get the concrete class.
 *
 * @example
 * ```ts
 * const backend: LedgerBackend<MemoryLedger> = {
 *   create: ({ clock, dag, receiptSigner }) => new MemoryLedger({ clock, dag, receiptSigner }),
 *   tamper: (ledger, seq, mutation) => tamperMemoryLedger(ledger, seq, mutation),
 * };
 * ```
 */
export interface LedgerBackend<L extends Ledger = Ledger> {
  /** Creates a fresh, empty ledger configured with `options`. Called once or more per check. */
  create(options: LedgerFactoryOptions): Promise<L> | L;
  /**
   * Overwrites fields of the stored entry at `seq` without going through the ledger's API (used to
   * prove `verifyChain` finds tampering). Must not recompute anything.
   */
  tamper(ledger: L, seq: number, mutation: LedgerTamperMutation): Promise<void> | void;
  /** Releases a ledger made by `create` (close connections, delete keys). Called after each check. */
  dispose?(ledger: L): Promise<void> | void;
}
