import { EctErrorCodes as C, EctError } from "ect-core";
import type { EctGraph, GraphNode, NodeRef } from "./graph.js";

/** Breadth-first closure over `next`, each node once, nearest first, the start excluded. */
function closure(
  graph: EctGraph,
  ref: NodeRef,
  next: (node: GraphNode) => readonly GraphNode[],
): GraphNode[] {
  const start = graph.node(ref);
  const seen = new Uint8Array(graph.size);
  seen[start.index] = 1;
  const out: GraphNode[] = [];
  let frontier: readonly GraphNode[] = [start];
  while (frontier.length > 0) {
    const following: GraphNode[] = [];
    for (const node of frontier) {
      for (const n of next(node)) {
        if (seen[n.index] === 1) continue;
        seen[n.index] = 1;
        out.push(n);
        following.push(n);
      }
    }
    frontier = following;
  }
  return out;
}

/**
 * Every node the given node depends on, directly or not, nearest first; each once (a shared
 * ancestor of a diamond appears once). Iterative, linear in the graph size.
 *
 * @throws {@link EctError} `ECT_CONFIG_INVALID` when the reference names no node.
 */
export function ancestors(graph: EctGraph, ref: NodeRef): GraphNode[] {
  return closure(graph, ref, (n) => graph.parents(n));
}

/**
 * Every node that depends on the given node, directly or not, nearest first; each once.
 *
 * @throws {@link EctError} `ECT_CONFIG_INVALID` when the reference names no node.
 */
export function descendants(graph: EctGraph, ref: NodeRef): GraphNode[] {
  return closure(graph, ref, (n) => graph.children(n));
}

/**
 * The nodes without a predecessor in the graph, in input order. A node whose `pred` entries are
 * all unresolved (outside the graph) is a root of the graph.
 */
export function roots(graph: EctGraph): GraphNode[] {
  return graph.nodes.filter((n) => graph.parents(n).length === 0);
}

/** The nodes nothing in the graph depends on, in input order. */
export function leaves(graph: EctGraph): GraphNode[] {
  return graph.nodes.filter((n) => graph.children(n).length === 0);
}

/** Orders nodes by `iat` (missing `iat` last), then input position. */
function before(a: GraphNode, b: GraphNode): boolean {
  const ai = a.iat ?? Number.POSITIVE_INFINITY;
  const bi = b.iat ?? Number.POSITIVE_INFINITY;
  return ai < bi || (ai === bi && a.index < b.index);
}

