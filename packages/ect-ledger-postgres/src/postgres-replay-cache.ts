import { EctConfigError, EctErrorCodes, type ReplayCache, type ReplayRecord } from "ect-core";
import {
  assertKnownOptions,
  assertReplayKey,
  ectKey,
  integerOption,
  replayRecordTtlMs,
} from "ect-core/internal";
import {
  CONNECTION_OPTIONS,
  PostgresConnection,
  type PostgresConnectionOptions,
} from "./postgres-connection.js";
import type { MigrationResult } from "./schema.js";

/** Options of {@link PostgresReplayCache}. */
export interface PostgresReplayCacheOptions extends PostgresConnectionOptions {
  /**
   * Separates the records of independent deployments sharing one database (default `"default"`):
   * 1-200 printable ASCII characters.
   */
  readonly namespace?: string;
  /**
   * Expired records are deleted in the background after every this many recorded tokens (default
   * 1000; 0: never, call {@link PostgresReplayCache.purgeExpired} yourself). Expired records never
   * block a token either way: a check overwrites an expired record of its own pair.
   */
  readonly purgeEvery?: number;
}

const REPLAY_CACHE_OPTIONS: readonly string[] = ["namespace", "purgeEvery", ...CONNECTION_OPTIONS];

const NAMESPACE = /^[\x21-\x7e]{1,200}$/;
/** Rows deleted per purge statement: short transactions, so a purge never holds many row locks. */
const PURGE_BATCH = 500;
/** The schema version holding `replay_records`. */
const REPLAY_SCHEMA_VERSION = 1;

/**
 * A replay cache on PostgreSQL (profile §5 step 10) shared by any number of verifier processes: a
 * token accepted by one is refused as a replay by every other, for deployments that run
 * PostgreSQL and no Redis. Tables come from {@link PostgresReplayCache.migrate}.
 *
 * `checkAndRecord` is one statement: an `INSERT … ON CONFLICT DO UPDATE … WHERE expired` keyed by
 * `(namespace, ectKey(wid, jti))` (UUIDs case-insensitive), atomic under the primary key (of two
 * concurrent calls exactly one records), and idempotent under retries: each call writes its own
 * nonce, so a retry whose first attempt did commit finds its nonce and still answers `true`. The
 * record lives `expiresAt - now` seconds of the verifier's clock (at least one) from the server's
 * clock, so a skewed verifier clock cannot make records expire at once.
 *
 * Expired records are deleted in small batches with `FOR UPDATE SKIP LOCKED`, in the background:
 * a purge never waits for a row a check is writing, and no check waits for a purge.
 *
 * @example
 * ```ts
 * import { PostgresReplayCache } from "ect-ledger-postgres";
 * import { createEctVerifier } from "ect-crypto";
 *
 * const replayCache = new PostgresReplayCache({ connectionString: "postgresql://ect@db/ect" });
 * await replayCache.migrate(); // once per database, e.g. at deployment
 * const verifier = createEctVerifier({ verifierId, keys, replayCache });
 * ```
 */
export class PostgresReplayCache implements ReplayCache {
  /** The namespace of the records. */
  readonly namespace: string;
  readonly #connection: PostgresConnection;
  readonly #purgeEvery: number;
  #recordedSincePurge = 0;
  #purging: Promise<number> | undefined;

