import { EctConfigError, EctErrorCodes, isEctError } from "ect-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresReplayCache, type PostgresReplayCacheOptions } from "../src/index.js";
import {
  type PostgresServerHandle,
  startPostgresFaultProxy,
  startPostgresServer,
} from "../src/testing/index.js";

// Profile §5 step 10 replay protection shared through PostgreSQL: an atomic check-and-record keyed
// by (wid or "", jti), case-insensitive. Mirrors the Redis replay cache's tests.

let server: PostgresServerHandle;
let admin: pg.Client;
const caches: PostgresReplayCache[] = [];
const uuid = () => globalThis.crypto.randomUUID();
const NOW = 1_767_225_600; // a verifier clock far from the server's: the expiry must not depend on it

function cache(options: Partial<PostgresReplayCacheOptions> = {}): PostgresReplayCache {
  const made = new PostgresReplayCache({
    connectionString: server.connectionString,
    namespace: `t-${uuid()}`,
    maxConnections: 4,
    ...options,
  } as PostgresReplayCacheOptions);
  caches.push(made);
  return made;
}

async function storedCount(namespace: string): Promise<number> {
  const { rows } = await admin.query(
    "SELECT count(*)::int AS n FROM ect.replay_records WHERE namespace = $1",
    [namespace],
  );
  return rows[0].n;
}

beforeAll(async () => {
  server = await startPostgresServer();
  admin = new pg.Client({ connectionString: server.connectionString });
  await admin.connect();
  await cache().migrate();
});
afterAll(async () => {
  for (const c of caches) await c.close();
  await admin?.end();
  await server?.stop();
});

