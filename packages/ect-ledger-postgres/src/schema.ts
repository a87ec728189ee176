import { EctConfigError, EctError } from "ect-core";
import type pg from "pg";

/** A schema name the library accepts: a plain lower-case SQL identifier (never quoted from input). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The default schema holding every table of this package. */
export const DEFAULT_SCHEMA = "ect";

/**
 * Advisory-lock class ids (the first half of `pg_advisory_xact_lock(int, int)`), so this package's
 * locks never collide with an application's single-key advisory locks. The second half is
 * `hashtext(<schema>.<name>)`.
 */
export const LockClass = {
  /** Held by {@link migratePostgresSchema} for the whole migration. */
  MIGRATE: 0x45435401,
  /** A ledger's sequencing lock: one append transaction at a time per ledger (profile §7). */
  SEQUENCE: 0x45435402,
  /** A ledger's integration lock: one checkpoint compare-and-set at a time per ledger. */
  INTEGRATE: 0x45435403,
} as const;

/** @throws {@link EctConfigError} (code `ECT_CONFIG_INVALID`) unless `schema` is a plain lower-case identifier. */
export function checkSchemaName(schema: unknown): string {
  if (typeof schema !== "string" || !SCHEMA_NAME.test(schema)) {
    throw new EctConfigError(
      "schema",
      "must be a lower-case SQL identifier: a-z, 0-9 and _, not starting with a digit, at most 63 characters",
      { received: schema },
    );
  }
  return schema;
}

/**
 * The migrations, in order: index i brings the schema to version i + 1. Only ever append; a
 * released migration never changes. Each is additive, so code that needs version N keeps working
 * on a schema a newer library migrated further.
 */
const MIGRATIONS: readonly ((schema: string) => string)[] = [
  // 1: the shared replay cache (profile §5 step 10).
  (s) => `
    CREATE TABLE ${s}.replay_records (
      namespace  text        NOT NULL,
      key        text        NOT NULL,
      nonce      uuid        NOT NULL,
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (namespace, key)
    );
    CREATE INDEX replay_records_expiry ON ${s}.replay_records (namespace, expires_at);
  `,
  // 2: ledgers (profile §7): entries, conflict evidence, tree nodes, signed checkpoints.
  (s) => `
    CREATE TABLE ${s}.ledger_entries (
      ledger_id   text     NOT NULL,
      idx         bigint   NOT NULL CHECK (idx >= 0),
      key         text     NOT NULL,
      jti         text     NOT NULL,
      jti_key     text     NOT NULL,
      wid         text,
      wid_key     text     NOT NULL,
      iss         text     NOT NULL,
      token       text     NOT NULL,
      ingested_at bigint   NOT NULL,
      wit         text,
      leaf_hash   text     NOT NULL,
      claims      text     NOT NULL,
      unresolved  text     NOT NULL,
      attempt     uuid     NOT NULL,
      PRIMARY KEY (ledger_id, idx),
      UNIQUE (ledger_id, key)
    );
    CREATE INDEX ledger_entries_jti ON ${s}.ledger_entries (ledger_id, jti_key, idx);
    CREATE INDEX ledger_entries_wid ON ${s}.ledger_entries (ledger_id, wid_key, idx);
    CREATE TABLE ${s}.ledger_conflicts (
      ledger_id      text   NOT NULL,
      id             bigint NOT NULL CHECK (id >= 0),
      key            text   NOT NULL,
      wid            text,
      jti            text   NOT NULL,
      token          text   NOT NULL,
      token_digest   bytea  NOT NULL,
      wit            text,
      existing_index bigint NOT NULL,
      received_at    bigint NOT NULL,
      PRIMARY KEY (ledger_id, id),
      UNIQUE (ledger_id, key, token_digest)
    );
    CREATE TABLE ${s}.ledger_nodes (
      ledger_id text     NOT NULL,
      level     smallint NOT NULL CHECK (level >= 0),
      idx       bigint   NOT NULL CHECK (idx >= 0),
      hash      bytea    NOT NULL CHECK (length(hash) = 32),
      PRIMARY KEY (ledger_id, level, idx)
    );
    CREATE TABLE ${s}.ledger_checkpoints (
      ledger_id text   NOT NULL,
      size      bigint NOT NULL CHECK (size > 0),
      root      bytea  NOT NULL CHECK (length(root) = 32),
      note      text   NOT NULL,
      attempt   uuid   NOT NULL,
      PRIMARY KEY (ledger_id, size)
    );
  `,
];

/** The schema version this library writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The result of {@link migratePostgresSchema}. */
export interface MigrationResult {
  /** The schema's version before (0: it did not exist). */
  readonly fromVersion: number;
  /** Its version now. */
  readonly toVersion: number;
}

/**
 * Creates or upgrades this package's tables in `schema` (default `ect`): explicit (nothing else
 * creates tables), idempotent (a second call changes nothing), versioned (`<schema>.schema_version`
 * records each applied migration) and safe to run from several processes at once (one transaction
 * under an advisory lock). A schema a newer library migrated further is left as it is.
 *
 * @throws {@link EctError} `ECT_CONFIG_INVALID` for a bad schema name; the `pg` error when the
 *   database refuses (e.g. no `CREATE` privilege).
 */
export async function migratePostgresSchema(
  client: pg.ClientBase,
  schema: string = DEFAULT_SCHEMA,
): Promise<MigrationResult> {
  const s = checkSchemaName(schema);
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LockClass.MIGRATE, s]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_version (
         version    integer     PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query(
      `SELECT coalesce(max(version), 0) AS version FROM ${s}.schema_version`,
    );
    const fromVersion = Number(rows[0]?.version ?? 0);
    for (let version = fromVersion + 1; version <= SCHEMA_VERSION; version++) {
      await client.query(MIGRATIONS[version - 1]!(s));
      await client.query(`INSERT INTO ${s}.schema_version (version) VALUES ($1)`, [version]);
    }
    await client.query("COMMIT");
    return { fromVersion, toVersion: Math.max(fromVersion, SCHEMA_VERSION) };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/**
 * The schema's version, 0 when it has not been migrated. Reads only.
 */
export async function readSchemaVersion(client: pg.ClientBase | pg.Pool, schema: string): Promise<number> {
  const s = checkSchemaName(schema);
  const { rows } = await client.query("SELECT to_regclass($1) IS NOT NULL AS present", [
    `${s}.schema_version`,
  ]);
  if (rows[0]?.present !== true) return 0;
  const version = await client.query(`SELECT coalesce(max(version), 0) AS version FROM ${s}.schema_version`);
  return Number(version.rows[0]?.version ?? 0);
}
