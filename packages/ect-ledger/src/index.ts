/**
 * `ect-ledger`: The ECT audit ledger's shared layer: record format, RFC 9162 Merkle tree and proofs, C2SP signed checkpoints and tlog-proof receipts, integration, audit, and the backend contract.
 *
 * @packageDocumentation
 */
export {};
