import type { EctStore, StoredEct } from "ect-core";

/** A stored direct predecessor the walk starts from. */
export interface WalkStart {
  /** Its identity key in the child's scope. */
  readonly key: string;
  /** Index of the `pred` entry that named it. */
  readonly predIndex: number;
  /** What the store returned for it. */
  readonly stored: StoredEct;
}

/** Input of {@link walkAncestors}. */
export interface AncestorWalkInput {
  readonly store: EctStore;
  /** The child's `wid` (`null` for none): the scope every lookup uses (SPEC 6.2, 6.3). */
  readonly wid: string | null;
  /** The key of the node being validated: reaching it is a cycle (SPEC 6.5). */
  readonly ownKey: string;
  /** Every distinct key the child's `pred` names (stored or not) with the index naming it first. */
  readonly directKeys: ReadonlyMap<string, number>;
  /** The direct predecessors that are stored. */
  readonly starts: readonly WalkStart[];
  /** Most distinct ancestors to visit (SPEC 6.5). */
  readonly maxTraversal: number;
}

/** Outcome of {@link walkAncestors}. */
export type AncestorWalkOutcome =
  /** Every ancestor was visited; none is the node itself and the stored ancestors hold no cycle. */
  | { readonly kind: "acyclic"; readonly visited: number }
  /** An ancestor names the node being validated: adding it would close a cycle. */
  | { readonly kind: "cycle"; readonly predIndex: number; readonly via: string; readonly visited: number }
  /** The stored ancestors already contain a cycle (written around the checks). */
  | { readonly kind: "stored-cycle"; readonly predIndex: number; readonly visited: number }
  /** More than `maxTraversal` distinct ancestors: the walk stopped (fails closed). */
  | { readonly kind: "limit"; readonly visited: number }
  /** A stored ancestor has no usable `jti`/`pred`: the walk cannot complete (fails closed). */
  | { readonly kind: "malformed"; readonly predIndex: number; readonly id: string; readonly visited: number };

/** True when `stored` is a well-formed ECT whose `jti` is `id` (UUIDs compare case-insensitively). */
export function isStoredEctFor(stored: StoredEct, id: string): boolean {
  const claims = stored?.claims as Readonly<Record<string, unknown>> | undefined;
  return (
    claims !== null &&
    typeof claims === "object" &&
    typeof claims["jti"] === "string" &&
    claims["jti"].toLowerCase() === id.toLowerCase()
  );
}

function predList(stored: StoredEct): readonly string[] | undefined {
  const pred = (stored.claims as Readonly<Record<string, unknown>>)["pred"];
  if (!Array.isArray(pred)) return undefined;
  for (const p of pred) if (typeof p !== "string") return undefined;
  return pred as readonly string[];
}

interface Visit {
  /** Dense index of the key, in discovery order. */
  readonly index: number;
  readonly id: string;
  readonly predIndex: number;
}

/**
 * SPEC 6.5: walks the ancestors of a new node breadth first from its stored predecessors.
 *
 * - Iterative, so a chain of any length never grows the call stack.
 * - Each distinct ancestor key (stored or not) is visited once: a diamond is not a cycle and its
 *   shared ancestor counts once. More than `maxTraversal` distinct keys stops the walk before it
 *   looks any further up (fails closed); at most `maxTraversal` keys are ever looked up.
 * - Every `pred` entry of every stored ancestor is compared with the new node's own key, so the
 *   walk catches an ancestor that names the node (stored earlier with the node unresolved).
 * - One frontier is looked up together (`Promise.all`), so the number of round trips is the depth.
 * - The stored ancestors are then checked for a cycle among themselves (Kahn's algorithm over
 *   dense indexes, in memory, linear): a store written around the checks makes the walk fail
 *   closed, never loop.
 */
