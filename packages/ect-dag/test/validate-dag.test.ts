import { EctErrorCodes as C, type DagValidationResult, type EctClaims, type StoredEct } from "ect-core";
import { describe, expect, it } from "vitest";
import { createDagValidator, validateDag } from "../src/index.js";
import { chain, ect, IndexedTestStore, JtiKeyedStore, T0, TestStore, uuid } from "./fixtures/memory-store.js";

const codes = (r: DagValidationResult) => r.violations.map((v) => v.code);
const members = (r: DagValidationResult) => r.violations.map((v) => v.member);

describe("validateDag: a valid token", () => {
  it("accepts a root in an empty store", async () => {
    const r = await validateDag(ect(), new TestStore());
    expect(r).toEqual({ valid: true, violations: [], unresolvedPredecessors: [] });
  });

  it("accepts a child of stored parents in the same workflow", async () => {
    const wid = uuid();
    const a = ect({ wid });
    const b = ect({ wid });
    const store = new TestStore().put(a, b);
    const r = await validateDag(ect({ wid, pred: [a.jti, b.jti], iat: T0 + 5 }), store);
    expect(r.valid).toBe(true);
  });

  it("returns a frozen result", async () => {
    const r = await validateDag(ect(), new TestStore());
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.violations)).toBe(true);
  });
});

describe("SPEC 6.1 uniqueness", () => {
  it("refuses a jti already stored in the same wid scope", async () => {
    const wid = uuid();
    const stored = ect({ wid });
    const r = await validateDag(ect({ wid, jti: stored.jti }), new TestStore().put(stored));
    expect(codes(r)).toEqual([C.DAG_DUPLICATE_JTI]);
    expect(members(r)).toEqual(["jti"]);
  });

  it("refuses a jti already stored without wid", async () => {
    const stored = ect();
    const r = await validateDag(ect({ jti: stored.jti }), new TestStore().put(stored));
    expect(codes(r)).toEqual([C.DAG_DUPLICATE_JTI]);
  });

  it("compares jti and wid case-insensitively", async () => {
    const wid = uuid();
    const stored = ect({ wid });
    const again = ect({ wid: wid.toUpperCase(), jti: stored.jti.toUpperCase() });
    const r = await validateDag(again, new TestStore().put(stored));
    expect(codes(r)).toEqual([C.DAG_DUPLICATE_JTI]);
  });

  it("accepts the same jti in another wid scope", async () => {
    const stored = ect({ wid: uuid() });
    expect(
      (await validateDag(ect({ wid: uuid(), jti: stored.jti }), new TestStore().put(stored))).valid,
    ).toBe(true);
    expect((await validateDag(ect({ jti: stored.jti }), new TestStore().put(stored))).valid).toBe(true);
  });
});

describe("SPEC 6.2 existence", () => {
  it("refuses a predecessor that is not stored, naming its index", async () => {
    const wid = uuid();
    const a = ect({ wid });
    const missing = uuid();
    const r = await validateDag(ect({ wid, pred: [a.jti, missing] }), new TestStore().put(a));
    expect(codes(r)).toEqual([C.DAG_PRED_MISSING]);
    expect(members(r)).toEqual(["pred[1]"]);
    expect(r.unresolvedPredecessors).toEqual([]);
  });

  it("refuses every missing predecessor by default (reject)", async () => {
    const r = await validateDag(ect({ pred: [uuid(), uuid()] }), new TestStore());
    expect(codes(r)).toEqual([C.DAG_PRED_MISSING, C.DAG_PRED_MISSING]);
    expect(members(r)).toEqual(["pred[0]", "pred[1]"]);
  });

  it('with unresolvedPredecessors "reject" given explicitly, refuses', async () => {
    const r = await validateDag(ect({ pred: [uuid()] }), new TestStore(), {
      unresolvedPredecessors: "reject",
    });
    expect(codes(r)).toEqual([C.DAG_PRED_MISSING]);
  });

  it('with unresolvedPredecessors "allow", accepts and reports them as given', async () => {
    const a = ect();
    const x = uuid().toUpperCase();
    const y = uuid();
    const r = await validateDag(ect({ pred: [x, a.jti, y], iat: T0 + 1 }), new TestStore().put(a), {
      unresolvedPredecessors: "allow",
    });
    expect(r).toEqual({ valid: true, violations: [], unresolvedPredecessors: [x, y] });
  });

  it("finds a predecessor named in another case", async () => {
    const wid = uuid();
    const a = ect({ wid });
    const r = await validateDag(
      ect({ wid: wid.toUpperCase(), pred: [a.jti.toUpperCase()] }),
      new TestStore().put(a),
    );
    expect(r.valid).toBe(true);
  });

  it("refuses a predecessor for which the store returns an ECT with another jti", async () => {
    const other = ect();
    const lying = { getEct: async (): Promise<StoredEct> => ({ token: "t", claims: other }) };
    const r = await validateDag(ect({ jti: uuid(), pred: [uuid()] }), {
      getEct: async (_wid, jti) => (jti === other.jti ? undefined : lying.getEct()),
    });
    expect(codes(r)).toContain(C.DAG_PRED_MISSING);
    expect(r.valid).toBe(false);
  });
});