/** A binary min-heap of nodes ordered by {@link before}. */
class NodeHeap {
  readonly #items: GraphNode[] = [];
  get length(): number {
    return this.#items.length;
  }
  push(node: GraphNode): void {
    const items = this.#items;
    items.push(node);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  pop(): GraphNode {
    const items = this.#items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && before(items[l]!, items[m]!)) m = l;
        if (r < items.length && before(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** Kahn's algorithm: the ordered nodes, and how many parents each node has left (>0: on or after a cycle). */
function kahn(graph: EctGraph): { order: GraphNode[]; left: Int32Array } {
  const left = new Int32Array(graph.size);
  const ready = new NodeHeap();
  for (const n of graph.nodes) {
    left[n.index] = graph.parents(n).length;
    if (left[n.index] === 0) ready.push(n);
  }
  const order: GraphNode[] = [];
  while (ready.length > 0) {
    const n = ready.pop();
    order.push(n);
    for (const c of graph.children(n)) {
      left[c.index]!--;
      if (left[c.index] === 0) ready.push(c);
    }
  }
  return { order, left };
}

/**
 * The nodes in topological order and, separately, those left on or behind a cycle. @internal
 */
export function orderWithRest(graph: EctGraph): { order: GraphNode[]; rest: GraphNode[] } {
  const { order, left } = kahn(graph);
  return { order, rest: order.length === graph.size ? [] : graph.nodes.filter((n) => left[n.index]! > 0) };
}

/**
 * One cycle of the graph, each node a predecessor of the next and the last a predecessor of the
 * first, or `undefined` for a DAG. A graph built from a ledger holds a cycle only when the ledger
 * was written around the DAG rules. Linear in the graph size.
 */
export function findCycle(graph: EctGraph): GraphNode[] | undefined {
  const { order, left } = kahn(graph);
  if (order.length === graph.size) return undefined;
  // Every node Kahn left has a parent it left too: walking parents among them must repeat.
  let node = graph.nodes.find((n) => left[n.index]! > 0)!;
  const position = new Map<number, number>();
  const path: GraphNode[] = [];
  while (!position.has(node.index)) {
    position.set(node.index, path.length);
    path.push(node);
    node = graph.parents(node).find((p) => left[p.index]! > 0)!;
  }
  return path.slice(position.get(node.index)).reverse();
}

function cycleError(graph: EctGraph): EctError {
  const cycle = findCycle(graph) ?? [];
  return new EctError(
    C.DAG_CYCLE,
    `the graph contains a cycle: ${cycle.map((n) => JSON.stringify(n.jti)).join(" -> ")}`,
  );
}

/**
 * Every node after all its predecessors. Among nodes ready at the same time the earlier `iat`
 * comes first, then the input order, so the result is deterministic and follows time.
 *
 * @throws {@link EctError} `ECT_DAG_CYCLE` naming the cycle when the graph is not a DAG.
 */
export function topologicalOrder(graph: EctGraph): GraphNode[] {
  const { order } = kahn(graph);
  if (order.length !== graph.size) throw cycleError(graph);
  return order;
}

/**
 * The nodes grouped by depth: layer 0 holds the roots, a node sits one layer below its deepest
 * predecessor (longest path), each layer in topological order. The layout of {@link toAscii}.
 *
 * @throws {@link EctError} `ECT_DAG_CYCLE` when the graph is not a DAG.
 */
export function layers(graph: EctGraph): GraphNode[][] {
  const order = topologicalOrder(graph);
  return layersOf(graph, order);
}

/** Longest-path layering over nodes in topological order. @internal */
export function layersOf(graph: EctGraph, order: readonly GraphNode[]): GraphNode[][] {
  const depth = new Int32Array(graph.size);
  const out: GraphNode[][] = [];
  for (const n of order) {
    let d = 0;
    for (const p of graph.parents(n)) d = Math.max(d, depth[p.index]! + 1);
    depth[n.index] = d;
    const layer = out[d];
    if (layer === undefined) out[d] = [n];
    else layer.push(n);
  }
  return out;
}

/** Options of {@link criticalPath}. */
export interface CriticalPathOptions {
  /** Where the path ends; default: the node issued last (latest `iat`, then latest in input). */
  readonly to?: NodeRef;
}

/**
 * The chain of tasks that gated the end of the workflow, by `iat`: starting from the node issued
 * last (or `to`), repeatedly the predecessor issued last (the one the task waited for longest),
 * until a root. Returned root first. Empty for an empty graph. Linear; safe on a cyclic graph
 * (each node is taken once).
 *
 * @throws {@link EctError} `ECT_CONFIG_INVALID` when `to` names no node.
 */
export function criticalPath(graph: EctGraph, options: CriticalPathOptions = {}): GraphNode[] {
  let end: GraphNode | undefined;
  if (options.to !== undefined) end = graph.node(options.to);
  else {
    for (const n of graph.nodes) end = latest(end, n);
  }
  if (end === undefined) return [];
  const path: GraphNode[] = [end];
  const taken = new Uint8Array(graph.size);
  taken[end.index] = 1;
  let node = end;
  for (;;) {
    let gate: GraphNode | undefined;
    for (const p of graph.parents(node)) if (taken[p.index] === 0) gate = latest(gate, p);
    if (gate === undefined) break;
    taken[gate.index] = 1;
    path.push(gate);
    node = gate;
  }
  return path.reverse();
}

/** The later of two nodes by `iat` (missing `iat` is earliest), then by input position. */
function latest(a: GraphNode | undefined, b: GraphNode): GraphNode {
  if (a === undefined) return b;
  const ai = a.iat ?? Number.NEGATIVE_INFINITY;
  const bi = b.iat ?? Number.NEGATIVE_INFINITY;
  return bi > ai || (bi === ai && b.index > a.index) ? b : a;
}
