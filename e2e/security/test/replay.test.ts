/**
 * Replays (SPEC 5.10, SPEC 7 identity): replay protection is keyed by (wid or "", jti), never by
 * bytes, in the verifier's cache and in the ledger alike; the two layers back each other up.
 */

import { createEct, MemoryReplayCache } from "ect-crypto";
import { dagCheck } from "ect-dag";
import { MemoryLedger } from "ect-ledger-memory";
import { describe, expect, it } from "vitest";
import {
  C,
  claimsOf,
  claimsTextOf,
  expectRefused,
  headerText,
  ISS_A,
  makeWorld,
  malleate,
  mint,
  randomUUID,
  signRaw,
  T0,
  T0_MS,
} from "./support/world.js";

describe("a re-encoded ECDSA signature (s -> n - s) is the same task", () => {
  it("is a valid signature with other bytes: a fresh verifier accepts it", async () => {
    const w = await makeWorld();
    const token = await mint(w.keyA);
    const twin = malleate(token);
    expect(twin).not.toBe(token);
    expect((await w.verifier().verify(twin)).claims.jti).toBe((await w.verifier().verify(token)).claims.jti);
  });

  it("is refused as ECT_REPLAY by the verifier that accepted the original, in either order", async () => {
    const w = await makeWorld();
    const token = await mint(w.keyA);
    const v = w.verifier();
    await v.verify(token);
    await expectRefused(v.verify(malleate(token)), C.REPLAY);
    const other = await mint(w.keyA);
    await v.verify(malleate(other));
    await expectRefused(v.verify(other), C.REPLAY);
  });

  it("is a duplicate at the ledger, which a second verifier with its own cache refuses as ECT_REPLAY", async () => {
    const w = await makeWorld();
    const ledger = new MemoryLedger();
    const token = await mint(w.keyA);
    const first = await w.verifier({ ledger }).verify(token);
    expect(first.level).toBe(3);
    const direct = await ledger.append(malleate(token), { now: T0_MS });
    expect(direct.status).toBe("duplicate");
    // Another instance (restarted, or behind the load balancer) has an empty replay cache.
    await expectRefused(w.verifier({ ledger }).verify(malleate(token)), C.REPLAY);
    expect(await ledger.size()).toBe(1);
    expect(await ledger.conflicts()).toEqual([]);
    // ... and the refusal did not burn anything: the ledger is the backstop every time.
    await expectRefused(w.verifier({ ledger }).verify(token), C.REPLAY);
  });
});

describe("identity is (wid, jti), case-insensitive", () => {
  it("the same jti in another wid (or without wid) is another task: all accepted, all stored", async () => {
    const w = await makeWorld();
    const ledger = new MemoryLedger();
    const v = w.verifier({ ledger });
    const jti = randomUUID();
    const scopes = [undefined, randomUUID(), randomUUID()];
    for (const wid of scopes) {
      const verified = await v.verify(await mint(w.keyA, wid === undefined ? { jti } : { jti, wid }));
      expect(verified.level).toBe(3);
    }
    expect(await ledger.size()).toBe(3);
  });

  it("an upper-case jti (a different token, same issuer) replays a lower-case one", async () => {
    const w = await makeWorld();
    const jti = randomUUID();
    const wid = randomUUID();
    const lower = await mint(w.keyA, { jti, wid, exec_act: "approve" });
    const upper = await mint(w.keyA, { jti: jti.toUpperCase(), wid: wid.toUpperCase(), exec_act: "deny" });
    const ledger = new MemoryLedger();
    await w.verifier({ ledger }).verify(lower);

    const shared = w.verifier({ ledger, replayCache: new MemoryReplayCache() });
    // A fresh cache, same ledger: the ledger keeps the first and the verifier says conflict.
    await expectRefused(shared.verify(upper), C.LEDGER_CONFLICT);
    // With the DAG rules as a check over the same ledger: the ledger enforces them (profile §6), so
    // they run once, in its atomic step, and uniqueness is its identity check: a conflict.
    await expectRefused(
      w.verifier({ ledger, checks: [dagCheck({ store: ledger })] }).verify(upper),
      C.LEDGER_CONFLICT,
    );
    const stored = await ledger.get(wid, jti.toUpperCase());
    expect(stored?.token).toBe(lower);
    expect((await ledger.conflicts()).map((c) => c.token)).toEqual([upper]);
  });

  it("the verifier's own cache refuses an upper-case replay before the ledger is asked", async () => {
    const w = await makeWorld();
    const jti = randomUUID();
    const v = w.verifier();
    await v.verify(await mint(w.keyA, { jti }));
    await expectRefused(
      v.verify(await mint(w.keyA, { jti: jti.toUpperCase(), exec_act: "other" })),
      C.REPLAY,
    );
  });
});

