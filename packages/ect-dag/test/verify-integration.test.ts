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
});
