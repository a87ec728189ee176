/**
 * `ect-ledger-testkit`: the conformance suite every ECT ledger backend must pass (SPEC 7, and the
 * atomicity of SPEC 6 with the append). Register it in vitest with
 * {@link describeLedgerConformance}, or run it anywhere with {@link runLedgerConformance}.
 *
 * @packageDocumentation
 */
export type { LedgerBackend, LedgerFactoryOptions, LedgerTamperMutation } from "./backend.js";
export { LEDGER_CONFORMANCE_CHECKS } from "./checks/index.js";
export type { ConformanceCheck, ConformanceContext, NewLedgerOptions } from "./conformance-check.js";
export { type DescribeConformanceOptions, describeLedgerConformance } from "./describe-conformance.js";
export { KNOWN_ANSWER_ENTRIES, KNOWN_ANSWER_EXPORT } from "./known-answers.js";
export {
  type ConformanceCheckResult,
  type ConformanceReport,
  type RunConformanceOptions,
  runConformanceCheck,
  runLedgerConformance,
} from "./run-conformance.js";
export { createTestClock, type TestClock } from "./test-clock.js";
export { createTestReceiptSigner, type TestReceiptSigner } from "./test-receipt-signer.js";
export {
  createTestTokenIssuer,
  type IssueOptions,
  reencodeEs256Signature,
  type TestTokenClaims,
  type TestTokenIssuer,
  type TestTokenIssuerOptions,
} from "./test-tokens.js";
