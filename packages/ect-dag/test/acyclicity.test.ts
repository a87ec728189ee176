import { EctErrorCodes as C, type DagValidationResult, type EctClaims } from "ect-core";
import { Defaults } from "ect-core/internal";
import { describe, expect, it } from "vitest";
import { validateDag } from "../src/index.js";
import { chain, ect, T0, TestStore, uuid } from "./fixtures/memory-store.js";

const codes = (r: DagValidationResult) => r.violations.map((v) => v.code);

/** `a` depends on `b`: returns `a` with `b` appended to its pred (a new object). */
const withPred = (a: EctClaims, ...preds: EctClaims[]): EctClaims => ({
  ...a,
  pred: [...a.pred, ...preds.map((p) => p.jti)],
});

describe("SPEC 6.5 acyclicity", () => {
  it("refuses a pred entry naming the token itself, as a cycle only", async () => {
    const jti = uuid();
    const r = await validateDag(ect({ jti, pred: [jti.toUpperCase()] }), new TestStore(), {
      unresolvedPredecessors: "allow",
    });
    expect(r.violations.map((v) => [v.code, v.member])).toEqual([[C.DAG_CYCLE, "pred[0]"]]);
    expect(r.unresolvedPredecessors).toEqual([]);
  });

  it("refuses a token whose stored predecessor already names it", async () => {
    const n = ect();
    const x = ect({ pred: [n.jti] }); // stored earlier with n unresolved
    const r = await validateDag(withPred(n, x), new TestStore().put(x));
    expect(r.violations.map((v) => [v.code, v.member])).toEqual([[C.DAG_CYCLE, "pred[0]"]]);
  });

  it("refuses a token a distant ancestor names, in any case", async () => {
    const n = ect();
    const x3 = ect({ pred: [uuid(), n.jti.toUpperCase()] });
    const x2 = ect({ pred: [x3.jti] });
    const x1 = ect({ pred: [x2.jti] });
    const root = ect();
    const r = await validateDag(withPred(n, root, x1), new TestStore().put(x1, x2, x3, root));
    expect(r.violations.map((v) => [v.code, v.member])).toEqual([[C.DAG_CYCLE, "pred[1]"]]);
  });

  it("accepts a diamond: two paths to one ancestor are not a cycle", async () => {
    const root = ect();
    const a = ect({ pred: [root.jti] });
    const b = ect({ pred: [root.jti] });
    const store = new TestStore().put(root, a, b);
    const n = ect({ pred: [a.jti, b.jti] });
    expect((await validateDag(n, store)).valid).toBe(true);
    // self + a + b + root once
    expect(store.lookups).toBe(4);
  });

  it("counts the shared ancestor of a diamond once against maxTraversal", async () => {
    const root = ect();
    const a = ect({ pred: [root.jti] });
    const b = ect({ pred: [root.jti] });
    const store = new TestStore().put(root, a, b);
    const n = ect({ pred: [a.jti, b.jti] });
    expect((await validateDag(n, store, { maxTraversal: 3 })).valid).toBe(true);
    expect(codes(await validateDag(n, store, { maxTraversal: 2 }))).toEqual([C.DAG_TRAVERSAL_LIMIT]);
  });

  it("walks a lattice of 2^40 paths over 80 distinct ancestors quickly and exactly", async () => {
    const store = new TestStore();
    let previous: EctClaims[] = [];
    for (let depth = 0; depth < 40; depth++) {
      const layer = [0, 1].map(() => ect({ pred: previous.map((p) => p.jti) }));
      store.put(...layer);
      previous = layer;
    }
    const n = ect({ pred: previous.map((p) => p.jti) });
    expect((await validateDag(n, store, { maxTraversal: 80 })).valid).toBe(true);
    expect(codes(await validateDag(n, store, { maxTraversal: 79 }))).toEqual([C.DAG_TRAVERSAL_LIMIT]);
  });

  it("accepts a join of many roots and counts each against maxTraversal", async () => {
    const parents = Array.from({ length: 100 }, () => ect());
    const store = new TestStore().put(...parents);
    const n = ect({ pred: parents.map((p) => p.jti) });
    expect((await validateDag(n, store, { maxTraversal: 100 })).valid).toBe(true);
    expect(codes(await validateDag(n, store, { maxTraversal: 99 }))).toEqual([C.DAG_TRAVERSAL_LIMIT]);
  });

  it("counts unresolved ancestors too", async () => {
    const a = ect({ pred: [uuid()] });
    const store = new TestStore().put(a);
    const n = ect({ pred: [a.jti] });
    expect((await validateDag(n, store, { maxTraversal: 2 })).valid).toBe(true);
    expect(codes(await validateDag(n, store, { maxTraversal: 1 }))).toEqual([C.DAG_TRAVERSAL_LIMIT]);
  });

  it("with maxTraversal 0 accepts only roots", async () => {
    const a = ect();
    const store = new TestStore().put(a);
    expect((await validateDag(ect(), store, { maxTraversal: 0 })).valid).toBe(true);
    const r = await validateDag(ect({ pred: [a.jti] }), store, { maxTraversal: 0 });
    expect(r.violations.map((v) => [v.code, v.member])).toEqual([[C.DAG_TRAVERSAL_LIMIT, "pred"]]);
  });
});

