import type { DagRuleOptions } from "ect-core";
import type { JwsSigner } from "ect-core/internal";
import type { LedgerBackendEntry, TransparencyLedger } from "ect-ledger";
import type { TestClock } from "./test-clock.js";
import type { TestNoteSigner } from "./test-note-signer.js";
import type { TestScheduler } from "./test-scheduler.js";
import type { TestTokenIssuer } from "./test-tokens.js";

/** Options of {@link ConformanceContext.newLedger}. */
export interface NewLedgerOptions {
  /** Give the ledger this receipt signer. */
  readonly receiptSigner?: JwsSigner;
  /** The DAG rules: options (default `{}`, the profile's defaults) or `false` to turn them off. */
  readonly dag?: DagRuleOptions | false;
  /** Entries per checkpoint (default 256). */
  readonly checkpointBatch?: number;
  /** Checkpoint interval in milliseconds (default 1000), fired through `scheduler`. */
  readonly checkpointInterval?: number;
}

/** What a {@link ConformanceCheck} runs with. Every ledger it makes is disposed after the check. */
export interface ConformanceContext {
  /** The clock every ledger of this check uses; starts at 2026-01-01T00:00:00Z. */
  readonly clock: TestClock;
  /** An ES256 issuer of test tokens. */
  readonly issuer: TestTokenIssuer;
  /** The checkpoint timer of every ledger of this check: `fire()` stands for "the interval passed". */
  readonly scheduler: TestScheduler;
  /** The Ed25519 note signer of every ledger of this check (its public key checks signatures). */
  readonly noteSigner: TestNoteSigner;
  /** A fresh, empty ledger of the backend under test. */
  newLedger(options?: NewLedgerOptions): Promise<TransparencyLedger>;
  /** The backend's tamper hook for a ledger made by `newLedger`. */
  tamper(ledger: TransparencyLedger, change: (entries: LedgerBackendEntry[]) => void): Promise<void>;
}

/**
 * One conformance check: a named, self-contained scenario that throws (an `AssertionError` or
 * anything else) when the backend does not conform.
 */
export interface ConformanceCheck {
  /** Stable id, e.g. `"identity.duplicate-same-token"`. */
  readonly id: string;
  /** The group it is reported under, e.g. `"identity (profile §7)"`. */
  readonly group: string;
  /** What it asserts, in one sentence. */
  readonly title: string;
  /** Runs the check; resolves when the backend conforms. */
  run(context: ConformanceContext): Promise<void>;
}
