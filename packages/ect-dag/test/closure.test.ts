import { EctErrorCodes as C, type EctClaims, type StoredEct } from "ect-core";
import { ectKey } from "ect-core/internal";
import { describe, expect, it } from "vitest";
import { createLedgerDagValidator, type DagClosure, validateDag } from "../src/index.js";
import { chain, ect, TestStore, uuid } from "./fixtures/memory-store.js";

/** A child's `iat` after every fixture node's. */
const T = 1_700_000_100;

/**
 * A store that records closure marks the way a ledger backend does (profile §6 note): `admit`
 * runs the rules with the closure and stores the mark the result carries; `put` writes around them.
 */
class ClosureStore extends TestStore implements DagClosure {
  readonly marks = new Map<StoredEct, number>();

  closedAncestors(stored: StoredEct): number | undefined {
    return this.marks.get(stored);
  }

  async admit(claims: EctClaims, validate = createLedgerDagValidator()): Promise<number | undefined> {
    const result = await validate(claims, this, this);
    expect(result.valid).toBe(true);
    this.put(claims);
    const stored = this.entries.get(ectKey(claims.wid, claims.jti))!;
    if (result.closedAncestors !== undefined) this.marks.set(stored, result.closedAncestors);
    return result.closedAncestors;
  }
}

describe("createLedgerDagValidator: the walk is skipped over closed predecessors (profile §6 note)", () => {
  it("marks what the rules admitted with its number of ancestors and looks up only the direct predecessors", async () => {
    const store = new ClosureStore();
    const wid = uuid();
    const nodes = chain(30, wid);
    const marks = [];
    for (const n of nodes) marks.push(await store.admit(n));
    // Roots get their mark from the ledger (no check runs); here the rules mark them 0 as well.
    expect(marks).toEqual(nodes.map((_, i) => i));
    store.lookups = 0;
    const child = ect({ wid, pred: [nodes[29]!.jti], iat: nodes[29]!.iat });
    const result = await createLedgerDagValidator()(child, store, store);
    expect(result).toMatchObject({ valid: true, closedAncestors: 30 });
    expect(store.lookups).toBe(2); // its own identity and its one predecessor: no walk
  });

  it("walks when a predecessor carries no mark, and then marks nothing", async () => {
    const store = new ClosureStore();
    const wid = uuid();
    const nodes = chain(10, wid);
    store.put(nodes[0]!); // written around the rules
    for (const n of nodes.slice(1)) expect(await store.admit(n)).toBeUndefined();
    store.lookups = 0;
    const result = await createLedgerDagValidator()(
      ect({ wid, pred: [nodes[9]!.jti], iat: T }),
      store,
      store,
    );
    expect(result.valid).toBe(true);
    expect(result.closedAncestors).toBeUndefined();
    expect(store.lookups).toBe(11);
  });

  it("finds the cycle through an entry written around the rules, exactly as the walk does", async () => {
    const store = new ClosureStore();
    const wid = uuid();
    const [r, a, b, c] = [ect({ wid }), uuid(), uuid(), uuid()];
    await store.admit(r);
    store.put(ect({ wid, jti: a, pred: [r.jti, b] })); // names b before it exists
    await store.admit(ect({ wid, jti: c, pred: [a] }));
    const closing = ect({ wid, jti: b, pred: [c] });
    const result = await createLedgerDagValidator()(closing, store, store);
    expect(result.violations.map((v) => [v.code, v.member])).toEqual([[C.DAG_CYCLE, "pred[0]"]]);
    expect(result).toEqual(await validateDag(closing, store));
  });

  it("walks when the bound passes maxTraversal: the exact count decides, and is then recorded", async () => {
    const store = new ClosureStore();
    const wid = uuid();
    const r = ect({ wid });
    const [a, b] = [ect({ wid, pred: [r.jti] }), ect({ wid, pred: [r.jti] })];
    const j = ect({ wid, pred: [a.jti, b.jti] });
    for (const n of [r, a, b]) await store.admit(n);
    expect(await store.admit(j)).toBe(4); // bound (1 + 1) + (1 + 1): r counted twice
    const child = ect({ wid, pred: [j.jti] }); // 4 distinct ancestors, bound 5
    const four = await createLedgerDagValidator({ maxTraversal: 4 })(child, store, store);
    expect(four).toMatchObject({ valid: true, closedAncestors: 4 }); // walked: exact
    const three = await createLedgerDagValidator({ maxTraversal: 3 })(child, store, store);
    expect(three.violations.map((v) => [v.code, v.member])).toEqual([[C.DAG_TRAVERSAL_LIMIT, "pred"]]);
    expect(three.closedAncestors).toBeUndefined();
  });

  it("ignores a mark that is not a non-negative safe integer (walks)", async () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      const store = new ClosureStore();
      const wid = uuid();
      const [r, a] = chain(2, wid);
      await store.admit(r!);
      await store.admit(a!);
      store.marks.set(store.entries.get(ectKey(wid, a!.jti))!, bad);
      store.lookups = 0;
      const result = await createLedgerDagValidator()(ect({ wid, pred: [a!.jti], iat: T }), store, store);
      expect(result.closedAncestors).toBeUndefined();
      expect(store.lookups).toBe(3);
    }
  });

  it('marks nothing under "allow" when a predecessor is unresolved, and nothing on a refusal', async () => {
    const store = new ClosureStore();
    const wid = uuid();
    const allow = createLedgerDagValidator({ unresolvedPredecessors: "allow" });
    const r = ect({ wid });
    await store.admit(r, allow);
    const unresolved = await allow(ect({ wid, pred: [r.jti, uuid()] }), store, store);
    expect(unresolved).toMatchObject({ valid: true });
    expect(unresolved.closedAncestors).toBeUndefined();
    const late = await createLedgerDagValidator()(
      ect({ wid, pred: [r.jti], iat: r.iat - 3600 }),
      store,
      store,
    );
    expect(late.violations.map((v) => v.code)).toEqual([C.DAG_TEMPORAL_ORDER]);
    expect(late.closedAncestors).toBeUndefined();
  });

  it("validateDag and createDagValidator results carry no mark", async () => {
    const r = await validateDag(ect(), new TestStore());
    expect(r).toEqual({ valid: true, violations: [], unresolvedPredecessors: [] });
    expect("closedAncestors" in r).toBe(false);
  });
});