describe("SPEC 6.3 workflow consistency", () => {
  it("refuses a predecessor stored without wid when the child has one (no jti index needed)", async () => {
    const parent = ect();
    const r = await validateDag(ect({ wid: uuid(), pred: [parent.jti] }), new TestStore().put(parent));
    expect(codes(r)).toEqual([C.DAG_WORKFLOW_MISMATCH]);
    expect(members(r)).toEqual(["pred[0]"]);
  });

  it("refuses it even when unresolved predecessors are allowed", async () => {
    const parent = ect();
    const r = await validateDag(ect({ wid: uuid(), pred: [parent.jti] }), new TestStore().put(parent), {
      unresolvedPredecessors: "allow",
    });
    expect(codes(r)).toEqual([C.DAG_WORKFLOW_MISMATCH]);
    expect(r.unresolvedPredecessors).toEqual([]);
  });

  it("refuses a predecessor in another wid, found through findEctByJti, also under allow", async () => {
    const parent = ect({ wid: uuid() });
    for (const unresolvedPredecessors of ["reject", "allow"] as const) {
      const store = new IndexedTestStore().put(parent);
      const r = await validateDag(ect({ wid: uuid(), pred: [parent.jti] }), store, {
        unresolvedPredecessors,
      });
      expect(codes(r)).toEqual([C.DAG_WORKFLOW_MISMATCH]);
      expect(store.jtiLookups).toBe(1);
    }
  });

  it("refuses a predecessor with a wid when the child has none, found through findEctByJti", async () => {
    const parent = ect({ wid: uuid() });
    const r = await validateDag(
      ect({ pred: [parent.jti.toUpperCase()] }),
      new IndexedTestStore().put(parent),
      {
        unresolvedPredecessors: "allow",
      },
    );
    expect(codes(r)).toEqual([C.DAG_WORKFLOW_MISMATCH]);
    expect(members(r)).toEqual(["pred[0]"]);
  });

  it("without a jti index, a predecessor in another wid is reported missing (never accepted by default)", async () => {
    const parent = ect({ wid: uuid() });
    const store = new TestStore().put(parent);
    expect(codes(await validateDag(ect({ pred: [parent.jti] }), store))).toEqual([C.DAG_PRED_MISSING]);
    expect(codes(await validateDag(ect({ wid: uuid(), pred: [parent.jti] }), store))).toEqual([
      C.DAG_PRED_MISSING,
    ]);
  });

  it("refuses what a store keyed by jti alone returns from another workflow", async () => {
    const parent = ect({ wid: uuid() });
    const noWid = ect();
    const store = new JtiKeyedStore().put(parent, noWid);
    const r1 = await validateDag(ect({ wid: uuid(), pred: [parent.jti] }), store);
    expect(codes(r1)).toEqual([C.DAG_WORKFLOW_MISMATCH]);
    const r2 = await validateDag(ect({ pred: [parent.jti] }), store);
    expect(codes(r2)).toEqual([C.DAG_WORKFLOW_MISMATCH]);
    const r3 = await validateDag(ect({ wid: uuid(), pred: [noWid.jti] }), store);
    expect(codes(r3)).toEqual([C.DAG_WORKFLOW_MISMATCH]);
  });

  it("treats wids that differ only in case as equal", async () => {
    const wid = uuid();
    const parent = ect({ wid: wid.toUpperCase() });
    const store = new JtiKeyedStore().put(parent);
    expect((await validateDag(ect({ wid, pred: [parent.jti] }), store)).valid).toBe(true);
  });

  it("accepts a predecessor that findEctByJti finds in the child's own workflow (appended in between)", async () => {
    const wid = uuid();
    const parent = ect({ wid });
    const store = new IndexedTestStore().put(parent);
    let first = true;
    const racing = {
      getEct: async (w: string | null | undefined, jti: string) => {
        if (jti === parent.jti && first) {
          first = false;
          return undefined;
        }
        return store.getEct(w, jti);
      },
      findEctByJti: (jti: string) => store.findEctByJti(jti),
    };
    const r = await validateDag(ect({ wid: wid.toUpperCase(), pred: [parent.jti] }), racing);
    expect(r.violations).toEqual([]);
  });

  it("does not consult findEctByJti when every predecessor is found", async () => {
    const parent = ect();
    const store = new IndexedTestStore().put(parent);
    await validateDag(ect({ pred: [parent.jti] }), store);
    expect(store.jtiLookups).toBe(0);
  });
});

