/**
 * The interfaces the upper layers meet through (ARCHITECTURE: layering). `ect-crypto` implements
 * key resolvers, replay caches and signers; `ect-dag` implements checks and DAG validators; ledgers
 * implement `Ledger` and `EctStore`. None of them imports another: they are wired by the caller.
 */
import type { EctError, Result } from "./errors.js";
import type { AssuranceLevel, EctClaims, EctHeader } from "./types.js";

/** A clock: milliseconds since the epoch, like `Date.now`. Every time check takes one. */
export type Clock = () => number;

/** A token that passed verification. */
export interface VerifiedEct {
  /** The token exactly as received. */
  readonly token: string;
  /** The assurance level reached: 3 when a ledger append succeeded. */
  readonly level: AssuranceLevel;
  /** The validated header (`undefined` for L1). */
  readonly header: EctHeader | undefined;
  /** The validated claims. */
  readonly claims: EctClaims;
  /** `aud` normalised to an array (SPEC 3: "the parsed form also offers a normalised array"). */
  readonly audience: readonly string[];
  /** Predecessors a DAG check allowed while unresolved (SPEC 6.2), if any. */
  readonly unresolvedPredecessors: readonly string[];
  /** The ledger receipt when the token was appended (L3). */
  readonly receipt?: LedgerReceipt;
}

// ---------------------------------------------------------------------------------------------
// Keys (SPEC 5.5)

/** What a key resolver is asked for (SPEC 5.5). */
export interface KeyLookup {
  /** The `kid` header member. */
  readonly kid: string;
  /** The `iss` claim: the key must be bound to this issuer. */
  readonly iss: string;
  /** The `alg` header member (already checked against the allowlist). */
  readonly alg: string;
}

/**
 * Resolves the verification key for `{ kid, iss, alg }` (SPEC 5.5). It must return a key bound to
 * that issuer, or `undefined`: the same `kid` under another `iss` must not resolve unless the
 * resolver was told so. `TKey` is whatever the crypto layer verifies with (`ect-crypto`: a
 * `CryptoKey`, `KeyObject` or JWK).
 */
