import type { ConformanceCheck } from "../conformance-check.js";
import { closureChecks } from "./closure-checks.js";
import { concurrencyChecks } from "./concurrency-checks.js";
import { dagChecks } from "./dag-checks.js";
import { exportImportChecks } from "./export-import-checks.js";
import { identityChecks } from "./identity-checks.js";
import { immutabilityChecks } from "./immutability-checks.js";
import { queryChecks } from "./query-checks.js";
import { receiptChecks } from "./receipt-checks.js";
import { treeChecks } from "./tree-checks.js";

/**
 * Every check of the ledger conformance suite (profile §6 atomicity and profile §7), in the order
 * they are reported. Ids are stable.
 */
export const LEDGER_CONFORMANCE_CHECKS: readonly ConformanceCheck[] = Object.freeze([
  ...treeChecks,
  ...identityChecks,
  ...receiptChecks,
  ...queryChecks,
  ...concurrencyChecks,
  ...exportImportChecks,
  ...dagChecks,
  ...closureChecks,
  ...immutabilityChecks,
]);
