import type { DagRuleOptions, Ledger } from "ect-core";
import type { JwsSigner } from "ect-core/internal";
import type { LedgerTamperMutation } from "./backend.js";
import type { TestClock } from "./test-clock.js";
import type { TestTokenIssuer } from "./test-tokens.js";

/** Options of {@link ConformanceContext.newLedger}. */
export interface NewLedgerOptions {
  /** Give the ledger this receipt signer. */
  readonly receiptSigner?: JwsSigner;
  /** Give the ledger DAG rules with these options (both as a validator and as data). */
  readonly dagOptions?: DagRuleOptions;
}

/** What a {@link ConformanceCheck} runs with. Every ledger it makes is disposed after the check. */
export interface ConformanceContext {
  /** The clock every ledger of this check uses; starts at 2026-01-01T00:00:00Z. */
  readonly clock: TestClock;
  /** An ES256 issuer of test tokens. */
  readonly issuer: TestTokenIssuer;
  /** A fresh, empty ledger of the backend under test. */
  newLedger(options?: NewLedgerOptions): Promise<Ledger>;
  /** The backend's tamper hook for a ledger made by `newLedger`. */
  tamper(ledger: Ledger, seq: number, mutation: LedgerTamperMutation): Promise<void>;
}

/**
 * One conformance check: a named, self-contained scenario that throws (an `AssertionError` or
 * anything else) when the backend does not conform.
 */
export interface ConformanceCheck {
  /** Stable id, e.g. `"identity.duplicate-same-token"`. */
  readonly id: string;
  /** The group it is reported under, e.g. `"identity (SPEC 7)"`. */
  readonly group: string;
  /** What it asserts, in one sentence. */
  readonly title: string;
  /** Runs the check; resolves when the backend conforms. */
  run(context: ConformanceContext): Promise<void>;
}
