import { EctErrorCodes as C, decodeEct, EctError, type EctErrorCode } from "ect-core";
import { ectKey } from "ect-core/internal";

/**
 * One item a graph is built from: a token (decoded, **not verified**), a claims object, or a stored
 * entry `{ claims }` / `{ token, claims }` such as a ledger's `LedgerEntry`.
 */
export type GraphInput =
  | string
  | Readonly<Record<string, unknown>>
  | {
      /** The stored ECT's claims. */
      readonly claims: Readonly<Record<string, unknown>>;
      /** The token as received, when known. */
      readonly token?: string;
    };

/** A task in an {@link EctGraph}. */
export interface GraphNode {
  /** Position in the input (0, 1, 2, ...), also the order nodes are listed in. */
  readonly index: number;
  /** The identity key `(wid or "", jti)`, lower-cased (ect-core `ectKey`). */
  readonly key: string;
  /** The `jti` as given. */
  readonly jti: string;
  /** The `wid` as given, or `null`. */
  readonly wid: string | null;
  /** The `exec_act` claim, when it is a string. Attacker-controlled text: escape it to display it. */
  readonly execAct: string | undefined;
  /** The `iat` claim, when it is a finite number. */
  readonly iat: number | undefined;
  /** The `iss` claim, when it is a string. */
  readonly iss: string | undefined;
  /** The `pred` claim as given (empty when absent). */
  readonly pred: readonly string[];
  /** Every claim, as given. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The token, when the input carried one. */
  readonly token: string | undefined;
}

/**
 * How a query names a node: its `jti` (when unique in the graph), `{ wid, jti }`, or the
 * {@link GraphNode} itself. UUIDs compare case-insensitively.
 */
export type NodeRef =
  | string
  | {
      /** The node's workflow; absent or `null` for none. */
      readonly wid?: string | null;
      /** The node's `jti`. */
      readonly jti: string;
    }
  | GraphNode;

/**
 * An in-memory graph of ECTs: nodes in input order, edges from each `pred` entry to its child.
 * A `pred` entry resolves in the child's own `wid` scope (SPEC 6.2); one that names no node of the
 * graph is an unresolved predecessor. The graph may hold a cycle when built from arbitrary tokens:
 * {@link findCycle} finds it and {@link topologicalOrder} refuses it. Immutable once built.
 */
export interface EctGraph {
  /** Every node, in input order. */
  readonly nodes: readonly GraphNode[];
  /** Number of nodes. */
  readonly size: number;
  /** The node a reference names, or `undefined`; throws when a bare `jti` names several. */
  find(ref: NodeRef): GraphNode | undefined;
  /** The node a reference names; throws `ECT_CONFIG_INVALID` when there is none or several. */
  node(ref: NodeRef): GraphNode;
  /** The node's predecessors present in the graph, in `pred` order. */
  parents(ref: NodeRef): readonly GraphNode[];
  /** The node's successors in the graph, in input order. */
  children(ref: NodeRef): readonly GraphNode[];
  /** The node's `pred` entries that name no node of the graph, as given. */
  unresolved(ref: NodeRef): readonly string[];
}

/** Options of {@link buildGraph} and {@link buildGraphAsync}. */
export interface BuildGraphOptions {
  /** Longest token accepted when decoding a token input (default 16384, SPEC 5.1). */
  readonly maxTokenLength?: number;
}

