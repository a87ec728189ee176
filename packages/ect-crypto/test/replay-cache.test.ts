// MemoryReplayCache (SPEC 4, 5.10): atomic check-and-record, case-insensitive (wid, jti) keys,
// TTL, bounded capacity and the documented policy when full.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryReplayCache } from "../src/index.js";
import { expectCode, expectConfigErrorSync } from "./support/fixtures.js";

const record = (jti: string, expiresAt: number, now: number, wid?: string) => ({ wid, jti, expiresAt, now });

describe("MemoryReplayCache", () => {
  it("records a pair once and reports the replay", async () => {
    const cache = new MemoryReplayCache({ capacity: 10 });
    const jti = crypto.randomUUID();
    expect(await cache.checkAndRecord(record(jti, 200, 100))).toBe(true);
    expect(await cache.checkAndRecord(record(jti, 200, 150))).toBe(false);
    expect(await cache.checkAndRecord(record(jti.toUpperCase(), 200, 150))).toBe(false);
    expect(cache.size).toBe(1);
  });

  it("scopes jti by wid (absent wid is the empty scope), case-insensitively", async () => {
    const cache = new MemoryReplayCache({ capacity: 10 });
    const jti = crypto.randomUUID();
    const wid = crypto.randomUUID();
    expect(await cache.checkAndRecord(record(jti, 200, 100, wid))).toBe(true);
    expect(await cache.checkAndRecord(record(jti, 200, 100, wid.toUpperCase()))).toBe(false);
    expect(await cache.checkAndRecord(record(jti, 200, 100))).toBe(true);
    expect(await cache.checkAndRecord({ wid: null, jti, expiresAt: 200, now: 100 })).toBe(false);
    expect(await cache.checkAndRecord(record(jti, 200, 100, crypto.randomUUID()))).toBe(true);
  });

  it("keeps a record until expiresAt inclusive, then accepts the pair again", async () => {
    const cache = new MemoryReplayCache({ capacity: 10 });
    const jti = crypto.randomUUID();
    await cache.checkAndRecord(record(jti, 200, 100));
    expect(await cache.checkAndRecord(record(jti, 300, 200))).toBe(false);
    expect(await cache.checkAndRecord(record(jti, 300, 200.001))).toBe(true);
    expect(await cache.checkAndRecord(record(jti, 300, 250))).toBe(false);
  });

  it("is atomic: of concurrent calls with one pair exactly one wins", async () => {
    const cache = new MemoryReplayCache({ capacity: 10 });
    const jti = crypto.randomUUID();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => cache.checkAndRecord(record(jti, 200, 100))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("release forgets a record so the token can be accepted later", async () => {
    const cache = new MemoryReplayCache({ capacity: 10 });
    const jti = crypto.randomUUID();
    const wid = crypto.randomUUID();
    await cache.checkAndRecord(record(jti, 200, 100, wid));
    await cache.release({ wid: wid.toUpperCase(), jti: jti.toUpperCase() });
    expect(await cache.checkAndRecord(record(jti, 200, 100, wid))).toBe(true);
    await cache.release({ wid: undefined, jti: crypto.randomUUID() }); // unknown: no-op
  });

  describe("when full", () => {
    it("drops expired entries first, earliest expiry first", async () => {
      const cache = new MemoryReplayCache({ capacity: 3 });
      await cache.checkAndRecord(record("a", 300, 100));
      await cache.checkAndRecord(record("b", 150, 100));
      await cache.checkAndRecord(record("c", 400, 100));
      // At 160 only b has expired: it makes room, a and c stay.
      expect(await cache.checkAndRecord(record("d", 500, 160))).toBe(true);
      expect(await cache.checkAndRecord(record("a", 500, 160))).toBe(false);
      expect(await cache.checkAndRecord(record("c", 500, 160))).toBe(false);
      expect(cache.size).toBe(3);
    });

    it('refuses a new token with ECT_REPLAY_CACHE_UNAVAILABLE rather than forget a live entry ("refuse", default)', async () => {
      const cache = new MemoryReplayCache({ capacity: 2 });
      expect(cache.whenFull).toBe("refuse");
      await cache.checkAndRecord(record("a", 300, 100));
      await cache.checkAndRecord(record("b", 300, 100));
      await expectCode(cache.checkAndRecord(record("c", 300, 100)), "ECT_REPLAY_CACHE_UNAVAILABLE");
      // Nothing was forgotten: both are still replays.
      expect(await cache.checkAndRecord(record("a", 300, 200))).toBe(false);
      expect(await cache.checkAndRecord(record("b", 300, 200))).toBe(false);
      // A replay is still reported as such while full.
      expect(cache.size).toBe(2);
      // Once one expires there is room again.
      expect(await cache.checkAndRecord(record("c", 600, 301))).toBe(true);
    });

    it('evicts the oldest record with "evict-oldest", which re-opens its replay window', async () => {
      const cache = new MemoryReplayCache({ capacity: 2, whenFull: "evict-oldest" });
      await cache.checkAndRecord(record("a", 300, 100));
      await cache.checkAndRecord(record("b", 300, 100));
      expect(await cache.checkAndRecord(record("c", 300, 100))).toBe(true);
      expect(cache.size).toBe(2);
      expect(await cache.checkAndRecord(record("b", 300, 100))).toBe(false);
      // "a" was forgotten: its replay is accepted. This is the documented cost of the policy.
      expect(await cache.checkAndRecord(record("a", 300, 100))).toBe(true);
    });
  });

  it("prune and clear drop entries", async () => {
    const cache = new MemoryReplayCache({ capacity: 10 });
    await cache.checkAndRecord(record("a", 150, 100));
    await cache.checkAndRecord(record("b", 250, 100));
    expect(cache.prune(200)).toBe(1);
    expect(cache.size).toBe(1);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it("takes its capacity from the config and refuses invalid options", () => {
    expect(new MemoryReplayCache().capacity).toBe(100_000);
    expect(new MemoryReplayCache({ config: { jtiReplayCacheSize: 7 } }).capacity).toBe(7);
    // Option mistakes are EctConfigError (a TypeError, code ECT_CONFIG_INVALID) at construction.
    expectConfigErrorSync(() => new MemoryReplayCache({ capacity: 0 }), "capacity");
    expectConfigErrorSync(() => new MemoryReplayCache({ capacity: 1.5 }), "capacity");
    expectConfigErrorSync(
      () => new MemoryReplayCache({ config: { jtiReplayCacheSize: 0 } }),
      "config.jtiReplayCacheSize",
    );
    expectConfigErrorSync(
      () => new MemoryReplayCache({ config: { jtiReplayCacheSiz: 5 } as never }),
      "config.jtiReplayCacheSiz",
    );
    expectConfigErrorSync(() => new MemoryReplayCache({ whenFull: "drop" as never }), "whenFull");
    expectConfigErrorSync(() => new MemoryReplayCache({ capasity: 10 } as never), "capasity");
    expectConfigErrorSync(() => new MemoryReplayCache(null as never), "options");
  });

  it("behaves like a reference model under random operations (never holds more than capacity)", async () => {
    const op = fc.record({
      kind: fc.constantFrom("record", "release"),
      jti: fc.constantFrom("a", "b", "c", "d", "e"),
      ttl: fc.integer({ min: 0, max: 20 }),
      advance: fc.integer({ min: 0, max: 5 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        async (ops, capacity) => {
          const cache = new MemoryReplayCache({ capacity });
          const model = new Map<string, number>();
          let now = 0;
          for (const { kind, jti, ttl, advance } of ops) {
            now += advance;
            if (kind === "release") {
              await cache.release({ wid: undefined, jti });
              model.delete(jti);
              continue;
            }
            const live = [...model].filter(([, expiresAt]) => expiresAt >= now);
            const existing = model.get(jti);
            let expected: boolean | "full";
            if (existing !== undefined && existing >= now) expected = false;
            else if (live.filter(([k]) => k !== jti).length >= capacity) expected = "full";
            else expected = true;
            let actual: boolean | "full";
            try {
              actual = await cache.checkAndRecord(record(jti, now + ttl, now));
            } catch (error) {
              expect((error as { code?: string }).code).toBe("ECT_REPLAY_CACHE_UNAVAILABLE");
              actual = "full";
            }
            expect(actual).toBe(expected);
            if (actual === true) {
              for (const [k, expiresAt] of model) if (expiresAt < now) model.delete(k);
              model.set(jti, now + ttl);
            }
            expect(cache.size).toBeLessThanOrEqual(capacity);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
