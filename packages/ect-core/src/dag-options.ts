import { Defaults } from "./constants.js";
import { assertKnownOptions, EctConfigError } from "./errors.js";
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

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  "unresolvedPredecessors",
  "maxTraversal",
  "clockSkewSec",
  "predecessorPolicy",
  "allowPendingPredecessors",
]);

/** Where {@link resolveDagRuleOptions} reads its options from, for the error's option path. */
export interface DagRuleOptionsContext {
  /** Member names the caller handles itself (e.g. `store` for `ect-dag`'s `dagCheck`). */
  readonly ignore?: readonly string[];
  /** Prepended to option names in errors, e.g. `"dag."` when the options sit under `dag`. */
  readonly path?: string;
}

/**
 * Fills in the profile §6 defaults (`unresolvedPredecessors: "reject"`, `maxTraversal: 10000`,
 * `clockSkewSec: 30`, `predecessorPolicy: true`, `allowPendingPredecessors: false`) and checks
 * every value, so a typo never silently weakens a rule. Every implementation of the rules (ect-dag,
 * the ledgers, the audit) resolves its options here, so the same options mean the same thing
 * everywhere and a misspelt one (`{ maxTraversl: 5 }`) is refused everywhere.
 *
 * @param options - The options as given; unknown members are refused.
 * @param context - Members to ignore and the option path prefix (an array is `ignore`, as before).
 * @throws {@link EctConfigError} naming the option.
 */
export function resolveDagRuleOptions(
  options: DagRuleOptions = {},
  context: DagRuleOptionsContext | readonly string[] = {},
): ResolvedDagRuleOptions {
  const { ignore = [], path = "" } = Array.isArray(context)
    ? { ignore: context as readonly string[] }
    : (context as DagRuleOptionsContext);
  assertKnownOptions(options, [...KNOWN_OPTIONS, ...ignore], path);
  const {
    unresolvedPredecessors = "reject",
    maxTraversal = Defaults.MAX_TRAVERSAL,
    clockSkewSec = Defaults.CLOCK_SKEW_SEC,
    predecessorPolicy = true,
    allowPendingPredecessors = false,
  } = options;
  const fail = (option: string, requirement: string, received: unknown): never => {
    throw new EctConfigError(`${path}${option}`, requirement, { received });
  };
  if (unresolvedPredecessors !== "reject" && unresolvedPredecessors !== "allow") {
    fail("unresolvedPredecessors", 'must be "reject" or "allow"', unresolvedPredecessors);
  }
  // profile §6.5: the walk is always bounded; there is no "unlimited".
  if (!Number.isSafeInteger(maxTraversal) || maxTraversal < 0) {
    fail("maxTraversal", "must be a non-negative integer", maxTraversal);
  }
  if (typeof clockSkewSec !== "number" || !Number.isFinite(clockSkewSec) || clockSkewSec < 0) {
    fail("clockSkewSec", "must be a finite number of seconds >= 0", clockSkewSec);
  }
  if (typeof predecessorPolicy !== "boolean")
    fail("predecessorPolicy", "must be a boolean", predecessorPolicy);
  if (typeof allowPendingPredecessors !== "boolean") {
    fail("allowPendingPredecessors", "must be a boolean", allowPendingPredecessors);
  }
  return Object.freeze({
    unresolvedPredecessors,
    maxTraversal,
    clockSkewSec,
    predecessorPolicy,
    allowPendingPredecessors,
  });
}
