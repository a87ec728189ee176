/**
 * `ect-ledger-memory`: the in-memory backend of the ECT audit ledger (profile §7): storage and
 * atomicity only, under `ect-ledger`'s transparency log (tree, checkpoints, proofs, audit, DAG
 * rules). Runs in any JavaScript runtime.
 *
 * @packageDocumentation
 */
export { MemoryLedger, MemoryLedgerBackend, type MemoryLedgerOptions } from "./memory-ledger.js";
