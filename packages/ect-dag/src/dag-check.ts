import {
  type DagRuleOptions,
  EctConfigError,
  type EctStore,
  type VerificationCheck,
  type VerificationContext,
} from "ect-core";
import { errorFromViolations, resolveDagRuleOptions } from "ect-core/internal";
import { runDagRules } from "./validate-dag.js";

/** Options of {@link dagCheck}: the store to check against and the {@link DagRuleOptions}. */
export interface DagCheckOptions extends DagRuleOptions {
  /** Where stored ECTs are looked up, usually the ledger. */
  readonly store: EctStore;
}

/**
 * The DAG rules (SPEC 6) as an extra verification check for `verifyEct` (SPEC 5 step 9).
 *
 * On a violation it throws an {@link EctError} carrying the first violation's `code`, `member` and
 * message, with every violation in `details`; otherwise it returns the predecessors it allowed
 * while unresolved, which the verifier reports in `VerifiedEct.unresolvedPredecessors`.
 *
 * The check runs before the verifier's replay record and ledger append and is not atomic with
 * them. When the verifier appends to the same store and that ledger enforces the DAG rules itself
 * (`enforcesDagRules`), the verifier skips this check (it carries its store as `dagRulesOver`), so
 * the rules run once per token, atomically with the append.
 *
 * @example
 * ```ts
 * const verified = await verifyEct(token, {
 *   verifierId: "spiffe://example.org/agent/b",
 *   keys,
 *   checks: [dagCheck({ store: ledger, unresolvedPredecessors: "allow" })],
 * });
 * ```
 *
 * @throws {@link EctConfigError} at creation for a bad or unknown option or a missing store.
 */
export function dagCheck(options: DagCheckOptions): VerificationCheck {
  if (options === null || typeof options !== "object") {
    throw new EctConfigError("options", "must be an object with a store", { received: options });
  }
  const { store } = options;
  if (store === null || typeof store !== "object" || typeof store.getEct !== "function") {
    throw new EctConfigError("store", "must be an EctStore (an object with getEct(wid, jti))", {
      received: store,
    });
  }
  const resolved = resolveDagRuleOptions(options, ["store"]);
  const check = async (context: VerificationContext) => {
    const result = await runDagRules(context.claims, store, resolved);
    if (result.violations.length > 0) throw errorFromViolations(result.violations);
    return { unresolvedPredecessors: result.unresolvedPredecessors };
  };
  // The mark a verifier reads: over a ledger that enforces the rules itself, this check is skipped
  // (profile §6: the rules run once, in the ledger's atomic append).
  return Object.assign(check, { dagRulesOver: store });
}
