/**
 * Time (SPEC 4, 5.8) as a model check: for random settings and clock readings within a couple of
 * seconds of each boundary (millisecond resolution, both sides), the verifier decides exactly as
 * `exp + skew > now`, `iat <= now + maxFuture`, `iat >= now - maxAge` say, in that order, and an
 * accepted token is a replay at the same instant. Plus a clock stepping back under a workflow.
 */
import { createEct } from "ect-crypto";
import { dagCheck } from "ect-dag";
import { MemoryLedger } from "ect-ledger-memory";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  C,
  claimsOf,
  claimsTextOf,
  expectRefused,
  ISS_B,
  makeWorld,
  mint,
  randomUUID,
  T0,
  type World,
} from "./support/world.js";

let w: World;
beforeAll(async () => {
  w = await makeWorld();
});

describe("SPEC 5.8 boundaries, model-checked", () => {
  it("every decision matches the model at millisecond resolution around each boundary", async () => {
    const settings = fc.record({
      clockSkewSec: fc.integer({ min: 0, max: 120 }),
      iatMaxFutureSec: fc.integer({ min: 0, max: 120 }),
      iatMaxAgeMinutes: fc.integer({ min: 1, max: 30 }),
    });
    await fc.assert(
      fc.asyncProperty(
        settings,
        fc.integer({ min: -3600, max: 3600 }), // iat offset from T0, seconds
        fc.integer({ min: 1, max: 3600 }), // lifetime exp - iat
        fc.constantFrom("exp", "future", "age"),
        fc.integer({ min: -2000, max: 2000 }), // ms around the boundary
        async (config, iatOffset, lifetime, boundary, deltaMs) => {
          const iat = T0 + iatOffset;
          const exp = iat + lifetime;
          const edgeMs =
            boundary === "exp"
              ? (exp + config.clockSkewSec) * 1000
              : boundary === "future"
                ? (iat - config.iatMaxFutureSec) * 1000
                : (iat + config.iatMaxAgeMinutes * 60) * 1000;
          const nowMs = edgeMs + deltaMs;
          const expected = !(exp * 1000 + config.clockSkewSec * 1000 > nowMs)
            ? C.EXPIRED
            : iat * 1000 > nowMs + config.iatMaxFutureSec * 1000
              ? C.IAT_IN_FUTURE
              : iat * 1000 < nowMs - config.iatMaxAgeMinutes * 60_000
                ? C.IAT_TOO_OLD
                : "accepted";
          const token = await createEct(claimsOf({ iat, exp }) as never, w.keyA, { clock: () => nowMs });
          const verifier = w.verifier({ config, clock: () => nowMs });
          const result = await verifier.safeVerify(token);
          expect(result.ok ? "accepted" : result.error.code).toBe(expected);
          if (result.ok) await expectRefused(verifier.verify(token), C.REPLAY);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("at the exact boundaries: exp + skew == now refused, iat == now + maxFuture and iat == now - maxAge accepted", async () => {
    const config = { clockSkewSec: 30, iatMaxFutureSec: 30, iatMaxAgeMinutes: 15 };
    const cases: [number, number, number, string][] = [
      // [iat, exp, now (s), expected]
      [T0 - 60, T0, T0 + 30, C.EXPIRED], // exp exactly now - skew
      [T0 - 60, T0, T0 + 29.999, "accepted"],
      [T0 + 30, T0 + 90, T0, "accepted"], // iat exactly now + maxFuture
      [T0 + 31, T0 + 90, T0, C.IAT_IN_FUTURE],
      [T0 - 900, T0 + 60, T0, "accepted"], // iat exactly now - maxAge
      [T0 - 900, T0 + 60, T0 + 0.001, C.IAT_TOO_OLD],
    ];
    for (const [iat, exp, now, expected] of cases) {
      const token = await createEct(claimsOf({ iat, exp }) as never, w.keyA, { clock: () => now * 1000 });
      const result = await w.verifier({ config, clock: () => now * 1000 }).safeVerify(token);
      expect([iat - T0, now - T0, result.ok ? "accepted" : result.error.code]).toEqual([
        iat - T0,
        now - T0,
        expected,
      ]);
    }
  });
});

describe("a clock stepping back under a workflow", () => {
  it("after a step back larger than the skew, a fresh child of a recent parent cannot be accepted until the clock catches up", async () => {
    const ledger = new MemoryLedger();
    const verifier = () => w.verifier({ ledger, checks: [dagCheck({ store: ledger })] });
    const wid = randomUUID();
    w.clock.setSeconds(T0 + 100);
    const parent = await mint(w.keyA, { wid, iat: T0 + 100, exp: T0 + 700 });
    await verifier().verify(parent);
    w.clock.setSeconds(T0); // NTP steps back 100 s
    const pred = [JSON.parse(claimsTextOf(parent)).jti];
    // A child stamped by the stepped-back clock predates its parent by more than the skew.
    await expectRefused(
      verifier().verify(await mint(w.keyB, { iss: ISS_B, wid, iat: T0, pred })),
      C.DAG_TEMPORAL_ORDER,
    );
    // A child stamped by a correct clock is "in the future" for this verifier.
    const honest = await mint(w.keyB, { iss: ISS_B, wid, iat: T0 + 100, pred });
    await expectRefused(verifier().verify(honest), C.IAT_IN_FUTURE);
    // The parent itself now looks issued in the future (the time rules come before any replay check).
    await expectRefused(w.verifier({ ledger }).verify(parent), C.IAT_IN_FUTURE);
    w.clock.setSeconds(T0 + 70); // within maxFuture again
    expect((await verifier().verify(honest)).level).toBe(3);
  });
});