export interface KeyResolver<TKey = unknown> {
  /** Returns the key, or `undefined` when none is bound to this issuer and kid. Throws only on failure. */
  resolve(lookup: KeyLookup): Promise<TKey | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Replay (SPEC 4, 5.10)

/** One replay-cache record request (SPEC 5.10). */
export interface ReplayRecord {
  /** The token's `wid`, if any: `jti` uniqueness is scoped by it. */
  readonly wid: string | null | undefined;
  /** The token's `jti`. */
  readonly jti: string;
  /** Seconds since the epoch until which the record must be kept (see `replayRecordExpiry`). */
  readonly expiresAt: number;
  /** The verifier's current time, seconds since the epoch. */
  readonly now: number;
}

/**
 * A replay cache: an atomic check-and-record keyed by `(wid or "", jti)` (SPEC 5.10). Keys compare
 * case-insensitively (UUIDs); use `ectKey` to build them.
 */
export interface ReplayCache {
  /**
   * Records the pair if it is not recorded (or its record expired) and returns `true`; returns
   * `false`, recording nothing, when it is a replay. Must be atomic: of two concurrent calls with
   * the same pair exactly one returns `true`.
   */
  checkAndRecord(record: ReplayRecord): Promise<boolean>;
  /**
   * Removes a record made by `checkAndRecord`, so a token refused by a later step (the L3 ledger
   * append, SPEC 5.12) does not burn its `jti`.
   */
  release(key: { readonly wid: string | null | undefined; readonly jti: string }): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Extra verification checks (SPEC 5.9)

/** What an extra verification check sees: a token that passed SPEC 5 steps 1-8. */
export interface VerificationContext {
  /** The token exactly as received. */
  readonly token: string;
  /** 1 (unsigned) or 2 (JWS). */
  readonly level: 1 | 2;
  /** The validated header (`undefined` for L1). */
  readonly header: EctHeader | undefined;
  /** The validated claims. */
  readonly claims: EctClaims;
  /** The verifier's time, seconds since the epoch. */
  readonly now: number;
}

/** What a check may report back besides passing. */
export interface CheckOutcome {
  /** Predecessors accepted while not stored (SPEC 6.2 `unresolvedPredecessors: "allow"`). */
  readonly unresolvedPredecessors?: readonly string[];
}

/**
 * An extra verification check, run after the claim and time rules and before the replay record
 * (SPEC 5.9). It refuses a token by throwing an `EctError`; anything else it throws is reported as
 * `ECT_CHECK_FAILED`. `ect-dag`'s `dagCheck` is one.
 */
export interface VerificationCheck {
  /** Checks one token; throws an `EctError` to refuse it. */
  (context: VerificationContext): Promise<CheckOutcome | undefined> | CheckOutcome | undefined;
  /**
   * Set by a check that runs the DAG rules (profile §6) over a store, such as `ect-dag`'s
   * `dagCheck`: that store. A verifier appending to this very store, when it is a ledger that
   * enforces the DAG rules itself (`Ledger.enforcesDagRules`), skips the check, so the rules run
   * once per token, in the ledger's atomic append.
   */
  readonly dagRulesOver?: EctStore;
}

// ---------------------------------------------------------------------------------------------
// Stores and DAG (SPEC 6)

/** A stored ECT: the token as received and its decoded claims. */
export interface StoredEct {
  /** The token exactly as received. */
  readonly token: string;
  /** Its claims, as decoded from the token. */
  readonly claims: EctClaims;
}

/**
 * Lookup of stored ECTs by `(wid, jti)` (SPEC 6). Ledgers implement it. A store that holds its
 * entries in memory may answer synchronously (a value, not a promise): the DAG rules then run
 * without a promise per lookup; callers `await` the answer either way.
 */
export interface EctStore {
  /**
   * The stored ECT with this identity, or `undefined`, or a promise of it. `wid` absent/null means
   * the empty scope; UUIDs compare case-insensitively.
   */
  getEct(
    wid: string | null | undefined,
    jti: string,
  ): StoredEct | undefined | PromiseLike<StoredEct | undefined>;
  /**
   * Optional: one stored ECT with this `jti` in any `wid` scope (the earliest stored when there are
   * several), or `undefined`. Consulted only when a predecessor is not found in the child's scope, so
   * the DAG rules can tell a predecessor stored in another workflow (SPEC 6.3,
   * `ECT_DAG_WORKFLOW_MISMATCH`) from a missing one (SPEC 6.2). Without it such a predecessor is
   * reported as missing, or allowed as unresolved under `unresolvedPredecessors: "allow"` when the
   * child has no `wid` (with a `wid`, the empty scope is still checked through `getEct`).
   */
  findEctByJti?(jti: string): StoredEct | undefined | PromiseLike<StoredEct | undefined>;
}

/** Options of the DAG rules (SPEC 6). */
export interface DagRuleOptions {
  /** Rule 2: refuse (`"reject"`, default) or report (`"allow"`) predecessors that are not stored. */
  readonly unresolvedPredecessors?: "reject" | "allow";
  /** Rule 5: most nodes the ancestor walk visits before failing closed (default 10000). */
  readonly maxTraversal?: number;
  /** Rule 4: clock skew in seconds for `iat` ordering (default 30). */
  readonly clockSkewSec?: number;
  /** Rule 6: enforce predecessor policy decisions (default true). */
  readonly predecessorPolicy?: boolean;
  /** Rule 6: accept predecessors whose decision is `pending_human_review` (default false). */
  readonly allowPendingPredecessors?: boolean;
}

/** Outcome of the DAG rules for one token (SPEC 6). */
export interface DagValidationResult {
  /** True when no rule is violated. */
  readonly valid: boolean;
  /** Every violation found, each with its `ECT_DAG_*` code. */
  readonly violations: readonly EctError[];
  /** Predecessors allowed while unresolved (only with `unresolvedPredecessors: "allow"`). */
  readonly unresolvedPredecessors: readonly string[];
}

/**
 * Runs the DAG rules for one new token against a store. `ect-dag` builds these; a ledger given one
 * runs it atomically with its append (SPEC 6: "the check and the append of a ledger are one
 * atomic step").
 */
export type DagValidator = (claims: EctClaims, store: EctStore) => Promise<DagValidationResult>;

// ---------------------------------------------------------------------------------------------
// Ledger (SPEC 7)

/** One ledger entry (profile §7). Returned entries are frozen. */
export interface LedgerEntry extends StoredEct {
  /** Position of the entry's leaf in the log: 0, 1, 2, ... contiguous (tools may show `index + 1`). */
  readonly index: number;
  /** The token's `jti`, as in its claims. */
  readonly jti: string;
  /** The token's `wid`, or `null`. */
  readonly wid: string | null;
  /** The token's `iss`. */
  readonly iss: string;
  /** Ingestion time, integer milliseconds since the epoch (covered by the leaf). */
  readonly ingestedAt: number;
  /** The WIT the token was accepted on (profile §9), or `null` (covered by the leaf). */
  readonly wit: string | null;
  /** `SHA-256(0x00 ‖ leaf input)` (profile §7 "Leaf input"), lower-case hex. */
  readonly leafHash: string;
}

/** A receipt for an appended (or already present) entry (profile §7 "Sequencing"). */
export interface LedgerReceipt {
  /** The entry's index. */
  readonly index: number;
  /** The entry's leaf hash (hex). */
  readonly leafHash: string;
  /** The entry's ingestion time, milliseconds since the epoch. */
  readonly ingestedAt: number;
  /** The entry's `jti`. */
  readonly jti: string;
  /** The entry's `wid`, or `null`. */
  readonly wid: string | null;
  /** The receipt signed by the ledger's key, a JWS with `typ: ect-receipt+jwt`, when the ledger signs. */
  readonly jws?: string;
}

/** A conflicting token kept as evidence (profile §7 "Identity": nothing is overwritten). */
export interface ConflictRecord {
  /** 0, 1, 2, ... in the order conflicts were recorded. */
  readonly id: number;
  /** The identity both tokens share. */
  readonly wid: string | null;
  /** The identity both tokens share. */
  readonly jti: string;
  /** The conflicting token, exactly as received. */
  readonly token: string;
  /** The WIT it arrived on, or `null`. */
  readonly wit: string | null;
  /** Index of the stored entry it conflicts with. */
  readonly existingIndex: number;
  /** When the conflicting token was received, milliseconds since the epoch. */
  readonly receivedAt: number;
}

/** The outcome of {@link Ledger.append}. */
export type AppendResult =
  | {
      /** The token was new and is now stored. */
      readonly status: "appended";
      /** The new entry. */
      readonly entry: LedgerEntry;
      /** Its receipt. */
      readonly receipt: LedgerReceipt;
      /** Predecessors the ledger's DAG rules allowed while unresolved. */
      readonly unresolvedPredecessors: readonly string[];
    }
  | {
      /** The same decoded header and claims were already stored (a re-send): nothing was written. */
      readonly status: "duplicate";
      /** The entry already stored. */
      readonly entry: LedgerEntry;
      /** The receipt of the stored entry. */
      readonly receipt: LedgerReceipt;
    }
  | {
      /** A different token is stored under the same `(wid, jti)`: nothing was overwritten. */
      readonly status: "conflict";
      /** The entry already stored. */
      readonly existing: LedgerEntry;
      /** The conflicting token, kept as evidence. */
      readonly evidence: ConflictRecord;
    }
  | {
      /** The ledger's DAG rules (profile §6) refused the token; nothing was written. */
      readonly status: "rejected";
      /** Every DAG rule the token violates, each with its `ECT_DAG_*` code. */
      readonly violations: readonly EctError[];
    };

/** Options of {@link Ledger.append}. */
export interface AppendOptions {
  /** Ingestion time in integer milliseconds since the epoch; defaults to the ledger's clock. */
  readonly now?: number;
  /**
   * The verifier's decoded header and claims of exactly this token (profile §5 steps 3-7), so the
   * ledger does not decode it again. Pass only what the verifier decoded from `token` itself.
   */
  readonly decoded?: {
    /** The decoded header (`undefined` for L1). */
    readonly header?: Readonly<Record<string, unknown>> | undefined;
    /** The decoded claims, validated by the verifier (profile §3). */
    readonly claims: Readonly<Record<string, unknown>>;
  };
  /** The WIT the token was accepted on (profile §9): stored with the entry and covered by its leaf. */
  readonly wit?: string;
}

/** Options of {@link Ledger.range}. */
export interface RangeOptions {
  /** First index, inclusive (default 0). */
  readonly start?: number;
  /** Last index, exclusive (default: the size). */
  readonly end?: number;
  /** Most entries to return. */
  readonly limit?: number;
}

/**
 * An append-only audit ledger (profile §7), as the verifier and the DAG rules see it. `ect-ledger`'s
 * `TransparencyLedger` (memory, Redis and PostgreSQL backends) implements it and adds checkpoints,
 * proofs, export and audit.
 */
export interface Ledger extends EctStore {
  /**
   * True when `append` runs the DAG rules (profile §6) in its atomic step; a verifier then skips
   * its own DAG check (they run once).
   */
  readonly enforcesDagRules: boolean;
  /**
   * Appends a token, keyed by `(wid or "", jti)`. A byte-identical decoded header and claims is a
   * `duplicate` (with the existing receipt), different ones a `conflict` (kept as evidence); a DAG
   * rule violation is `rejected`. The caller verifies the token first.
   *
   * @throws {@link EctError} `ECT_MALFORMED` etc. when the token cannot be decoded,
   *   `ECT_LEDGER_UNAVAILABLE` when the backend cannot be reached.
   */
  append(token: string, options?: AppendOptions): Promise<AppendResult>;
  /** The entry with this identity, or `undefined`. */
  get(wid: string | null | undefined, jti: string): Promise<LedgerEntry | undefined>;
  /** The entry at this index, or `undefined`. */
  getByIndex(index: number): Promise<LedgerEntry | undefined>;
  /** All entries of one workflow (`null` = tokens without `wid`), in index order. */
  listWorkflow(wid: string | null | undefined): Promise<readonly LedgerEntry[]>;
  /** Entries by index range, in order. */
  range(options?: RangeOptions): Promise<readonly LedgerEntry[]>;
  /** The number of entries (the next index). */
  size(): Promise<number>;
  /** The conflicting tokens kept as evidence. */
  conflicts(): Promise<readonly ConflictRecord[]>;
}

// ---------------------------------------------------------------------------------------------
// Signing and audit verification, implemented by ect-crypto, used by ledgers

/** Signs a JWS (compact) over a JSON payload; `ect-crypto` implements it. Used for ledger receipts. */
export interface JwsSigner {
  /** The algorithm it signs with. */
  readonly alg: string;
  /** The key id put in the header. */
  readonly kid: string;
  /** Returns a compact JWS with header `{ alg, typ, kid }` over `payload`. */
  sign(payload: Readonly<Record<string, unknown>>, typ: string): Promise<string>;
}

/**
 * Signs C2SP signed notes (SPEC 7: ledger checkpoints): the key's name, its 32-bit key id and a
 * signature over the note text. `ect-crypto` implements it for Ed25519 (`createNoteSigner`);
 * `ect-ledger` formats the signature lines.
 */
export interface NoteSigner {
  /** The key name written in the signature line (for a ledger, its origin). */
  readonly name: string;
  /** The key id: the first 4 bytes, big-endian, of `SHA-256(name ‖ 0x0A ‖ type ‖ public key)`. */
  readonly keyId: number;
  /** The signature over `message` (the note text's UTF-8 bytes), without the key id prefix. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/**
 * Re-verifies a stored token in audit mode (SPEC 5.11): signature, header and claim rules at the
 * ingestion time; freshness, audience and replay do not apply. `ect-crypto` implements it.
 */
export type AuditTokenVerifier = (
  token: string,
  context: {
    /** When the ledger ingested the token, milliseconds since the epoch: the audit's "now". */
    readonly ingestedAt: number;
    /** The WIT the entry was accepted on (profile §9 step 4), or `null`/absent. */
    readonly wit?: string | null;
  },
) => Promise<Result<VerifiedEct, EctError>>;
