import { type DagRuleOptions, Defaults, EctError, EctErrorCodes } from "ect-core";

/**
 * {@link DagRuleOptions} with the SPEC 6 defaults filled in, as the append script's arguments.
 *
 * @internal
 */
export interface ResolvedDagOptions {
  readonly unresolvedPredecessors: "reject" | "allow";
  readonly maxTraversal: number;
  readonly clockSkewSec: number;
  readonly predecessorPolicy: boolean;
  readonly allowPendingPredecessors: boolean;
}

const KNOWN = new Set([
  "unresolvedPredecessors",
  "maxTraversal",
  "clockSkewSec",
  "predecessorPolicy",
  "allowPendingPredecessors",
]);

function invalid(option: string, message: string): EctError {
  return new EctError(EctErrorCodes.CONFIG_INVALID, `dag.${option} ${message}`, { member: `dag.${option}` });
}

/**
 * Checks the DAG options and fills in the SPEC 6 defaults (`unresolvedPredecessors: "reject"`,
 * `maxTraversal: 10000`, `clockSkewSec: 30`, `predecessorPolicy: true`,
 * `allowPendingPredecessors: false`). Unknown members are refused so a typo never weakens a rule.
 *
 * @internal
 * @throws {@link EctError} `ECT_CONFIG_INVALID`
 */
export function resolveDagOptions(options: DagRuleOptions): ResolvedDagOptions {
  if (options === null || typeof options !== "object") {
    throw new EctError(EctErrorCodes.CONFIG_INVALID, "dag must be an object of DAG rule options", {
      member: "dag",
    });
  }
  for (const name of Object.keys(options)) if (!KNOWN.has(name)) throw invalid(name, "is not a DAG option");
  const {
    unresolvedPredecessors = "reject",
    maxTraversal = Defaults.MAX_TRAVERSAL,
    clockSkewSec = Defaults.CLOCK_SKEW_SEC,
    predecessorPolicy = true,
    allowPendingPredecessors = false,
  } = options;
  if (unresolvedPredecessors !== "reject" && unresolvedPredecessors !== "allow") {
    throw invalid("unresolvedPredecessors", 'must be "reject" or "allow"');
  }
  if (!Number.isSafeInteger(maxTraversal) || maxTraversal < 0) {
    throw invalid("maxTraversal", "must be a non-negative integer");
  }
  if (typeof clockSkewSec !== "number" || !Number.isFinite(clockSkewSec) || clockSkewSec < 0) {
    throw invalid("clockSkewSec", "must be a finite number of seconds >= 0");
  }
  if (typeof predecessorPolicy !== "boolean") throw invalid("predecessorPolicy", "must be a boolean");
  if (typeof allowPendingPredecessors !== "boolean")
    throw invalid("allowPendingPredecessors", "must be a boolean");
  return Object.freeze({
    unresolvedPredecessors,
    maxTraversal,
    clockSkewSec,
    predecessorPolicy,
    allowPendingPredecessors,
  });
}
