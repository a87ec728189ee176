import { type DagRuleOptions, type DagValidator, EctConfigError } from "ect-core";
import { type ResolvedDagRuleOptions, resolveDagRuleOptions } from "ect-core/internal";
import { createDagValidator, createLedgerDagValidator, type LedgerDagValidator } from "ect-dag";

/** The DAG rules a ledger's append or an audit runs, from its `dag` option (profile §6). */
export interface DagRulesOption {
  /** `ect-dag`'s validator: the one definition of the rules. */
  readonly validator: DagValidator;
  /**
   * The same rules as a ledger's append runs them, with the backend's closure marks (profile §6
   * note: the walk is skipped over closed predecessors, with the same outcome).
   */
  readonly ledgerValidator: LedgerDagValidator;
  /** The options with every default filled in. */
  readonly options: ResolvedDagRuleOptions;
}

/**
 * Reads the `dag` option of a ledger or of `auditLedger`: absent means the profile's defaults,
 * `false` the explicit opt-out (`undefined` is returned), anything else must be DAG rule options.
 * A mistake is refused here, at construction, with its path under `dag` (`dag.maxTraversl`), the
 * same way for the append and the audit.
 *
 * @throws {@link EctConfigError} naming the option.
 */
export function dagRulesOption(dag: DagRuleOptions | false | undefined): DagRulesOption | undefined {
  if (dag === false) return undefined;
  const given = dag === undefined ? {} : dag;
  if (given === null || typeof given !== "object") {
    throw new EctConfigError("dag", "must be DAG rule options or false", { received: dag });
  }
  const options = resolveDagRuleOptions(given, { path: "dag." });
  return Object.freeze({
    validator: createDagValidator(options),
    ledgerValidator: createLedgerDagValidator(options),
    options,
  });
}
