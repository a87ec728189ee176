import { Defaults } from "./constants.js";
import { EctError, EctErrorCodes } from "./errors.js";
import type { DagRuleOptions } from "./interfaces.js";

/** {@link DagRuleOptions} with every default filled in and every value checked. */
export interface ResolvedDagRuleOptions {
  /** Rule 2: refuse (`"reject"`) or report (`"allow"`) predecessors that are not stored. */
  readonly unresolvedPredecessors: "reject" | "allow";
  /** Rule 5: most distinct ancestors the walk visits before failing closed. */
  readonly maxTraversal: number;
  /** Rule 4: clock skew in seconds for `iat` ordering. */
  readonly clockSkewSec: number;
  /** Rule 6: enforce predecessor policy decisions. */
  readonly predecessorPolicy: boolean;
  /** Rule 6: accept predecessors whose decision is `pending_human_review`. */
  readonly allowPendingPredecessors: boolean;
}

const KNOWN_OPTIONS = new Set([
  "unresolvedPredecessors",
  "maxTraversal",
  "clockSkewSec",
  "predecessorPolicy",
  "allowPendingPredecessors",
]);

function configError(option: string, message: string): EctError {
  return new EctError(EctErrorCodes.CONFIG_INVALID, `DAG option ${option} ${message}`, { member: option });
}

/**
 * Fills in the SPEC 6 defaults (`unresolvedPredecessors: "reject"`, `maxTraversal: 10000`,
 * `clockSkewSec: 30`, `predecessorPolicy: true`, `allowPendingPredecessors: false`) and checks
 * every value, so a typo never silently weakens a rule.
 *
 * @param options - The options as given; unknown members are refused.
 * Shared by every implementation of the rules (`ect-dag` in JavaScript, `ect-ledger-redis` in its
 * append script), so the same options mean the same thing everywhere.
 *
 * @param ignore - Member names the caller handles itself (e.g. `store` for `ect-dag`'s `dagCheck`).
 * @throws {@link EctError} `ECT_CONFIG_INVALID` naming the option.
 */
export function resolveDagRuleOptions(
  options: DagRuleOptions = {},
  ignore: readonly string[] = [],
): ResolvedDagRuleOptions {
  if (options === null || typeof options !== "object") {
    throw new EctError(EctErrorCodes.CONFIG_INVALID, "DAG options must be an object");
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(name) && !ignore.includes(name)) throw configError(name, "is not a DAG option");
  }
  const {
    unresolvedPredecessors = "reject",
    maxTraversal = Defaults.MAX_TRAVERSAL,
    clockSkewSec = Defaults.CLOCK_SKEW_SEC,
    predecessorPolicy = true,
    allowPendingPredecessors = false,
  } = options;
  if (unresolvedPredecessors !== "reject" && unresolvedPredecessors !== "allow") {
    throw configError("unresolvedPredecessors", 'must be "reject" or "allow"');
  }
  // SPEC 6.5: the walk is always bounded; there is no "unlimited".
  if (!Number.isSafeInteger(maxTraversal) || maxTraversal < 0) {
    throw configError("maxTraversal", "must be a non-negative integer");
  }
  if (typeof clockSkewSec !== "number" || !Number.isFinite(clockSkewSec) || clockSkewSec < 0) {
    throw configError("clockSkewSec", "must be a finite number of seconds >= 0");
  }
  if (typeof predecessorPolicy !== "boolean") throw configError("predecessorPolicy", "must be a boolean");
  if (typeof allowPendingPredecessors !== "boolean") {
    throw configError("allowPendingPredecessors", "must be a boolean");
  }
  return Object.freeze({
    unresolvedPredecessors,
    maxTraversal,
    clockSkewSec,
    predecessorPolicy,
    allowPendingPredecessors,
  });
}
