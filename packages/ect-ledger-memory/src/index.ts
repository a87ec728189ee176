/**
 * `ect-ledger-memory`: an in-memory, append-only, hash-chained ECT audit ledger (SPEC 7) with
 * receipts (optionally signed) and JSON Lines export/import. It imports only `ect-core` and runs
 * in any JavaScript runtime.
 *
 * @packageDocumentation
 */
export { MemoryLedger, type MemoryLedgerOptions } from "./memory-ledger.js";
