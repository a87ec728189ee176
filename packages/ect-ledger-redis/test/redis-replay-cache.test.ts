import { EctConfigError, EctErrorCodes, isEctError } from "ect-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisReplayCache, type RedisReplayCacheOptions } from "../src/index.js";
import {
  freePort,
  type RedisClusterHandle,
  type RedisServerHandle,
  startRedisCluster,
  startRedisServer,
  startTcpProxy,
} from "../src/testing/index.js";

// SPEC 5.10 replay protection shared through Redis: an atomic check-and-record keyed by
// (wid or "", jti), case-insensitive.

let server: RedisServerHandle;
const caches: RedisReplayCache[] = [];
const uuid = () => globalThis.crypto.randomUUID();
const NOW = 1_767_225_600; // a verifier clock far from the server's: the TTL must not depend on it

function cache(options: Partial<RedisReplayCacheOptions> = {}): RedisReplayCache {
  const made = new RedisReplayCache({
    url: server.url,
    namespace: `t-${uuid()}`,
    ...options,
  } as RedisReplayCacheOptions);
  caches.push(made);
  return made;
}

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  for (const c of caches) await c.close();
  await server?.stop();
});

describe("RedisReplayCache", () => {
  it("records a pair once, refuses it after, case-insensitively and per wid scope; release frees it", async () => {
    const c = cache();
    const wid = uuid();
    const jti = uuid();
    const record = { wid, jti, expiresAt: NOW + 900, now: NOW };
    expect(await c.checkAndRecord(record)).toBe(true);
    expect(await c.checkAndRecord(record)).toBe(false);
    expect(await c.checkAndRecord({ ...record, wid: wid.toUpperCase(), jti: jti.toUpperCase() })).toBe(false);
    expect(await c.checkAndRecord({ ...record, wid: null })).toBe(true); // another scope
    expect(await c.checkAndRecord({ ...record, wid: uuid() })).toBe(true);
    await c.release({ wid: wid.toUpperCase(), jti });
    expect(await c.checkAndRecord(record)).toBe(true);
    expect(await c.checkAndRecord(record)).toBe(false);
  });

  it("two caches (two verifiers) on one namespace share records; other namespaces do not", async () => {
    const a = cache();
    const b = cache({ namespace: a.namespace });
    const other = cache();
    const record = { wid: undefined, jti: uuid(), expiresAt: NOW + 60, now: NOW };
    expect(await a.checkAndRecord(record)).toBe(true);
    expect(await b.checkAndRecord(record)).toBe(false);
    expect(await other.checkAndRecord(record)).toBe(true);
  });

  it("of 50 concurrent checks of one pair from two caches, exactly one records", async () => {
    const a = cache();
    const b = cache({ namespace: a.namespace });
    const record = { wid: uuid(), jti: uuid(), expiresAt: NOW + 60, now: NOW };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).checkAndRecord(record)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("keeps a record for expiresAt - now seconds of the verifier's clock (at least one)", async () => {
    const c = cache();
    const jti = uuid();
    await c.checkAndRecord({ wid: null, jti, expiresAt: NOW + 900, now: NOW });
    const ttl = Number((await server.command("PTTL", c.keyOf(null, jti))).slice(1));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(900_000);
    const expired = uuid();
    await c.checkAndRecord({ wid: null, jti: expired, expiresAt: NOW - 10, now: NOW });
    const minimum = Number((await server.command("PTTL", c.keyOf(null, expired))).slice(1));
    expect(minimum).toBeGreaterThan(0);
    expect(minimum).toBeLessThanOrEqual(1000);
    expect(c.keyOf("ABC", "DEF")).toBe(`ect:replay:${c.namespace}:abc|def`);
  });

  it("a lost reply is retried and still answers true for the call that recorded (then false)", async () => {
    const proxy = await startTcpProxy({ targetPort: server.port });
    try {
      const c = cache({ url: proxy.url, commandTimeoutMs: 300 });
      const record = { wid: null, jti: uuid(), expiresAt: NOW + 60, now: NOW };
      await c.checkAndRecord({ wid: null, jti: uuid(), expiresAt: NOW + 60, now: NOW }); // connected
      const lost = proxy.loseNextReply("hang");
      expect(await c.checkAndRecord(record)).toBe(true);
      await lost;
      expect(await c.checkAndRecord(record)).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it("fails closed with ECT_LEDGER_UNAVAILABLE when Redis cannot be reached; bad options are ECT_CONFIG_INVALID", async () => {
    const port = await freePort();
    const c = cache({ url: `redis://127.0.0.1:${port}`, retryBudgetMs: 800, connectTimeoutMs: 200 });
    const error = await c
      .checkAndRecord({ wid: null, jti: uuid(), expiresAt: NOW + 60, now: NOW })
      .catch((e) => e);
    expect(isEctError(error) && error.code).toBe(EctErrorCodes.LEDGER_UNAVAILABLE);
    const ok = cache();
    for (const bad of [
      { wid: 7, jti: uuid(), expiresAt: NOW + 60, now: NOW },
      { wid: null, jti: 7, expiresAt: NOW + 60, now: NOW },
      { wid: null, jti: uuid(), expiresAt: Number.NaN, now: NOW },
    ]) {
      const refused = await ok.checkAndRecord(bad as never).catch((e) => e);
      expect(isEctError(refused) && refused.code).toBe(EctErrorCodes.CONFIG_INVALID);
    }
    // Option mistakes: an EctConfigError (a TypeError, code ECT_CONFIG_INVALID) naming the option.
    for (const [options, option] of [
      [{ namespace: "" }, "namespace"],
      [{ namespace: "a b" }, "namespace"],
      [{ namespace: "{x}" }, "namespace"],
      [{ namespce: "n" }, "namespce"],
      [{ startupCheck: "always" }, "startupCheck"],
      [{ onWarning: 1 }, "onWarning"],
      [{ retryBudgetMs: 0 }, "retryBudgetMs"],
    ] as const) {
      let thrown: unknown;
      try {
        new RedisReplayCache({ url: server.url, ...options } as never);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, option).toBeInstanceOf(EctConfigError);
      expect(thrown).toBeInstanceOf(TypeError);
      expect(thrown).toMatchObject({ code: EctErrorCodes.CONFIG_INVALID, option });
    }
  });

  it("warns when the eviction policy could drop replay records (any policy but noeviction)", async () => {
    await server.command("CONFIG", "SET", "maxmemory-policy", "volatile-lru");
    try {
      const warnings: string[] = [];
      const c = cache({ onWarning: (m) => warnings.push(m) });
      await c.checkAndRecord({ wid: null, jti: uuid(), expiresAt: NOW + 60, now: NOW });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/volatile-lru can evict replay records/);
      const refusing = cache({ startupCheck: "refuse" });
      const error = await refusing
        .checkAndRecord({ wid: null, jti: uuid(), expiresAt: NOW + 60, now: NOW })
        .catch((e) => e);
      expect(isEctError(error) && error.code).toBe(EctErrorCodes.CONFIG_INVALID);
    } finally {
      await server.command("CONFIG", "SET", "maxmemory-policy", "noeviction");
    }
  });
});

describe("RedisReplayCache on Redis Cluster", () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("records spread over the masters and are still shared", async () => {
    const a = new RedisReplayCache({ cluster: { rootNodes: cluster.rootNodes }, namespace: "shared" });
    const b = new RedisReplayCache({ cluster: { rootNodes: cluster.rootNodes }, namespace: "shared" });
    caches.push(a, b);
    const records = Array.from({ length: 60 }, () => ({
      wid: null,
      jti: uuid(),
      expiresAt: NOW + 60,
      now: NOW,
    }));
    expect(await Promise.all(records.map((r) => a.checkAndRecord(r)))).toEqual(records.map(() => true));
    expect(await Promise.all(records.map((r) => b.checkAndRecord(r)))).toEqual(records.map(() => false));
    const perNode = await Promise.all(cluster.nodes.map((n) => n.command("DBSIZE")));
    for (const reply of perNode) expect(Number(reply.slice(1))).toBeGreaterThan(0);
  });
});
