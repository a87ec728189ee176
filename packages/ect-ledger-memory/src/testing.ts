/**
 * `ect-ledger-memory/testing`: hooks for tests of the ledger itself (e.g. the conformance suite's
 * tamper checks). Not for production code.
 *
 * @packageDocumentation
 */
export { tamperMemoryLedger } from "./memory-ledger.js";