export async function walkAncestors(input: AncestorWalkInput): Promise<AncestorWalkOutcome> {
  const { store, wid, ownKey, maxTraversal } = input;
  // Key -> dense index, in discovery order; also the visited set.
  const indexOf = new Map<string, number>();
  for (const key of input.directKeys.keys()) indexOf.set(key, indexOf.size);
  if (indexOf.size > maxTraversal) return { kind: "limit", visited: indexOf.size };
  // Same format as ect-core `ectKey`, with the scope lower-cased once.
  const scope = `${(wid ?? "").toLowerCase()}|`;

  // For the stored ancestors (by dense index): the indexes their `pred` names, and the direct
  // predecessor they were reached from.
  const parentsOf: (readonly number[] | undefined)[] = [];
  const originOf: number[] = [];
  let frontier: { readonly visit: Visit; readonly stored: StoredEct }[] = input.starts.map((s) => ({
    visit: {
      index: indexOf.get(s.key)!,
      id: (s.stored.claims as { jti: string }).jti,
      predIndex: s.predIndex,
    },
    stored: s.stored,
  }));

  while (frontier.length > 0) {
    const next: Visit[] = [];
    for (const { visit, stored } of frontier) {
      const pred = predList(stored);
      if (pred === undefined) {
        return { kind: "malformed", predIndex: visit.predIndex, id: visit.id, visited: indexOf.size };
      }
      const parents: number[] = new Array(pred.length);
      for (let i = 0; i < pred.length; i++) {
        const id = pred[i]!;
        const key = scope + id.toLowerCase();
        if (key === ownKey) {
          return { kind: "cycle", predIndex: visit.predIndex, via: visit.id, visited: indexOf.size };
        }
        let index = indexOf.get(key);
        if (index === undefined) {
          index = indexOf.size;
          indexOf.set(key, index);
          if (indexOf.size > maxTraversal) return { kind: "limit", visited: indexOf.size };
          next.push({ index, id, predIndex: visit.predIndex });
        }
        parents[i] = index;
      }
      parentsOf[visit.index] = parents;
      originOf[visit.index] = visit.predIndex;
    }
    frontier = [];
    if (next.length === 1) {
      // The common case of a chain: one lookup, no array of promises.
      const v = next[0]!;
      const stored = await store.getEct(wid, v.id);
      if (stored !== undefined) frontier.push({ visit: v, stored });
    } else if (next.length > 0) {
      const found = await Promise.all(next.map((v) => store.getEct(wid, v.id)));
      for (let i = 0; i < next.length; i++) {
        const stored = found[i];
        if (stored !== undefined) frontier.push({ visit: next[i]!, stored });
      }
    }
    for (const f of frontier) {
      if (!isStoredEctFor(f.stored, f.visit.id)) {
        return { kind: "malformed", predIndex: f.visit.predIndex, id: f.visit.id, visited: indexOf.size };
      }
    }
  }

  const inCycle = findStoredCycleNode(parentsOf, indexOf.size);
  if (inCycle !== undefined) {
    return { kind: "stored-cycle", predIndex: originOf[inCycle] ?? 0, visited: indexOf.size };
  }
  return { kind: "acyclic", visited: indexOf.size };
}

/**
 * Kahn's algorithm over the stored ancestors (`parentsOf[i]` defined): returns an index left on a
 * cycle, or `undefined` when they form a DAG. Edges to nodes that are not stored are ignored; a
 * repeated `pred` entry adds an edge twice and is removed twice, which keeps the counts consistent.
 */
function findStoredCycleNode(
  parentsOf: readonly (readonly number[] | undefined)[],
  size: number,
): number | undefined {
  const remaining = new Int32Array(size);
  const childrenOf: (number[] | undefined)[] = [];
  let storedCount = 0;
  for (let child = 0; child < parentsOf.length; child++) {
    const parents = parentsOf[child];
    if (parents === undefined) continue;
    storedCount++;
    for (const p of parents) {
      if (parentsOf[p] === undefined) continue;
      remaining[child]!++;
      const children = childrenOf[p];
      if (children === undefined) childrenOf[p] = [child];
      else children.push(child);
    }
  }
  const ready: number[] = [];
  for (let i = 0; i < parentsOf.length; i++)
    if (parentsOf[i] !== undefined && remaining[i] === 0) ready.push(i);
  let done = 0;
  while (ready.length > 0) {
    const node = ready.pop()!;
    done++;
    for (const child of childrenOf[node] ?? []) {
      remaining[child]!--;
      if (remaining[child] === 0) ready.push(child);
    }
  }
  if (done === storedCount) return undefined;
  for (let i = 0; i < parentsOf.length; i++) if (parentsOf[i] !== undefined && remaining[i]! > 0) return i;
  return undefined;
}
