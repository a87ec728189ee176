import { EctErrorCodes as C, EctError, type EctStore, type StoredEct } from "ect-core";
import { assertKnownOptions, Defaults, ectKey, integerOption } from "ect-core/internal";
import { isStoredEctFor } from "./ancestor-walk.js";
import {
  type BuildGraphOptions,
  buildGraph,
  buildGraphAsync,
  type EctGraph,
  type GraphInput,
} from "./graph.js";

/** A store that can list one workflow, such as every ect-core `Ledger`. */
export interface WorkflowSource {
  /** Every stored ECT of the workflow (`null` = tokens without `wid`), in stored order. */
  listWorkflow(
    wid: string | null | undefined,
  ): PromiseLike<Iterable<GraphInput>> | PromiseLike<AsyncIterable<GraphInput>> | AsyncIterable<GraphInput>;
}

/** Options of {@link loadWorkflowGraph}. */
export interface LoadWorkflowGraphOptions extends BuildGraphOptions {
  /** Where the workflow is stored (a ledger). */
  readonly store: WorkflowSource;
  /** The workflow to load; `null` for the tokens without `wid`. */
  readonly wid: string | null;
}

/**
 * Loads one workflow from a store that can list it (a ledger) into an {@link EctGraph}.
 *
 * @example
 * ```ts
 * const graph = await loadWorkflowGraph({ store: ledger, wid });
 * console.log(toAscii(graph));
 * ```
 *
 * @throws {@link EctError} as {@link buildGraph}; a store failure propagates unchanged.
 */
export async function loadWorkflowGraph(options: LoadWorkflowGraphOptions): Promise<EctGraph> {
  const { store, wid, ...buildOptions } = options;
  return buildGraphAsync(store.listWorkflow(wid), buildOptions);
}

const LOAD_OPTIONS: readonly (keyof LoadAncestorGraphOptions)[] = ["store", "wid", "jti", "maxTraversal"];

/** Options of {@link loadAncestorGraph}. */
export interface LoadAncestorGraphOptions {
  /** Where ECTs are looked up by `(wid, jti)`: any `EctStore`, e.g. a ledger. */
  readonly store: EctStore;
  /** The workflow of the node (`null` for none); every lookup stays in this scope (SPEC 6.2). */
  readonly wid: string | null;
  /** The node whose ancestry to load. */
  readonly jti: string;
  /** Most distinct ancestors to look up before giving up (default 10000, SPEC 6.5). */
  readonly maxTraversal?: number;
}

/**
 * Loads one stored node and all its stored ancestors into an {@link EctGraph}, by key lookups
 * only (no listing, no scan): breadth first, one frontier looked up together, each ancestor once.
 * Predecessors that are not stored stay unresolved in the graph. Nodes come roots first.
 *
 * @example
 * ```ts
 * const graph = await loadAncestorGraph({ store: ledger, wid, jti });
 * console.log(toMermaid(graph, { highlight: criticalPath(graph) }));
 * ```
 *
 * @throws {@link EctConfigError} (the promise rejects) for an unknown option or a `maxTraversal`
 *   that is not a non-negative integer; {@link EctError} `ECT_CONFIG_INVALID` when the node is not
 *   stored, `ECT_DAG_TRAVERSAL_LIMIT` past `maxTraversal` distinct ancestors; a store failure
 *   propagates unchanged.
 */
export async function loadAncestorGraph(options: LoadAncestorGraphOptions): Promise<EctGraph> {
  assertKnownOptions(options, LOAD_OPTIONS);
  const { store, wid, jti } = options;
  const maxTraversal = integerOption(options.maxTraversal, Defaults.MAX_TRAVERSAL, "maxTraversal");
  const start = await store.getEct(wid, jti);
  if (start === undefined || !isStoredEctFor(start, jti)) {
    throw new EctError(C.CONFIG_INVALID, `no stored ECT with jti ${JSON.stringify(jti)}`, { member: "jti" });
  }
  const found: StoredEct[] = [start];
  const visited = new Set<string>([ectKey(wid, jti)]);
  let frontier: StoredEct[] = [start];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const stored of frontier) {
      const pred = (stored.claims as Readonly<Record<string, unknown>>)["pred"];
      if (!Array.isArray(pred)) continue;
      for (const id of pred) {
        if (typeof id !== "string") continue;
        const key = ectKey(wid, id);
        if (visited.has(key)) continue;
        visited.add(key);
        if (visited.size - 1 > maxTraversal) {
          throw new EctError(
            C.DAG_TRAVERSAL_LIMIT,
            `the ancestors of ${JSON.stringify(jti)} are more than maxTraversal (${maxTraversal})`,
          );
        }
        next.push(id);
      }
    }
    const results = await Promise.all(next.map((id) => store.getEct(wid, id)));
    frontier = [];
    for (let i = 0; i < next.length; i++) {
      const stored = results[i];
      if (stored !== undefined && isStoredEctFor(stored, next[i]!)) frontier.push(stored);
    }
    found.push(...frontier);
  }
  return buildGraph(found.reverse());
}
