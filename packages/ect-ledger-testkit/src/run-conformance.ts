import type { TransparencyLedger } from "ect-ledger";
import type { LedgerFactoryOptions, LedgerHarness } from "./backend.js";
import { LEDGER_CONFORMANCE_CHECKS } from "./checks/index.js";
import type { ConformanceCheck, ConformanceContext, NewLedgerOptions } from "./conformance-check.js";
import { createTestClock } from "./test-clock.js";
import { createTestNoteSigner } from "./test-note-signer.js";
import { createTestScheduler } from "./test-scheduler.js";
import { createTestTokenIssuer } from "./test-tokens.js";

/** The origin of every ledger the suite makes. */
export const CONFORMANCE_ORIGIN = "ect-ledger-testkit.example/conformance";

/** Options of {@link runLedgerConformance} and {@link runConformanceCheck}. */
export interface RunConformanceOptions {
  /** Run only the checks this filter passes. */
  readonly filter?: (check: ConformanceCheck) => boolean;
}

/** The outcome of one check. */
export interface ConformanceCheckResult {
  /** The check's id. */
  readonly id: string;
  /** The check's title. */
  readonly title: string;
  /** True when the backend passed it. */
  readonly passed: boolean;
  /** What went wrong, when it failed. */
  readonly error?: unknown;
}

/** The outcome of a whole run. */
export interface ConformanceReport {
  /** Every check's outcome, in suite order. */
  readonly results: readonly ConformanceCheckResult[];
  /** The failed ones. */
  readonly failed: readonly ConformanceCheckResult[];
  /** True when every check passed. */
  readonly passed: boolean;
}

/**
 * Runs one check against a backend: makes its context (clock, token issuer, a `newLedger` that
 * remembers what it made), runs it, and disposes every ledger it made, even when it fails.
 *
 * @throws whatever the check throws when the backend does not conform.
 */
export async function runConformanceCheck<L extends TransparencyLedger>(
  check: ConformanceCheck,
  harness: LedgerHarness<L>,
  _options: RunConformanceOptions = {},
): Promise<void> {
  const clock = createTestClock();
  const issuer = await createTestTokenIssuer({ now: () => Math.floor(clock() / 1000) });
  const scheduler = createTestScheduler();
  const noteSigner = await createTestNoteSigner(CONFORMANCE_ORIGIN);
  const made: L[] = [];
  const context: ConformanceContext = {
    clock,
    issuer,
    scheduler,
    noteSigner,
    async newLedger(ledgerOptions: NewLedgerOptions = {}) {
      const factoryOptions: LedgerFactoryOptions = Object.freeze({
        clock,
        origin: CONFORMANCE_ORIGIN,
        noteSigner,
        dag: ledgerOptions.dag === undefined ? {} : ledgerOptions.dag,
        checkpointBatch: ledgerOptions.checkpointBatch ?? 256,
        checkpointInterval: ledgerOptions.checkpointInterval ?? 1000,
        scheduler,
        ...(ledgerOptions.receiptSigner ? { receiptSigner: ledgerOptions.receiptSigner } : {}),
      });
      const ledger = await harness.create(factoryOptions);
      made.push(ledger);
      return ledger;
    },
    async tamper(ledger, change) {
      if (!made.includes(ledger as L)) throw new Error("tamper: not a ledger made by this check");
      await harness.tamper(ledger as L, change);
    },
  };
  try {
    await check.run(context);
  } finally {
    if (harness.dispose) for (const ledger of made) await harness.dispose(ledger);
  }
}

/**
 * Runs the whole ledger conformance suite (or the checks `filter` selects) against a backend
 * without any test framework and reports every outcome. Never throws for a failed check.
 *
 * @example
 * ```ts
 * const report = await runLedgerConformance(harness);
 * if (!report.passed) console.error(report.failed);
 * ```
 */
export async function runLedgerConformance<L extends TransparencyLedger>(
  harness: LedgerHarness<L>,
  options: RunConformanceOptions = {},
): Promise<ConformanceReport> {
  const results: ConformanceCheckResult[] = [];
  for (const check of LEDGER_CONFORMANCE_CHECKS) {
    if (options.filter && !options.filter(check)) continue;
    try {
      await runConformanceCheck(check, harness, options);
      results.push({ id: check.id, title: check.title, passed: true });
    } catch (error) {
      results.push({ id: check.id, title: check.title, passed: false, error });
    }
  }
  const failed = results.filter((r) => !r.passed);
  return { results, failed, passed: failed.length === 0 };
}
