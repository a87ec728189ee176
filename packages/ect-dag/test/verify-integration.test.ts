import { EctErrorCodes as C, type EctError } from "ect-core";
import { createEct, createEctVerifier, generateEctKeyPair, staticKeyResolver } from "ect-crypto";
import { describe, expect, it } from "vitest";
import { dagCheck } from "../src/index.js";
import { T0, TestStore, uuid } from "./fixtures/memory-store.js";

const ISS = "spiffe://example.org/agent/a";
const AUD = "spiffe://example.org/agent/b";

/** Signed tokens through the real verifier (ect-crypto) with dagCheck as its SPEC 5 step 9. */
describe("dagCheck inside verifyEct", async () => {
  const pair = await generateEctKeyPair({ kid: "agent-a" });
  const keys = staticKeyResolver([{ iss: ISS, key: pair }]);
  const clock = () => T0 * 1000;
  const wid = uuid();
  const sign = (exec_act: string, pred: string[]) =>
    createEct({ iss: ISS, aud: AUD, wid, exec_act, pred }, pair, { clock });

  it("accepts a workflow in order and refuses a forged predecessor with every violation", async () => {
    const store = new TestStore();
    const verifier = createEctVerifier({ verifierId: AUD, keys, clock, checks: [dagCheck({ store })] });
    const plan = await verifier.verify(await sign("plan", []));
    store.put(plan.claims);
    const step = await verifier.verify(await sign("step", [plan.claims.jti]));
    expect(step.unresolvedPredecessors).toEqual([]);
    store.put(step.claims);

    const forged = await sign("forged", [step.claims.jti, uuid()]);
    const error = (await verifier.verify(forged).catch((e: unknown) => e)) as EctError;
    expect(error.code).toBe(C.DAG_PRED_MISSING);
    expect(error.member).toBe("pred[1]");
    expect(error.details.map((d) => d.code)).toEqual([C.DAG_PRED_MISSING]);
  });

  it("reports predecessors allowed while unresolved, and a refusal does not burn the jti", async () => {
    const store = new TestStore();
    const missing = uuid();
    const token = await sign("cross-org", [missing]);
    const strict = createEctVerifier({ verifierId: AUD, keys, clock, checks: [dagCheck({ store })] });
    await expect(strict.verify(token)).rejects.toMatchObject({ code: C.DAG_PRED_MISSING });
    // Same verifier, same replay cache: now the predecessor is known and the token passes.
    store.put({
      iss: ISS,
      aud: AUD,
      wid,
      jti: missing,
      iat: T0 - 60,
      exp: T0 + 600,
      exec_act: "upstream",
      pred: [],
    });
    expect((await strict.verify(token)).unresolvedPredecessors).toEqual([]);

    const lenient = createEctVerifier({
      verifierId: AUD,
      keys,
      clock,
      checks: [dagCheck({ store: new TestStore(), unresolvedPredecessors: "allow" })],
    });
    expect((await lenient.verify(token)).unresolvedPredecessors).toEqual([missing]);
  });

  it("is skipped at level 3 over a ledger that enforces the DAG rules itself (they run once, profile §6)", async () => {
    /** A ledger over `store` whose append is counted; `enforcesDagRules` as given. */
    const ledgerOver = (store: TestStore, enforcesDagRules: boolean) => {
      const appended: string[] = [];
      const ledger = Object.assign(store, {
        enforcesDagRules,
        async append(token: string) {
          appended.push(token);
          return {
            status: "appended",
            entry: {},
            receipt: { index: 0, jti: "", wid: null, leafHash: "", ingestedAt: 0 },
            unresolvedPredecessors: [],
          };
        },
      });
      return { ledger: ledger as never, appended };
    };
    const orphan = await sign("orphan", [uuid()]);
    // The check alone would refuse the missing predecessor; the enforcing ledger decides instead.
    const enforcing = ledgerOver(new TestStore(), true);
    const once = createEctVerifier({
      verifierId: AUD,
      keys,
      clock,
      ledger: enforcing.ledger,
      checks: [dagCheck({ store: enforcing.ledger })],
    });
    expect((await once.verify(orphan)).level).toBe(3);
    expect(enforcing.appended).toEqual([orphan]);
    const lax = ledgerOver(new TestStore(), false);
    const twice = createEctVerifier({
      verifierId: AUD,
      keys,
      clock,
      ledger: lax.ledger,
      checks: [dagCheck({ store: lax.ledger })],
    });
    await expect(twice.verify(orphan)).rejects.toMatchObject({ code: C.DAG_PRED_MISSING });
    expect(lax.appended).toEqual([]);
  });
});