describe("SPEC 6.4 temporal order", () => {
  const withParent = async (parentIat: unknown, childIat: number, clockSkewSec?: number) => {
    const parent = { ...ect(), iat: parentIat } as EctClaims;
    const child = ect({ pred: [parent.jti], iat: childIat });
    return validateDag(
      child,
      new TestStore().put(parent),
      clockSkewSec === undefined ? undefined : { clockSkewSec },
    );
  };

  it("accepts a parent issued exactly child iat + 30 s (default skew)", async () => {
    expect((await withParent(T0 + 30, T0)).valid).toBe(true);
  });

  it("refuses a parent issued child iat + 31 s", async () => {
    const r = await withParent(T0 + 31, T0);
    expect(codes(r)).toEqual([C.DAG_TEMPORAL_ORDER]);
    expect(members(r)).toEqual(["pred[0]"]);
  });

  it("honours clockSkewSec at its exact boundary", async () => {
    expect((await withParent(T0 + 5, T0, 5)).valid).toBe(true);
    expect(codes(await withParent(T0 + 6, T0, 5))).toEqual([C.DAG_TEMPORAL_ORDER]);
    expect((await withParent(T0, T0, 0)).valid).toBe(true);
    expect(codes(await withParent(T0 + 1, T0, 0))).toEqual([C.DAG_TEMPORAL_ORDER]);
  });

  it("accepts a parent issued long before the child", async () => {
    expect((await withParent(T0 - 86_400, T0)).valid).toBe(true);
  });

  it("fails closed on a stored parent without a numeric iat", async () => {
    expect(codes(await withParent("1700000000", T0))).toEqual([C.DAG_TEMPORAL_ORDER]);
    expect(codes(await withParent(Number.NaN, T0))).toEqual([C.DAG_TEMPORAL_ORDER]);
    expect(codes(await withParent(undefined, T0))).toEqual([C.DAG_TEMPORAL_ORDER]);
  });
});

describe("SPEC 6.6 predecessor policy", () => {
  const withDecision = async (pol_decision: string, options?: Parameters<typeof validateDag>[2]) => {
    const parent = ect({ ect_ext: { pol: "policy-1", pol_decision } });
    return validateDag(ect({ pred: [parent.jti] }), new TestStore().put(parent), options);
  };

  it("refuses a child of a rejected predecessor", async () => {
    const r = await withDecision("rejected");
    expect(codes(r)).toEqual([C.DAG_PRED_POLICY]);
    expect(members(r)).toEqual(["pred[0]"]);
  });

  it("refuses a child of a pending predecessor by default", async () => {
    expect(codes(await withDecision("pending_human_review"))).toEqual([C.DAG_PRED_POLICY]);
  });

  it("accepts a pending predecessor with allowPendingPredecessors, still refusing a rejected one", async () => {
    expect((await withDecision("pending_human_review", { allowPendingPredecessors: true })).valid).toBe(true);
    expect(codes(await withDecision("rejected", { allowPendingPredecessors: true }))).toEqual([
      C.DAG_PRED_POLICY,
    ]);
  });

  it("accepts an approved predecessor and one without a decision", async () => {
    expect((await withDecision("approved")).valid).toBe(true);
    const parent = ect({ ect_ext: { note: "no policy" } });
    expect((await validateDag(ect({ pred: [parent.jti] }), new TestStore().put(parent))).valid).toBe(true);
  });

  it("with predecessorPolicy off, accepts rejected and pending predecessors", async () => {
    expect((await withDecision("rejected", { predecessorPolicy: false })).valid).toBe(true);
    expect((await withDecision("pending_human_review", { predecessorPolicy: false })).valid).toBe(true);
  });

  it("judges only direct predecessors", async () => {
    const grand = ect({ ect_ext: { pol: "p", pol_decision: "rejected" } });
    const parent = ect({ pred: [grand.jti] });
    const r = await validateDag(ect({ pred: [parent.jti] }), new TestStore().put(grand, parent));
    expect(r.valid).toBe(true);
  });
});

