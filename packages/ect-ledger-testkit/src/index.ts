/**
 * `ect-ledger-testkit`: The conformance suite every ECT ledger backend must pass (vitest).
 *
 * @packageDocumentation
 */
export {};