describe("a token for two audiences", () => {
  it("is accepted once per shared state: the second audience sharing the L3 ledger (or the cache) refuses it as a replay", async () => {
    const w = await makeWorld();
    const other = "spiffe://example.org/other-verifier";
    const token = await mint(w.keyA, { aud: ["spiffe://example.org/verifier", other] });
    const ledger = new MemoryLedger();
    expect((await w.verifier({ ledger }).verify(token)).level).toBe(3);
    await expectRefused(w.verifier({ ledger, verifierId: other }).verify(token), C.REPLAY);
    const replayCache = new MemoryReplayCache();
    await w.verifier({ replayCache }).verify(token);
    await expectRefused(w.verifier({ replayCache, verifierId: other }).verify(token), C.REPLAY);
    // Audiences with their own state each accept it once.
    await w.verifier({ verifierId: other }).verify(token);
  });
});

describe("the replay record outlives every moment the token is acceptable (injected clock)", () => {
  // A short replay TTL (1 min) so the record's life is decided by the token, not by the TTL.
  const config = { jtiReplayTtlMin: 1 };

  it("bounded by exp + skew: refused as a replay 1 ms before expiry, as expired at it", async () => {
    const w = await makeWorld();
    const token = await mint(w.keyA, { exp: T0 + 600 });
    const v = w.verifier({ config });
    await v.verify(token);
    w.clock.setSeconds(T0 + 630 - 0.001);
    await expectRefused(v.verify(token), C.REPLAY);
    w.clock.setSeconds(T0 + 630);
    await expectRefused(v.verify(token), C.EXPIRED);
  });

  it("bounded by iat + maxAge: refused as a replay at exactly iat + 15 min, as too old 1 ms later", async () => {
    const w = await makeWorld();
    const token = await mint(w.keyA, { exp: T0 + 3600 });
    const v = w.verifier({ config });
    await v.verify(token);
    w.clock.setSeconds(T0 + 900);
    await expectRefused(v.verify(token), C.REPLAY);
    w.clock.setSeconds(T0 + 900.001);
    await expectRefused(v.verify(token), C.IAT_TOO_OLD);
  });

  it("a token accepted early (iat 30 s ahead) is still covered until its own expiry", async () => {
    const w = await makeWorld();
    const token = await mint(w.keyA, { iat: T0 + 30, exp: T0 + 90 });
    const v = w.verifier({ config });
    await v.verify(token); // now = T0, iat at the maxFuture boundary
    w.clock.setSeconds(T0 + 120 - 0.001); // exp + skew - 1 ms
    await expectRefused(v.verify(token), C.REPLAY);
  });

  it("a clock that goes backwards does not reopen a replay window", async () => {
    const w = await makeWorld();
    const token = await mint(w.keyA);
    const v = w.verifier({ config });
    w.clock.setSeconds(T0 + 20);
    await v.verify(token);
    w.clock.setSeconds(T0 - 25); // NTP step back; the token's iat is now 25 s in the future
    await expectRefused(v.verify(token), C.REPLAY);
    w.clock.setSeconds(T0 - 31);
    await expectRefused(v.verify(token), C.IAT_IN_FUTURE);
  });

  it("a full cache that refuses (default) never forgets a live record; evict-oldest does, by design", async () => {
    const w = await makeWorld();
    const a = await mint(w.keyA);
    const b = await mint(w.keyA);
    const strict = w.verifier({ config, replayCache: new MemoryReplayCache({ capacity: 1 }) });
    await strict.verify(a);
    await expectRefused(strict.verify(b), C.REPLAY_CACHE_UNAVAILABLE);
    await expectRefused(strict.verify(a), C.REPLAY);
    // b was refused for capacity, not burnt: once a's record expires, b is accepted.
    w.clock.setSeconds(T0 + 630.001);
    const b2 = await mint(w.keyA, { iat: T0 + 600, exp: T0 + 1200 });
    await strict.verify(b2);

    // The documented trade-off of "evict-oldest": the evicted token can be replayed while live,
    // unless a ledger backs the cache up.
    const w2 = await makeWorld();
    const ledger = new MemoryLedger();
    const lossy = w2.verifier({
      replayCache: new MemoryReplayCache({ capacity: 1, whenFull: "evict-oldest" }),
    });
    const c = await mint(w2.keyA);
    const d = await mint(w2.keyA);
    await lossy.verify(c);
    await lossy.verify(d);
    expect((await lossy.verify(c)).claims.jti).toBeDefined(); // replay accepted: capacity too small
    const backed = w2.verifier({
      ledger,
      replayCache: new MemoryReplayCache({ capacity: 1, whenFull: "evict-oldest" }),
    });
    await backed.verify(c);
    await backed.verify(d);
    await expectRefused(backed.verify(c), C.REPLAY); // the ledger still holds c
  });
});