  /**
   * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for an unknown option,
   *   a bad namespace, `purgeEvery` or connection option.
   */
  constructor(options: PostgresReplayCacheOptions) {
    assertKnownOptions(options, REPLAY_CACHE_OPTIONS);
    const namespace = options.namespace ?? "default";
    if (typeof namespace !== "string" || !NAMESPACE.test(namespace)) {
      throw new EctConfigError("namespace", "must be 1-200 printable ASCII characters without spaces", {
        received: namespace,
      });
    }
    const purgeEvery = integerOption(options.purgeEvery, 1000, "purgeEvery");
    this.namespace = namespace;
    this.#purgeEvery = purgeEvery;
    this.#connection = new PostgresConnection(options, {
      owner: "PostgresReplayCache",
      schemaVersion: REPLAY_SCHEMA_VERSION,
      unavailableCode: EctErrorCodes.REPLAY_CACHE_UNAVAILABLE,
    });
  }

  /** Creates or upgrades the package's tables (see `migratePostgresSchema`). */
  migrate(): Promise<MigrationResult> {
    return this.#connection.migrate();
  }

  /** The stored key of a `(wid, jti)` pair (`ectKey`: lower-cased, `wid` or `""`). */
  keyOf(wid: string | null | undefined, jti: string): string {
    return ectKey(wid, jti);
  }

  /**
   * Records `(wid, jti)` unless recorded and unexpired; `true` when recorded now, `false` for a
   * replay (profile §5 step 10).
   *
   * @throws {@link EctError} `ECT_REPLAY_CACHE_UNAVAILABLE` when PostgreSQL cannot be reached within
   *   the retry budget (the verifier then refuses the token: fail closed); `ECT_CONFIG_INVALID` for
   *   a malformed record, or a server that can lose acknowledged writes (see `acceptNonDurable`).
   */
  async checkAndRecord(record: ReplayRecord): Promise<boolean> {
    const ttlMs = replayRecordTtlMs(record);
    const key = this.keyOf(record.wid, record.jti);
    const nonce = globalThis.crypto.randomUUID();
    const table = `${this.#connection.schema}.replay_records`;
    // One statement: the INSERT's RETURNING names our nonce when we recorded; otherwise the second
    // branch reads the record that stopped us (from the statement's snapshot). A retry after a lost
    // reply finds its own nonce there.
    const { rows } = await this.#connection.run("replay check", (client) =>
      client.query<{ nonce: string }>(
        `WITH recorded AS (
           INSERT INTO ${table} AS r (namespace, key, nonce, expires_at)
           VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
           ON CONFLICT (namespace, key) DO UPDATE
             SET nonce = EXCLUDED.nonce, expires_at = EXCLUDED.expires_at
             WHERE r.expires_at <= now()
           RETURNING r.nonce
         )
         SELECT nonce FROM recorded
         UNION ALL
         SELECT nonce FROM ${table} WHERE namespace = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM recorded)`,
        [this.namespace, key, nonce, ttlMs],
      ),
    );
    const recorded = rows[0]?.nonce === nonce;
    if (recorded && this.#purgeEvery > 0 && ++this.#recordedSincePurge >= this.#purgeEvery) {
      this.#recordedSincePurge = 0;
      // In the background: a purge failure only delays the clean-up, never a verification.
      this.purgeExpired().catch(() => undefined);
    }
    return recorded;
  }

  /** Removes the record of `(wid, jti)` (a token refused after its replay check keeps its `jti`). */
  async release(key: { readonly wid: string | null | undefined; readonly jti: string }): Promise<void> {
    assertReplayKey(key);
    const stored = this.keyOf(key.wid, key.jti);
    await this.#connection.run("replay release", (client) =>
      client.query(
        `DELETE FROM ${this.#connection.schema}.replay_records WHERE namespace = $1 AND key = $2`,
        [this.namespace, stored],
      ),
    );
  }

  /**
   * Deletes this namespace's expired records in batches of 500, skipping rows another
   * transaction holds (`FOR UPDATE SKIP LOCKED`), so it never waits for a check and no check
   * waits long for it. Concurrent calls share one run. Resolves with the number deleted.
   */
  purgeExpired(): Promise<number> {
    if (this.#purging === undefined) {
      this.#purging = this.#purge().finally(() => {
        this.#purging = undefined;
      });
    }
    return this.#purging;
  }

  async #purge(): Promise<number> {
    const table = `${this.#connection.schema}.replay_records`;
    let total = 0;
    for (;;) {
      const result = await this.#connection.run("replay purge", (client) =>
        client.query(
          `DELETE FROM ${table} WHERE ctid = ANY (ARRAY(
             SELECT ctid FROM ${table}
             WHERE namespace = $1 AND expires_at <= now()
             LIMIT ${PURGE_BATCH} FOR UPDATE SKIP LOCKED))`,
          [this.namespace],
        ),
      );
      total += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) < PURGE_BATCH) return total;
    }
  }

  /** Closes the pool the cache owns (a borrowed pool is left open). */
  async close(): Promise<void> {
    await this.#purging?.catch(() => undefined);
    await this.#connection.close();
  }
}
