/**
 * `ect-ledger-memory`: In-memory append-only, hash-chained ECT audit ledger with receipts and JSON Lines export/import.
 *
 * @packageDocumentation
 */
export {};