describe("PostgresReplayCache", () => {
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
    expect(await storedCount(a.namespace)).toBe(1);
  });

  it("keeps a record for expiresAt - now seconds of the verifier's clock (at least one)", async () => {
    const c = cache();
    const jti = uuid();
    await c.checkAndRecord({ wid: null, jti, expiresAt: NOW + 900, now: NOW });
    const expired = uuid();
    await c.checkAndRecord({ wid: null, jti: expired, expiresAt: NOW - 10, now: NOW });
    const ttl = async (key: string) => {
      const { rows } = await admin.query(
        "SELECT extract(epoch FROM expires_at - now()) * 1000 AS ms FROM ect.replay_records WHERE namespace = $1 AND key = $2",
        [c.namespace, key],
      );
      return Number(rows[0].ms);
    };
    const long = await ttl(c.keyOf(null, jti));
    expect(long).toBeGreaterThan(0);
    expect(long).toBeLessThanOrEqual(900_000);
    const minimum = await ttl(c.keyOf(null, expired));
    expect(minimum).toBeGreaterThan(0);
    expect(minimum).toBeLessThanOrEqual(1000);
    expect(c.keyOf("ABC", "DEF")).toBe("abc|def");
  });

  it("an expired record is overwritten by the next check of its pair (true), and purged without waiting for locked rows", async () => {
    const c = cache({ purgeEvery: 0 });
    const records = Array.from({ length: 5 }, () => ({
      wid: null,
      jti: uuid(),
      expiresAt: NOW + 60,
      now: NOW,
    }));
    for (const r of records) expect(await c.checkAndRecord(r)).toBe(true);
    // Move every record's expiry into the past (the server's clock decides expiry).
    await admin.query(
      "UPDATE ect.replay_records SET expires_at = now() - interval '1 second' WHERE namespace = $1",
      [c.namespace],
    );
    expect(await c.checkAndRecord(records[0]!)).toBe(true); // expired: recorded again
    expect(await c.checkAndRecord(records[0]!)).toBe(false);
    // Another session holds one expired row: the purge skips it instead of waiting.
    const holder = new pg.Client({ connectionString: server.connectionString });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM ect.replay_records WHERE namespace = $1 AND key = $2 FOR UPDATE", [
        c.namespace,
        c.keyOf(null, records[1]!.jti),
      ]);
      expect(await c.purgeExpired()).toBe(3);
      await holder.query("COMMIT");
    } finally {
      await holder.end();
    }
    expect(await storedCount(c.namespace)).toBe(2); // the live one and the skipped one
    expect(await c.purgeExpired()).toBe(1);
    expect(await storedCount(c.namespace)).toBe(1);
  });

  it("purges expired records in the background every purgeEvery recorded tokens", async () => {
    const c = cache({ purgeEvery: 3 });
    await c.checkAndRecord({ wid: null, jti: uuid(), expiresAt: NOW + 60, now: NOW });
    await c.checkAndRecord({ wid: null, jti: uuid(), expiresAt: NOW + 60, now: NOW });
    await admin.query(
      "UPDATE ect.replay_records SET expires_at = now() - interval '1 second' WHERE namespace = $1",
      [c.namespace],
    );
    await c.checkAndRecord({ wid: null, jti: uuid(), expiresAt: NOW + 60, now: NOW }); // the third
    await c.purgeExpired(); // joins the background run the third record started
    expect(await storedCount(c.namespace)).toBe(1);
  });

  it("a lost reply is retried and still answers true for the call that recorded (then false)", async () => {
    const proxy = await startPostgresFaultProxy({ target: server });
    try {
      const c = cache({ connectionString: proxy.connectionString });
      const record = { wid: null, jti: uuid(), expiresAt: NOW + 60, now: NOW };
      await c.checkAndRecord({ wid: null, jti: uuid(), expiresAt: NOW + 60, now: NOW }); // connected
      const lost = proxy.resetOnStatement(/INSERT INTO ect\.replay_records/, "after");
      expect(await c.checkAndRecord(record)).toBe(true);
      await lost;
      expect(await c.checkAndRecord(record)).toBe(false);
      const reset = proxy.resetOnStatement(/INSERT INTO ect\.replay_records/, "before");
      const other = { wid: null, jti: uuid(), expiresAt: NOW + 60, now: NOW };
      expect(await c.checkAndRecord(other)).toBe(true);
      await reset;
      expect(await c.checkAndRecord(other)).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it("fails closed with ECT_REPLAY_CACHE_UNAVAILABLE when PostgreSQL cannot be reached; bad options are ECT_CONFIG_INVALID", async () => {
    const nowhere = `postgresql://postgres@/postgres?host=${encodeURIComponent(`${server.dir}/none`)}`;
    const c = cache({ connectionString: nowhere, retryBudgetMs: 300 });
    const error = await c
      .checkAndRecord({ wid: null, jti: uuid(), expiresAt: NOW + 60, now: NOW })
      .catch((e) => e);
    expect(isEctError(error) && error.code).toBe(EctErrorCodes.REPLAY_CACHE_UNAVAILABLE);
    const ok = cache();
    for (const bad of [
      { wid: 7, jti: uuid(), expiresAt: NOW + 60, now: NOW },
      { wid: null, jti: 7, expiresAt: NOW + 60, now: NOW },
      { wid: null, jti: uuid(), expiresAt: Number.NaN, now: NOW },
    ]) {
      const refused = await ok.checkAndRecord(bad as never).catch((e) => e);
      expect(isEctError(refused) && refused.code).toBe(EctErrorCodes.CONFIG_INVALID);
    }
    const connectionString = server.connectionString;
    const badOptions: [Record<string, unknown>, string][] = [
      [{ connectionString, namespace: "" }, "namespace"],
      [{ connectionString, namespace: "a b" }, "namespace"],
      [{ connectionString, purgeEvery: -1 }, "purgeEvery"],
      [{ connectionString, schema: "Ect; DROP" }, "schema"],
      [{ connectionString, retryBudgetMs: 1.5 }, "retryBudgetMs"],
      [{ connectionString: "mysql://x" }, "connectionString"],
      [{ connectionString, pool: new pg.Pool() }, "connectionString"],
      [{ connectionString, namespce: "n" }, "namespce"],
      [{}, "connectionString"],
    ];
    for (const [options, option] of badOptions) {
      let thrown: unknown;
      try {
        new PostgresReplayCache(options as PostgresReplayCacheOptions);
      } catch (e) {
        thrown = e;
      }
      // An EctConfigError (a TypeError, code ECT_CONFIG_INVALID) naming the option.
      expect(thrown, option).toBeInstanceOf(EctConfigError);
      expect(thrown).toBeInstanceOf(TypeError);
      expect(thrown).toMatchObject({ code: EctErrorCodes.CONFIG_INVALID, option });
    }
  });

  it("works on a pool the caller owns and leaves it open", async () => {
    const pool = new pg.Pool({ connectionString: server.connectionString, max: 2 });
    try {
      const c = new PostgresReplayCache({ pool, namespace: `t-${uuid()}` });
      const record = { wid: null, jti: uuid(), expiresAt: NOW + 60, now: NOW };
      expect(await c.checkAndRecord(record)).toBe(true);
      await c.close();
      expect((await pool.query("SELECT 1 AS one")).rows[0].one).toBe(1);
    } finally {
      await pool.end();
    }
  });
});
