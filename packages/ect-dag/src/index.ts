/**
 * `ect-dag`: the workflow DAG rules of ECT (SPEC 6: uniqueness, existence, workflow consistency,
 * temporal order, acyclicity, predecessor policy) over any ect-core `EctStore`, as a function
 * ({@link validateDag}), a ledger validator ({@link createDagValidator}) and a verifier check
 * ({@link dagCheck}); plus graph queries (ancestors, descendants, roots, leaves, topological order,
 * critical path) and rendering to Mermaid, Graphviz DOT and terminal text. No `node:` imports: it
 * runs in browsers and edge runtimes.
 *
 * @packageDocumentation
 */
export { type AsciiOptions, toAscii } from "./ascii.js";
export { type DagCheckOptions, dagCheck } from "./dag-check.js";
export { type DotOptions, toDot } from "./dot.js";
export {
  type BuildGraphOptions,
  buildGraph,
  buildGraphAsync,
  type EctGraph,
  type GraphInput,
  type GraphNode,
  type NodeRef,
} from "./graph.js";
export {
  ancestors,
  type CriticalPathOptions,
  criticalPath,
  descendants,
  findCycle,
  layers,
  leaves,
  roots,
  topologicalOrder,
} from "./graph-queries.js";
export { type MermaidOptions, toMermaid } from "./mermaid.js";
export {
  type LoadAncestorGraphOptions,
  type LoadWorkflowGraphOptions,
  loadAncestorGraph,
  loadWorkflowGraph,
  type WorkflowSource,
} from "./store-graph.js";
export {
  createDagValidator,
  createLedgerDagValidator,
  type DagClosure,
  type LedgerDagValidationResult,
  type LedgerDagValidator,
  validateDag,
} from "./validate-dag.js";
