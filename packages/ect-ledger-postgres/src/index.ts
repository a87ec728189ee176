/**
 * `ect-ledger-postgres`: PostgreSQL backend for the ECT audit ledger (one transaction per append under an advisory lock) and a shared replay cache.
 *
 * @packageDocumentation
 */
export {};
