import { EctErrorCodes as C, type EctClaims, EctError, type VerificationContext } from "ect-core";
import { describe, expect, it } from "vitest";
import { dagCheck } from "../src/index.js";
import { ect, T0, TestStore, uuid } from "./fixtures/memory-store.js";

const context = (claims: EctClaims): VerificationContext => ({
  token: "token",
  level: 2,
  header: { alg: "ES256", typ: "exec+jwt", kid: "k1" },
  claims,
  now: T0,
});

describe("dagCheck (SPEC 5 step 9)", () => {
  it("passes a valid token and reports no unresolved predecessors", async () => {
    const parent = ect();
    const check = dagCheck({ store: new TestStore().put(parent) });
    expect(await check(context(ect({ pred: [parent.jti] })))).toEqual({ unresolvedPredecessors: [] });
  });

  it("carries its store as dagRulesOver, so a verifier can tell which ledger it duplicates", () => {
    const store = new TestStore();
    expect(dagCheck({ store }).dagRulesOver).toBe(store);
  });

  it("returns the predecessors it allowed while unresolved", async () => {
    const missing = uuid();
    const check = dagCheck({ store: new TestStore(), unresolvedPredecessors: "allow" });
    expect(await check(context(ect({ pred: [missing] })))).toEqual({ unresolvedPredecessors: [missing] });
  });

  it("throws the first violation's code and member with every violation in details", async () => {
    const stored = ect();
    const late = ect({ iat: T0 + 600 });
    const check = dagCheck({ store: new TestStore().put(stored, late) });
    const error = await Promise.resolve(
      check(context(ect({ jti: stored.jti, pred: [uuid(), late.jti] }))),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EctError);
    const e = error as EctError;
    expect(e.code).toBe(C.DAG_DUPLICATE_JTI);
    expect(e.member).toBe("jti");
    expect(e.details.map((d) => [d.code, d.member])).toEqual([
      [C.DAG_DUPLICATE_JTI, "jti"],
      [C.DAG_PRED_MISSING, "pred[0]"],
      [C.DAG_TEMPORAL_ORDER, "pred[1]"],
    ]);
  });

  it("applies its rule options", async () => {
    const pending = ect({ ect_ext: { pol: "p", pol_decision: "pending_human_review" } });
    const store = new TestStore().put(pending);
    const child = context(ect({ pred: [pending.jti] }));
    await expect(Promise.resolve(dagCheck({ store })(child))).rejects.toMatchObject({
      code: C.DAG_PRED_POLICY,
    });
    await expect(
      Promise.resolve(dagCheck({ store, allowPendingPredecessors: true })(child)),
    ).resolves.toEqual({
      unresolvedPredecessors: [],
    });
  });

  it("refuses bad options and a missing store when it is created", () => {
    expect(() => dagCheck({ store: new TestStore(), maxTraversal: -5 })).toThrowError(
      expect.objectContaining({ code: C.CONFIG_INVALID, option: "maxTraversal" }),
    );
    expect(() => dagCheck({} as never)).toThrowError(expect.objectContaining({ code: C.CONFIG_INVALID }));
    expect(() => dagCheck({ store: {} } as never)).toThrowError(
      expect.objectContaining({ code: C.CONFIG_INVALID, option: "store" }),
    );
    expect(() => dagCheck({ store: new TestStore(), sotre: 1 } as never)).toThrowError(
      expect.objectContaining({ code: C.CONFIG_INVALID, option: "sotre" }),
    );
  });
});
