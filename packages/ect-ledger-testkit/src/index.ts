/**
 * `ect-ledger-testkit`: the conformance suite every ECT ledger backend must pass (profile §7, and
 * the atomicity of profile §6 with the append). Register it in vitest with
 * {@link describeLedgerConformance}, or run it anywhere with {@link runLedgerConformance}.
 *
 * @packageDocumentation
 */
export type { LedgerFactoryOptions, LedgerHarness } from "./backend.js";
export { LEDGER_CONFORMANCE_CHECKS } from "./checks/index.js";
export type { ConformanceCheck, ConformanceContext, NewLedgerOptions } from "./conformance-check.js";
export {
  type DagVector,
  type DagVectorClaims,
  type DagVectorRefusal,
  type DagVectorResult,
  dagVectorChecks,
  describeDagVectors,
  loadDagVectors,
} from "./dag-vectors.js";
export { type DescribeConformanceOptions, describeLedgerConformance } from "./describe-conformance.js";
export {
  CONFORMANCE_ORIGIN,
  type ConformanceCheckResult,
  type ConformanceReport,
  type RunConformanceOptions,
  runConformanceCheck,
  runLedgerConformance,
} from "./run-conformance.js";
export { createTestClock, type TestClock } from "./test-clock.js";
export { createTestNoteSigner, type TestNoteSigner } from "./test-note-signer.js";
export { createTestReceiptSigner, type TestReceiptSigner } from "./test-receipt-signer.js";
export { createTestScheduler, type TestScheduler } from "./test-scheduler.js";
export {
  createTestTokenIssuer,
  type IssueOptions,
  reencodeEs256Signature,
  type TestTokenClaims,
  type TestTokenIssuer,
  type TestTokenIssuerOptions,
} from "./test-tokens.js";
