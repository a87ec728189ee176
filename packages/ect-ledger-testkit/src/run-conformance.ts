import type { DagRuleOptions, DagValidator, Ledger } from "ect-core";
import { createDagValidator } from "ect-dag";
import type { LedgerBackend, LedgerFactoryOptions } from "./backend.js";
import { LEDGER_CONFORMANCE_CHECKS } from "./checks/index.js";
import type { ConformanceCheck, ConformanceContext, NewLedgerOptions } from "./conformance-check.js";
import { createTestClock } from "./test-clock.js";
import { createTestTokenIssuer } from "./test-tokens.js";

/** Options of {@link runLedgerConformance} and {@link runConformanceCheck}. */
export interface RunConformanceOptions {
  /**
   * Builds the DAG validator handed to `create` as `dag` (default: `ect-dag`'s
   * `createDagValidator`). Tests of the suite itself swap it.
   */
  readonly createDagValidator?: (options: DagRuleOptions) => DagValidator;
  /** Run only the checks whose id passes this filter. */
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
export async function runConformanceCheck<L extends Ledger>(
  check: ConformanceCheck,
  backend: LedgerBackend<L>,
  options: RunConformanceOptions = {},
): Promise<void> {
  const clock = createTestClock();
  const issuer = await createTestTokenIssuer({ now: () => Math.floor(clock() / 1000) });
  const makeDag = options.createDagValidator ?? createDagValidator;
  const made: L[] = [];
  const context: ConformanceContext = {
    clock,
    issuer,
    async newLedger(ledgerOptions: NewLedgerOptions = {}) {
      const factoryOptions: { -readonly [K in keyof LedgerFactoryOptions]: LedgerFactoryOptions[K] } = {
        clock,
      };
      if (ledgerOptions.receiptSigner) factoryOptions.receiptSigner = ledgerOptions.receiptSigner;
      if (ledgerOptions.dagOptions) {
        factoryOptions.dagOptions = Object.freeze({ ...ledgerOptions.dagOptions });
        factoryOptions.dag = makeDag(ledgerOptions.dagOptions);
      }
      const ledger = await backend.create(Object.freeze(factoryOptions));
      made.push(ledger);
      return ledger;
    },
    async tamper(ledger, seq, mutation) {
      if (!made.includes(ledger as L)) throw new Error("tamper: not a ledger made by this check");
      await backend.tamper(ledger as L, seq, mutation);
    },
  };
  try {
    await check.run(context);
  } finally {
    if (backend.dispose) for (const ledger of made) await backend.dispose(ledger);
  }
}

/**
 * Runs the whole ledger conformance suite (or the checks `filter` selects) against a backend
 * without any test framework and reports every outcome. Never throws for a failed check.
 *
 * @example
 * ```ts
 * const report = await runLedgerConformance(backend);
 * if (!report.passed) console.error(report.failed);
 * ```
 */
export async function runLedgerConformance<L extends Ledger>(
  backend: LedgerBackend<L>,
  options: RunConformanceOptions = {},
): Promise<ConformanceReport> {
  const results: ConformanceCheckResult[] = [];
  for (const check of LEDGER_CONFORMANCE_CHECKS) {
    if (options.filter && !options.filter(check)) continue;
    try {
      await runConformanceCheck(check, backend, options);
      results.push({ id: check.id, title: check.title, passed: true });
    } catch (error) {
      results.push({ id: check.id, title: check.title, passed: false, error });
    }
  }
  const failed = results.filter((r) => !r.passed);
  return { results, failed, passed: failed.length === 0 };
}