describe("a chain of 10000 nodes", () => {
  const wid = uuid();
  const nodes = chain(Defaults.MAX_TRAVERSAL + 1, wid);
  const longStore = new TestStore().put(...nodes);
  const exactStore = new TestStore().put(...nodes.slice(0, Defaults.MAX_TRAVERSAL));

  it("validates the tip of exactly 10000 ancestors with the default maxTraversal", async () => {
    const tip = ect({ wid, pred: [nodes[Defaults.MAX_TRAVERSAL - 1]!.jti], iat: T0 + 20_000 });
    const r = await validateDag(tip, exactStore);
    expect(r.valid).toBe(true);
    // self + 10000 ancestors, each looked up once: linear.
    expect(exactStore.lookups).toBe(1 + Defaults.MAX_TRAVERSAL);
  });

  it("fails closed at 10001 ancestors with the default maxTraversal", async () => {
    const tip = ect({ wid, pred: [nodes[Defaults.MAX_TRAVERSAL]!.jti], iat: T0 + 20_000 });
    const store = new TestStore().put(...nodes);
    const r = await validateDag(tip, store);
    expect(codes(r)).toEqual([C.DAG_TRAVERSAL_LIMIT]);
    // Never looks up more than maxTraversal ancestors.
    expect(store.lookups).toBeLessThanOrEqual(1 + Defaults.MAX_TRAVERSAL);
  });

  it("validates the same tip with a larger maxTraversal, without growing the stack", async () => {
    const tip = ect({ wid, pred: [nodes[Defaults.MAX_TRAVERSAL]!.jti], iat: T0 + 20_000 });
    expect((await validateDag(tip, longStore, { maxTraversal: 20_000 })).valid).toBe(true);
  });

  it("validates the stored tip against its own ancestors", async () => {
    const last = nodes[nodes.length - 1]!;
    const store = new TestStore().put(...nodes.slice(0, -1));
    expect((await validateDag(last, store, { maxTraversal: 10_000 })).valid).toBe(true);
  });
});

describe("a store written around the checks", () => {
  it("fails closed on a stored two-node cycle among the ancestors", async () => {
    const a = ect();
    const b = ect({ pred: [a.jti] });
    const aLooped = withPred(a, b);
    const store = new TestStore().put(aLooped, b);
    const r = await validateDag(ect({ pred: [a.jti] }), store);
    expect(r.violations.map((v) => [v.code, v.member])).toEqual([[C.DAG_CYCLE, "pred[0]"]]);
  });

  it("fails closed on a stored self-loop", async () => {
    const a = ect();
    const store = new TestStore().put(withPred(a, a));
    expect(codes(await validateDag(ect({ pred: [a.jti] }), store))).toEqual([C.DAG_CYCLE]);
  });

  it("fails closed on a long stored cycle behind a diamond, naming the pred that leads there", async () => {
    const ring = chain(1000);
    ring[0] = withPred(ring[0]!, ring[999]!);
    const clean = ect();
    const store = new TestStore().put(...ring, clean);
    const r = await validateDag(ect({ pred: [clean.jti, ring[500]!.jti], iat: T0 + 2000 }), store);
    expect(r.violations.map((v) => [v.code, v.member])).toEqual([[C.DAG_CYCLE, "pred[1]"]]);
    expect(store.lookups).toBeLessThanOrEqual(1 + 1001);
  });

  it("fails closed with the traversal limit when the cycle is longer than maxTraversal", async () => {
    const ring = chain(50);
    ring[0] = withPred(ring[0]!, ring[49]!);
    const store = new TestStore().put(...ring);
    const r = await validateDag(ect({ pred: [ring[10]!.jti], iat: T0 + 100 }), store, { maxTraversal: 20 });
    expect(codes(r)).toEqual([C.DAG_TRAVERSAL_LIMIT]);
  });

  it("ignores a cycle that is not among the ancestors", async () => {
    const a = ect();
    const b = ect({ pred: [a.jti] });
    const clean = ect();
    const store = new TestStore().put(withPred(a, b), b, clean);
    expect((await validateDag(ect({ pred: [clean.jti] }), store)).valid).toBe(true);
  });

  it("fails closed on an ancestor whose pred is not an array", async () => {
    const bad = { ...ect(), pred: "not-an-array" } as unknown as EctClaims;
    const a = ect({ pred: [bad.jti] });
    const r = await validateDag(ect({ pred: [a.jti] }), new TestStore().put(bad, a));
    expect(r.violations.map((v) => [v.code, v.member])).toEqual([[C.DAG_TRAVERSAL_LIMIT, "pred[0]"]]);
  });

  it("fails closed when the store returns an ancestor with another jti", async () => {
    const a = ect({ pred: [uuid()] });
    const impostor = ect();
    const store = new TestStore().put(a);
    const lying = {
      getEct: async (wid: string | null | undefined, jti: string) =>
        jti === a.jti ? store.getEct(wid, jti) : { token: "t", claims: impostor },
    };
    const r = await validateDag(ect({ jti: uuid(), pred: [a.jti] }), {
      getEct: async (wid, jti) => (jti === a.jti || jti === a.pred[0] ? lying.getEct(wid, jti) : undefined),
    });
    expect(codes(r)).toEqual([C.DAG_TRAVERSAL_LIMIT]);
  });
});

describe("cost", () => {
  it("looks each ancestor up once, whatever else the store holds", async () => {
    const nodes = chain(500);
    const small = new TestStore().put(...nodes);
    const big = new TestStore().put(...nodes, ...Array.from({ length: 20_000 }, () => ect()));
    const tip = ect({ pred: [nodes[499]!.jti], iat: T0 + 1000 });
    await validateDag(tip, small);
    await validateDag(tip, big);
    expect(small.lookups).toBe(501);
    expect(big.lookups).toBe(501);
  });

  it("looks up a whole frontier together", async () => {
    const grandparents = Array.from({ length: 50 }, () => ect());
    const parent = ect({ pred: grandparents.map((g) => g.jti) });
    const store = new TestStore().put(...grandparents, parent);
    expect((await validateDag(ect({ pred: [parent.jti] }), store)).valid).toBe(true);
    expect(store.peakInFlight).toBe(50);
  });
});
