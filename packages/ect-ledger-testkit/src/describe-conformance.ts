import type { TransparencyLedger } from "ect-ledger";
import { describe, it } from "vitest";
import type { LedgerHarness } from "./backend.js";
import { LEDGER_CONFORMANCE_CHECKS } from "./checks/index.js";
import { type RunConformanceOptions, runConformanceCheck } from "./run-conformance.js";

/** Options of {@link describeLedgerConformance}. */
export interface DescribeConformanceOptions extends RunConformanceOptions {
  /** Per-check timeout in milliseconds (default 30000; the 1000-append check is the slowest). */
  readonly timeout?: number;
}

/**
 * Registers the ledger conformance suite (profile §7, and profile §6 atomicity) as vitest tests: one
 * `describe` per group, one `it` per check. Call it at the top level of a test file.
 *
 * @param name - Shown in the report, e.g. `"MemoryLedger"`.
 * @param harness - How to create, tamper with and dispose ledgers of the backend under test.
 *
 * @example
 * ```ts
 * import { describeLedgerConformance } from "ect-ledger-testkit";
 * import { MemoryLedger } from "ect-ledger-memory";
 * import { tamperMemoryLedger } from "ect-ledger-memory/testing";
 *
 * describeLedgerConformance("MemoryLedger", {
 *   create: (options) => new MemoryLedger(options),
 *   tamper: (ledger, change) => tamperMemoryLedger(ledger, change),
 * });
 * ```
 */
export function describeLedgerConformance<L extends TransparencyLedger>(
  name: string,
  harness: LedgerHarness<L>,
  options: DescribeConformanceOptions = {},
): void {
  const timeout = options.timeout ?? 30_000;
  describe(`ledger conformance: ${name}`, () => {
    const groups = new Map<string, typeof LEDGER_CONFORMANCE_CHECKS>();
    for (const check of LEDGER_CONFORMANCE_CHECKS) {
      if (options.filter && !options.filter(check)) continue;
      groups.set(check.group, [...(groups.get(check.group) ?? []), check]);
    }
    for (const [group, checks] of groups) {
      describe(group, () => {
        for (const check of checks) {
          it(`${check.title} [${check.id}]`, () => runConformanceCheck(check, harness, options), timeout);
        }
      });
    }
  });
}