describe("every violation at once", () => {
  it("reports rules in order, each with its member", async () => {
    const wid = uuid();
    const stored = ect({ wid });
    const late = ect({ wid, iat: T0 + 100 });
    const rejected = ect({ wid, ect_ext: { pol: "p", pol_decision: "rejected" } });
    const other = ect();
    const store = new TestStore().put(stored, late, rejected, other);
    const child = ect({
      wid,
      jti: stored.jti,
      pred: [uuid(), late.jti, rejected.jti, other.jti],
    });
    const r = await validateDag(child, store);
    expect(r.valid).toBe(false);
    expect(r.violations.map((v) => [v.code, v.member])).toEqual([
      [C.DAG_DUPLICATE_JTI, "jti"],
      [C.DAG_PRED_MISSING, "pred[0]"],
      [C.DAG_WORKFLOW_MISMATCH, "pred[3]"],
      [C.DAG_TEMPORAL_ORDER, "pred[1]"],
      [C.DAG_PRED_POLICY, "pred[2]"],
    ]);
    for (const v of r.violations) expect(v.message).toMatch(/jti|pred\[\d\]/);
  });

  it("looks a duplicated pred entry up once and reports it once", async () => {
    const missing = uuid();
    const store = new TestStore();
    const r = await validateDag(ect({ pred: [missing, missing.toUpperCase()] }), store);
    expect(members(r)).toEqual(["pred[0]"]);
    expect(store.lookups).toBe(2); // itself + one predecessor
  });
});

describe("options and inputs", () => {
  it.each([
    [{ maxTraversal: -1 }],
    [{ maxTraversal: 1.5 }],
    [{ maxTraversal: Number.POSITIVE_INFINITY }],
    [{ maxTraversal: "10" }],
    [{ clockSkewSec: -1 }],
    [{ clockSkewSec: Number.NaN }],
    [{ unresolvedPredecessors: "maybe" }],
    [{ predecessorPolicy: "yes" }],
    [{ allowPendingPredecessors: 1 }],
    [{ maxTraversl: 5 }],
  ])("refuses the option %o with ECT_CONFIG_INVALID", async (options) => {
    await expect(validateDag(ect(), new TestStore(), options as never)).rejects.toMatchObject({
      code: C.CONFIG_INVALID,
    });
    expect(() => createDagValidator(options as never)).toThrowError(
      expect.objectContaining({ code: C.CONFIG_INVALID }),
    );
  });

  it.each([
    ["pred", { pred: "0b0c3c4e-4bce-4c8e-9b7c-3f9a1e0d2c11" }, C.PRED_INVALID],
    ["pred", { pred: [1] }, C.PRED_INVALID],
    ["jti", { jti: 7 }, C.JTI_INVALID],
    ["wid", { wid: 7 }, C.WID_INVALID],
    ["iat", { iat: "now" }, C.IAT_INVALID],
  ])("refuses claims whose %s has the wrong shape", async (_name, patch, code) => {
    await expect(
      validateDag({ ...ect(), ...patch } as unknown as EctClaims, new TestStore()),
    ).rejects.toMatchObject({
      code,
    });
  });

  it("lets a store failure propagate", async () => {
    const failure = new Error("connection reset");
    await expect(
      validateDag(ect(), {
        getEct: async () => {
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
  });
});

describe("createDagValidator", () => {
  it("runs the same rules with its options", async () => {
    const validate = createDagValidator({ unresolvedPredecessors: "allow" });
    const missing = uuid();
    const r = await validate(ect({ pred: [missing] }), new TestStore());
    expect(r).toEqual({ valid: true, violations: [], unresolvedPredecessors: [missing] });
    const strict = createDagValidator();
    expect(codes(await strict(ect({ pred: [missing] }), new TestStore()))).toEqual([C.DAG_PRED_MISSING]);
  });

  it("works over a chain", async () => {
    const nodes = chain(5);
    const store = new TestStore().put(...nodes);
    const r = await createDagValidator()(ect({ pred: [nodes[4]!.jti], iat: T0 + 10 }), store);
    expect(r.valid).toBe(true);
  });
});
