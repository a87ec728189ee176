import { EctErrorCodes as C, type EctClaims } from "ect-core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildGraph, findCycle, topologicalOrder, validateDag } from "../src/index.js";
import { ect, T0, TestStore } from "./fixtures/memory-store.js";

/** A deterministic UUID for node `i` of a generated DAG. */
const idOf = (i: number, salt: number) =>
  `00000000-0000-4000-8${salt.toString(16).padStart(3, "0")}-${i.toString(16).padStart(12, "0")}`;

/**
 * A random DAG in a valid order: node i depends on a set of earlier nodes. `upper` writes the pred
 * references in upper case, to exercise case-insensitive identity.
 */
const dagArb = fc
  .integer({ min: 1, max: 30 })
  .chain((n) =>
    fc.record({
      parents: fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          i === 0
            ? fc.constant<number[]>([])
            : fc.uniqueArray(fc.nat({ max: i - 1 }), { maxLength: Math.min(i, 4) }),
        ),
      ),
      upper: fc.boolean(),
      withWid: fc.boolean(),
      salt: fc.nat({ max: 0xfff }),
    }),
  )
  .map(({ parents, upper, withWid, salt }) => {
    const wid = withWid ? idOf(0xffff, salt) : undefined;
    const claims: EctClaims[] = parents.map((ps, i) =>
      ect({
        jti: idOf(i, salt),
        ...(wid === undefined ? {} : { wid }),
        iat: T0 + i,
        exec_act: `task-${i}`,
        pred: ps.map((p) => (upper ? idOf(p, salt).toUpperCase() : idOf(p, salt))),
      }),
    );
    return { parents, claims };
  });

/** Every node reachable from `i` through children (its descendants). */
function descendantsOf(parents: readonly (readonly number[])[], i: number): number[] {
  const children = parents.map(() => [] as number[]);
  parents.forEach((ps, c) => {
    for (const p of ps) children[p]!.push(c);
  });
  const seen = new Set<number>();
  const stack = [i];
  while (stack.length > 0) {
    for (const c of children[stack.pop()!]!) {
      if (!seen.has(c)) {
        seen.add(c);
        stack.push(c);
      }
    }
  }
  return [...seen].sort((a, b) => a - b);
}

const backEdgeArb = dagArb
  .filter(({ parents }) => parents.some((_, i) => descendantsOf(parents, i).length > 0))
  .chain((dag) => {
    const sources = dag.parents.map((_, i) => i).filter((i) => descendantsOf(dag.parents, i).length > 0);
    return fc.record({ s: fc.nat({ max: sources.length - 1 }), d: fc.nat({ max: 1000 }) }).map(({ s, d }) => {
      const from = sources[s]!;
      const below = descendantsOf(dag.parents, from);
      return { ...dag, from, to: below[d % below.length]! };
    });
  });

describe("properties", () => {
  it("every node of a DAG built in a valid order validates", async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, async ({ claims }) => {
        const store = new TestStore();
        for (const c of claims) {
          const r = await validateDag(c, store);
          expect(r.violations).toEqual([]);
          store.put(c);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("adding a back-edge (a node depending on its own descendant) is refused as a cycle", async () => {
    await fc.assert(
      fc.asyncProperty(backEdgeArb, async ({ claims, from, to }) => {
        // `from` arrives late: its descendants were stored with it unresolved.
        const store = new TestStore().put(...claims.filter((_, i) => i !== from));
        const late = { ...claims[from]!, pred: [...claims[from]!.pred, claims[to]!.jti] };
        const r = await validateDag(late, store, { unresolvedPredecessors: "allow" });
        expect(r.violations.map((v) => v.code)).toEqual([C.DAG_CYCLE]);
      }),
      { numRuns: 100 },
    );
  });

  it("a back-edge written around the checks makes every walk through it fail closed", async () => {
    await fc.assert(
      fc.asyncProperty(backEdgeArb, fc.nat({ max: 40 }), async ({ claims, from, to }, maxTraversal) => {
        const looped = { ...claims[from]!, pred: [...claims[from]!.pred, claims[to]!.jti] };
        const store = new TestStore().put(...claims.map((c, i) => (i === from ? looped : c)));
        const child = ect({
          ...(claims[0]!.wid ? { wid: claims[0]!.wid } : {}),
          pred: [claims[to]!.jti],
          iat: T0 + 100,
        });
        const r = await validateDag(child, store, { maxTraversal });
        expect(r.valid).toBe(false);
        for (const v of r.violations) expect([C.DAG_CYCLE, C.DAG_TRAVERSAL_LIMIT]).toContain(v.code);
      }),
      { numRuns: 100 },
    );
  });

  it("the topological order respects every edge, whatever the input order", async () => {
    await fc.assert(
      fc.property(
        dagArb.chain((dag) =>
          fc
            .shuffledSubarray(
              dag.claims.map((_, i) => i),
              { minLength: dag.claims.length, maxLength: dag.claims.length },
            )
            .map((order) => ({ ...dag, order })),
        ),
        ({ parents, claims, order }) => {
          const graph = buildGraph(order.map((i) => claims[i]!));
          const sorted = topologicalOrder(graph);
          expect(sorted).toHaveLength(claims.length);
          const position = new Map(sorted.map((n, k) => [n.jti, k]));
          parents.forEach((ps, c) => {
            for (const p of ps)
              expect(position.get(claims[p]!.jti)!).toBeLessThan(position.get(claims[c]!.jti)!);
          });
          expect(findCycle(graph)).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a graph with a back-edge has no topological order and findCycle returns a real cycle", async () => {
    await fc.assert(
      fc.property(backEdgeArb, ({ claims, from, to }) => {
        const looped = claims.map((c, i) => (i === from ? { ...c, pred: [...c.pred, claims[to]!.jti] } : c));
        const graph = buildGraph(looped);
        expect(() => topologicalOrder(graph)).toThrowError(expect.objectContaining({ code: C.DAG_CYCLE }));
        const cycle = findCycle(graph)!;
        expect(cycle.length).toBeGreaterThan(0);
        cycle.forEach((node, k) => {
          const next = cycle[(k + 1) % cycle.length]!;
          expect(graph.parents(next)).toContain(node);
        });
      }),
      { numRuns: 200 },
    );
  });
});