describe("refusals after the replay record do not burn the jti", () => {
  it("a child refused by the ledger's DAG rules (parent not yet there) is accepted once the parent is", async () => {
    const w = await makeWorld();
    const ledger = new MemoryLedger();
    const v = w.verifier({ ledger });
    const wid = randomUUID();
    const parent = await mint(w.keyA, { wid, exec_act: "fetch" });
    const parentJti = JSON.parse(claimsTextOf(parent)).jti;
    const child = await mint(w.keyB, { iss: "spiffe://example.org/agent-b", wid, pred: [parentJti] });
    // Out-of-order delivery: the child arrives first.
    await expectRefused(v.verify(child), C.DAG_PRED_MISSING);
    await v.verify(parent);
    expect((await v.verify(child)).level).toBe(3);
    await expectRefused(v.verify(child), C.REPLAY);
  });

  it("a conflicting token refused by the ledger leaves the accepted one protected and itself unburnt", async () => {
    const w = await makeWorld();
    const ledger = new MemoryLedger();
    const jti = randomUUID();
    const original = await mint(w.keyA, { jti, exec_act: "approve" });
    const rival = await mint(w.keyA, { jti, exec_act: "deny" });
    await w.verifier({ ledger }).verify(original);
    const v = w.verifier({ ledger });
    await expectRefused(v.verify(rival), C.LEDGER_CONFLICT);
    // Not burnt in v's cache: a second attempt reaches the ledger again (and is refused there).
    await expectRefused(v.verify(rival), C.LEDGER_CONFLICT);
    // The original is still a replay for v, through the ledger.
    await expectRefused(v.verify(original), C.REPLAY);
    expect((await ledger.conflicts()).length).toBe(1);
  });
});

