/**
 * `ect-ledger-redis`: Redis ECT audit ledger and shared replay cache: one atomic server-side script per append, Cluster-ready.
 *
 * @packageDocumentation
 */
export {};
