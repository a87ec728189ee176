/**
 * `ect-dag`: ECT workflow DAG rules (uniqueness, existence, workflow, temporal order, acyclicity, policy) and graph queries with Mermaid/DOT rendering.
 *
 * @packageDocumentation
 */
export {};