describe("races", () => {
  it("50 concurrent verifications of one token through one verifier: exactly one accepted", async () => {
    const w = await makeWorld();
    const v = w.verifier({ ledger: new MemoryLedger() });
    const token = await mint(w.keyA);
    const results = await Promise.all(Array.from({ length: 50 }, () => v.safeVerify(token)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(new Set(results.flatMap((r) => (r.ok ? [] : [r.error.code])))).toEqual(new Set([C.REPLAY]));
  });

  it("50 verifier instances (own caches) sharing one ledger, mixing a token and its re-encoding: exactly one accepted", async () => {
    const w = await makeWorld();
    const ledger = new MemoryLedger();
    const token = await mint(w.keyA, { wid: randomUUID() });
    const twin = malleate(token);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        w.verifier({ ledger, checks: [dagCheck({ store: ledger })] }).safeVerify(i % 2 ? token : twin),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results) if (!r.ok) expect([C.REPLAY, C.DAG_DUPLICATE_JTI]).toContain(r.error.code);
    expect(await ledger.size()).toBe(1);
    expect(await ledger.conflicts()).toEqual([]);
  });

  it("50 instances sharing one cache race 50 different tokens with one jti: one accepted, no conflict stored", async () => {
    const w = await makeWorld();
    const ledger = new MemoryLedger();
    const replayCache = new MemoryReplayCache();
    const jti = randomUUID();
    const tokens = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        mint(w.keyA, { jti: i % 2 ? jti : jti.toUpperCase(), exec_act: `act-${i}` }),
      ),
    );
    const results = await Promise.all(tokens.map((t) => w.verifier({ ledger, replayCache }).safeVerify(t)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(new Set(results.flatMap((r) => (r.ok ? [] : [r.error.code])))).toEqual(new Set([C.REPLAY]));
    // The shared cache stopped the rivals before the ledger: no evidence records needed.
    expect(await ledger.conflicts()).toEqual([]);
  });
});

describe("no replay cache at all (allowNoReplayCheck) but an L3 ledger", () => {
  it("the ledger alone refuses replays, re-encodings and rivals, also under 50 concurrent presentations", async () => {
    const w = await makeWorld();
    const ledger = new MemoryLedger();
    const v = w.verifier({ ledger, allowNoReplayCheck: true, config: { jtiReplayCacheSize: 0 } });
    expect(v.replayCache).toBeUndefined();
    const jti = randomUUID();
    const token = await mint(w.keyA, { jti });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => v.safeVerify(i % 2 ? token : malleate(token))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(new Set(results.flatMap((r) => (r.ok ? [] : [r.error.code])))).toEqual(new Set([C.REPLAY]));
    await expectRefused(
      v.verify(await mint(w.keyA, { jti: jti.toUpperCase(), exec_act: "rival" })),
      C.LEDGER_CONFLICT,
    );
    // Without the ledger, the same options accept every replay: that is what the flag means.
    const open = w.verifier({ allowNoReplayCheck: true, config: { jtiReplayCacheSize: 0 } });
    await open.verify(token);
    await open.verify(token);
  });
});

describe("L3 with the verifier's clock", () => {
  // Fixed in ect-crypto (found by this suite): the verifier handed the ledger `now: now * 1000`
  // with `now = clock() / 1000`; for a clock with fractional milliseconds (performance.timeOrigin
  // + performance.now()) and for some integer readings (2038-07-03T05:20:20.049Z) that is not an
  // integer, the ledger refused it with ECT_CONFIG_INVALID, and every valid token was refused.
  it("accepts a valid token at L3 whatever milliseconds the clock returns, recording them floored", async () => {
    const w = await makeWorld();
    for (const ms of [T0_MS + 0.5, 2161747220049]) {
      w.clock.ms = ms;
      const token = await mint(w.keyA, { iat: Math.floor(ms / 1000), exp: Math.floor(ms / 1000) + 600 });
      const ledger = new MemoryLedger();
      const verified = await w.verifier({ ledger }).verify(token);
      expect(verified.level).toBe(3);
      expect((await ledger.getByIndex(0))?.ingestedAt).toBe(Math.floor(ms));
    }
  });

  it("an L1 token through a minLevel-1 verifier with a ledger is refused (ledgers store only JWS) and not burnt", async () => {
    const w = await makeWorld();
    const ledger = new MemoryLedger();
    const l1 = await createEct(claimsOf() as never, null, {
      level: 1,
      clock: () => T0_MS,
    });
    const v = w.verifier({ ledger, minLevel: 1 });
    await expectRefused(v.verify(l1), C.LEVEL_TOO_LOW);
    await expectRefused(v.verify(l1), C.LEVEL_TOO_LOW); // not C.REPLAY: the record was released
    expect(await ledger.size()).toBe(0);
    // Without a ledger the same verifier accepts it (and only once).
    const plain = w.verifier({ minLevel: 1 });
    await plain.verify(l1);
    await expectRefused(plain.verify(l1), C.REPLAY);
  });
});

describe("replay of a JSON re-encoding signed by the issuer", () => {
  it("whitespace and \\u escapes change the bytes, not the task: replay for the verifier, conflict for the ledger", async () => {
    const w = await makeWorld();
    const token = await mint(w.keyA);
    const claims = JSON.parse(claimsTextOf(token));
    const escapedJti = [...claims.jti]
      .map((ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`)
      .join("");
    const reencoded = await signRaw(
      headerText(w.keyA),
      ` {\n "iss" : "${ISS_A}", "aud":${JSON.stringify(claims.aud)},"iat":${claims.iat},"exp":${claims.exp},"jti":"${escapedJti}","exec_act":"review","pred":[ ] }\t`,
      w.keyA,
    );
    // On its own it is a fine token.
    expect((await w.verifier().verify(reencoded)).claims.jti).toBe(claims.jti);
    const ledger = new MemoryLedger();
    await w.verifier({ ledger }).verify(token);
    const v = w.verifier({ ledger });
    await v.verify(await mint(w.keyA));
    await expectRefused(v.verify(reencoded), C.LEDGER_CONFLICT);
    const shared = w.verifier({ ledger });
    await expectRefused(shared.verify(token), C.REPLAY);
  });
});
