/**
 * `ect-cli`: The `ect` command: keygen, create, verify, inspect, ledger audit/export/import, graph.
 *
 * @packageDocumentation
 */
export {};
