import { EctConfigError, EctErrorCodes, isEctError } from "ect-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkPostgresDurability,
  migratePostgresSchema,
  PostgresReplayCache,
  type PostgresReplayCacheOptions,
  SCHEMA_VERSION,
} from "../src/index.js";
import { type PostgresServerHandle, startPostgresServer } from "../src/testing/index.js";

// Profile §7 PostgreSQL: refuse a server that can lose acknowledged writes unless told to accept
// it; one explicit, idempotent, versioned migration creates the tables.

let durable: PostgresServerHandle;
let careless: PostgresServerHandle;
const uuid = () => globalThis.crypto.randomUUID();
const record = () => ({ wid: null, jti: uuid(), expiresAt: 2_000_000_000, now: 1_900_000_000 });

async function withClient<T>(connectionString: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function refusal(options: PostgresReplayCacheOptions): Promise<unknown> {
  const cache = new PostgresReplayCache(options);
  try {
    return await cache.checkAndRecord(record()).then(
      () => undefined,
      (e) => e,
    );
  } finally {
    await cache.close();
  }
}

beforeAll(async () => {
  [durable, careless] = await Promise.all([
    startPostgresServer(),
    startPostgresServer({ settings: { fsync: "off", full_page_writes: "off" } }),
  ]);
  for (const server of [durable, careless]) {
    await withClient(server.connectionString, (client) => migratePostgresSchema(client));
  }
});
afterAll(async () => {
  await Promise.all([durable?.stop(), careless?.stop()]);
});

describe("durability check", () => {
  it("finds nothing wrong with a default server", async () => {
    const report = await withClient(durable.connectionString, (c) => checkPostgresDurability(c));
    expect(report.problems).toEqual([]);
    expect(report.settings).toEqual({ fsync: "on", synchronousCommit: "on", fullPageWrites: "on" });
    expect(await refusal({ connectionString: durable.connectionString })).toBeUndefined();
  });

  it("refuses a server started with fsync=off and full_page_writes=off, naming both", async () => {
    const report = await withClient(careless.connectionString, (c) => checkPostgresDurability(c));
    expect(report.problems).toHaveLength(2);
    const error = await refusal({ connectionString: careless.connectionString });
    expect(isEctError(error) && error.code).toBe(EctErrorCodes.CONFIG_INVALID);
    expect((error as Error).message).toMatch(/fsync is off/);
    expect((error as Error).message).toMatch(/full_page_writes is off/);
    expect((error as Error).message).toMatch(/acceptNonDurable/);
  });

  it("accepts that server only with acceptNonDurable: true, and then warns once per problem", async () => {
    const warnings: string[] = [];
    const cache = new PostgresReplayCache({
      connectionString: careless.connectionString,
      acceptNonDurable: true,
      onWarning: (m) => warnings.push(m),
    });
    try {
      expect(await cache.checkAndRecord(record())).toBe(true);
      expect(await cache.checkAndRecord(record())).toBe(true);
    } finally {
      await cache.close();
    }
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^PostgresReplayCache: fsync is off/);
    expect(warnings[1]).toMatch(/full_page_writes is off/);
  });

  it("refuses a session whose synchronous_commit is off (here through the connection string)", async () => {
    const connectionString = `${durable.connectionString}&options=${encodeURIComponent("-c synchronous_commit=off")}`;
    const error = await refusal({ connectionString });
    expect(isEctError(error) && error.code).toBe(EctErrorCodes.CONFIG_INVALID);
    expect((error as Error).message).toMatch(/synchronous_commit is off/);
    const warnings: string[] = [];
    expect(
      await refusal({ connectionString, acceptNonDurable: true, onWarning: (m) => warnings.push(m) }),
    ).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/synchronous_commit is off/)]);
    // "local" still flushes the local WAL before acknowledging: accepted.
    const local = `${durable.connectionString}&options=${encodeURIComponent("-c synchronous_commit=local")}`;
    expect(await refusal({ connectionString: local })).toBeUndefined();
  });
});

describe("migratePostgresSchema", () => {
  it("is explicit: a cache on an unmigrated schema is refused and told to call migrate()", async () => {
    const error = await refusal({ connectionString: durable.connectionString, schema: "never_migrated" });
    expect(isEctError(error) && error.code).toBe(EctErrorCodes.CONFIG_INVALID);
    expect((error as Error).message).toMatch(/version 0, needs 1: call migrate\(\) first/);
  });

  it("is idempotent and versioned, and safe from several clients at once", async () => {
    const schema = `s_${uuid().replaceAll("-", "").slice(0, 12)}`;
    const results = await Promise.all(
      [0, 1, 2].map(() => withClient(durable.connectionString, (c) => migratePostgresSchema(c, schema))),
    );
    expect(results.map((r) => r.fromVersion).sort()).toEqual([0, SCHEMA_VERSION, SCHEMA_VERSION]);
    expect(results.every((r) => r.toVersion === SCHEMA_VERSION)).toBe(true);
    const again = await withClient(durable.connectionString, (c) => migratePostgresSchema(c, schema));
    expect(again).toEqual({ fromVersion: SCHEMA_VERSION, toVersion: SCHEMA_VERSION });
    const versions = await withClient(durable.connectionString, (c) =>
      c.query(`SELECT version FROM ${schema}.schema_version ORDER BY version`),
    );
    expect(versions.rows.map((r) => r.version)).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
    const cache = new PostgresReplayCache({ connectionString: durable.connectionString, schema });
    try {
      expect(await cache.checkAndRecord(record())).toBe(true);
    } finally {
      await cache.close();
    }
  });

  it("upgrades a schema left at version 1 (replay cache only) to the current version", async () => {
    const schema = `s_${uuid().replaceAll("-", "").slice(0, 12)}`;
    await withClient(durable.connectionString, async (c) => {
      await migratePostgresSchema(c, schema);
      // Take it back to version 1 as an older release left it: the ledger tables did not exist.
      await c.query(
        `DROP TABLE ${schema}.ledger_entries, ${schema}.ledger_conflicts, ${schema}.ledger_nodes, ${schema}.ledger_checkpoints`,
      );
      await c.query(`DELETE FROM ${schema}.schema_version WHERE version > 1`);
      expect(await migratePostgresSchema(c, schema)).toEqual({ fromVersion: 1, toVersion: SCHEMA_VERSION });
      const tables = await c.query(
        "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'ledger_%'",
        [schema],
      );
      expect(tables.rows[0].n).toBe(4);
    });
  });

  it("refuses a schema name that is not a plain lower-case identifier", async () => {
    for (const schema of ["Ect", "ect; DROP TABLE x", "1ect", "", "a".repeat(64)]) {
      const error = await withClient(durable.connectionString, (c) => migratePostgresSchema(c, schema)).catch(
        (e) => e,
      );
      expect(error, schema).toBeInstanceOf(EctConfigError);
      expect(error).toMatchObject({ code: EctErrorCodes.CONFIG_INVALID, option: "schema" });
    }
  });
});