function inputError(code: EctErrorCode, index: number, message: string, member?: string): EctError {
  return new EctError(code, `graph input ${index}: ${message}`, member === undefined ? {} : { member });
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function toNode(input: GraphInput, index: number, options: BuildGraphOptions): GraphNode {
  let claims: Readonly<Record<string, unknown>>;
  let token: string | undefined;
  if (typeof input === "string") {
    try {
      claims = decodeEct(input, {
        minLevel: 1,
        ...(options.maxTokenLength === undefined ? {} : { maxTokenLength: options.maxTokenLength }),
      }).claims;
    } catch (e) {
      if (e instanceof EctError) {
        throw new EctError(e.code, `graph input ${index}: ${e.message}`, {
          ...(e.member === undefined ? {} : { member: e.member }),
          cause: e,
        });
      }
      throw e;
    }
    token = input;
  } else if (isRecord(input)) {
    const record: Readonly<Record<string, unknown>> = input;
    const inner = record["claims"];
    // A stored entry: `{ claims }`, `{ token, claims }`, a LedgerEntry. Claims always carry `pred`,
    // entries never do at the top level.
    if (isRecord(inner) && !Array.isArray(record["pred"])) {
      claims = inner;
      token = typeof record["token"] === "string" ? record["token"] : undefined;
    } else claims = record;
  } else {
    throw inputError(C.MALFORMED, index, "expected a token, a claims object or { claims }");
  }
  const { jti, wid, pred, exec_act, iat, iss } = claims;
  if (typeof jti !== "string" || jti.length === 0) {
    throw inputError(C.JTI_INVALID, index, "jti must be a non-empty string", "jti");
  }
  if (wid !== undefined && wid !== null && typeof wid !== "string") {
    throw inputError(C.WID_INVALID, index, "wid must be a string when present", "wid");
  }
  if (pred !== undefined && (!Array.isArray(pred) || !pred.every((p) => typeof p === "string"))) {
    throw inputError(C.PRED_INVALID, index, "pred must be an array of strings", "pred");
  }
  return Object.freeze({
    index,
    key: ectKey(wid as string | null | undefined, jti),
    jti,
    wid: typeof wid === "string" ? wid : null,
    execAct: typeof exec_act === "string" ? exec_act : undefined,
    iat: typeof iat === "number" && Number.isFinite(iat) ? iat : undefined,
    iss: typeof iss === "string" ? iss : undefined,
    pred: Object.freeze([...((pred as string[] | undefined) ?? [])]),
    claims,
    token,
  });
}

const EMPTY: readonly never[] = Object.freeze([]);

class ImmutableEctGraph implements EctGraph {
  readonly nodes: readonly GraphNode[];
  readonly #byKey = new Map<string, GraphNode>();
  readonly #byJti = new Map<string, GraphNode[]>();
  readonly #parents: (readonly GraphNode[])[];
  readonly #children: GraphNode[][];
  readonly #unresolved: (readonly string[])[];

  constructor(nodes: readonly GraphNode[]) {
    this.nodes = Object.freeze([...nodes]);
    for (const n of nodes) {
      if (this.#byKey.has(n.key)) {
        throw inputError(
          C.DAG_DUPLICATE_JTI,
          n.index,
          `jti ${JSON.stringify(n.jti)} appears twice in the same wid scope`,
          "jti",
        );
      }
      this.#byKey.set(n.key, n);
      const jti = n.jti.toLowerCase();
      const same = this.#byJti.get(jti);
      if (same === undefined) this.#byJti.set(jti, [n]);
      else same.push(n);
    }
    this.#children = nodes.map(() => []);
    this.#parents = [];
    this.#unresolved = [];
    for (const n of nodes) {
      const parents: GraphNode[] = [];
      const unresolved: string[] = [];
      const seen = new Set<string>();
      for (const p of n.pred) {
        const key = ectKey(n.wid, p);
        if (seen.has(key)) continue;
        seen.add(key);
        const parent = this.#byKey.get(key);
        if (parent === undefined) unresolved.push(p);
        else {
          parents.push(parent);
          this.#children[parent.index]!.push(n);
        }
      }
      this.#parents.push(parents.length === 0 ? EMPTY : Object.freeze(parents));
      this.#unresolved.push(unresolved.length === 0 ? EMPTY : Object.freeze(unresolved));
    }
    for (const c of this.#children) Object.freeze(c);
    Object.freeze(this);
  }

  get size(): number {
    return this.nodes.length;
  }

  find(ref: NodeRef): GraphNode | undefined {
    if (typeof ref === "string") {
      const same = this.#byJti.get(ref.toLowerCase());
      if (same === undefined) return undefined;
      if (same.length > 1) {
        throw new EctError(
          C.CONFIG_INVALID,
          `jti ${JSON.stringify(ref)} names ${same.length} nodes in different workflows; pass { wid, jti }`,
        );
      }
      return same[0];
    }
    if (!isRecord(ref) || typeof ref["jti"] !== "string") return undefined;
    const node = this.#byKey.get(ectKey(ref.wid, ref.jti));
    if ("index" in ref && node !== ref) return undefined; // a GraphNode of another graph
    return node;
  }

  node(ref: NodeRef): GraphNode {
    const node = this.find(ref);
    if (node === undefined) {
      const jti = typeof ref === "string" ? ref : (ref as { jti?: unknown })?.jti;
      throw new EctError(C.CONFIG_INVALID, `no node with jti ${JSON.stringify(jti)} in the graph`);
    }
    return node;
  }

  parents(ref: NodeRef): readonly GraphNode[] {
    return this.#parents[this.node(ref).index]!;
  }

  children(ref: NodeRef): readonly GraphNode[] {
    return this.#children[this.node(ref).index]!;
  }

  unresolved(ref: NodeRef): readonly string[] {
    return this.#unresolved[this.node(ref).index]!;
  }
}

/**
 * Builds an {@link EctGraph} from tokens, claims or stored entries (e.g. `await
 * ledger.listWorkflow(wid)`). Tokens are decoded with the strict decoder but **not verified**:
 * use a graph to inspect and render, never to trust.
 *
 * @example
 * ```ts
 * const graph = buildGraph(await ledger.listWorkflow(wid));
 * console.log(toMermaid(graph));
 * ```
 *
 * @throws {@link EctError} the decoder's code for a malformed token, `ECT_JTI_INVALID`,
 *   `ECT_WID_INVALID` or `ECT_PRED_INVALID` for claims without the shapes a graph needs,
 *   `ECT_DAG_DUPLICATE_JTI` when two inputs share `(wid or "", jti)`; messages name the input index.
 */
export function buildGraph(items: Iterable<GraphInput>, options: BuildGraphOptions = {}): EctGraph {
  const nodes: GraphNode[] = [];
  for (const item of items) nodes.push(toNode(item, nodes.length, options));
  return new ImmutableEctGraph(nodes);
}

/**
 * Like {@link buildGraph}, from an async source: an async iterable (a streamed export), an
 * iterable, or a promise of either.
 *
 * @throws {@link EctError} as {@link buildGraph}.
 */
export async function buildGraphAsync(
  source:
    | AsyncIterable<GraphInput>
    | Iterable<GraphInput>
    | PromiseLike<AsyncIterable<GraphInput> | Iterable<GraphInput>>,
  options: BuildGraphOptions = {},
): Promise<EctGraph> {
  const items = await source;
  if (Symbol.asyncIterator in items) {
    const nodes: GraphNode[] = [];
    for await (const item of items as AsyncIterable<GraphInput>)
      nodes.push(toNode(item, nodes.length, options));
    return new ImmutableEctGraph(nodes);
  }
  return buildGraph(items as Iterable<GraphInput>, options);
}
