import { EctConfigError, EctError, type EctErrorCode, EctErrorCodes } from "ect-core";
import { booleanOption, integerOption } from "ect-core/internal";
import pg from "pg";
import { checkPostgresDurability } from "./durability-check.js";
import {
  checkSchemaName,
  DEFAULT_SCHEMA,
  type MigrationResult,
  migratePostgresSchema,
  readSchemaVersion,
} from "./schema.js";

/** Connection options shared by {@link PostgresLedger} and {@link PostgresReplayCache}. Give exactly one of `connectionString` or `pool`. */
export interface PostgresConnectionOptions {
  /**
   * A `postgres://` / `postgresql://` URL (unix socket: `postgresql://user@/db?host=/run/postgresql`).
   * The instance then owns a pool of at most `maxConnections` connections and closes it in `close()`.
   */
  readonly connectionString?: string;
  /** A `pg` pool you own (left open by `close()`). */
  readonly pool?: pg.Pool;
  /** Size of the owned pool (default 10). */
  readonly maxConnections?: number;
  /** The schema holding the tables (default `ect`): a lower-case SQL identifier. */
  readonly schema?: string;
  /**
   * Run even when the server can lose acknowledged writes in a crash (`fsync`, `full_page_writes`
   * or this session's `synchronous_commit` off), warning through `onWarning` instead of refusing.
   * Default `false`: such a server is refused with `ECT_CONFIG_INVALID` at the first call.
   */
  readonly acceptNonDurable?: boolean;
  /** Receives warnings (default: `process.emitWarning` with code `ECT_POSTGRES_DURABILITY`). */
  readonly onWarning?: (message: string) => void;
  /**
   * How long a call keeps retrying while PostgreSQL is unreachable, restarting, or a statement
   * timed out, ms (default 10000). Every retried step is idempotent. Past it the call fails with
   * `ECT_LEDGER_UNAVAILABLE` (`ECT_REPLAY_CACHE_UNAVAILABLE` for the replay cache).
   */
  readonly retryBudgetMs?: number;
  /** `statement_timeout` of each statement, ms (default 30000; 0 turns it off). */
  readonly statementTimeoutMs?: number;
}

/** What the owner of a connection needs from the database before its first call. */
export interface PostgresConnectionNeeds {
  /** Names the owner in messages, e.g. `"PostgresLedger"`. */
  readonly owner: string;
  /** The schema version its queries need (tables created by `migrate()`). */
  readonly schemaVersion: number;
  /** The code of "unreachable within the retry budget". */
  readonly unavailableCode: EctErrorCode;
}

/** A transaction-scoped advisory lock: `pg_advisory_xact_lock(lockClass, hashtext(<schema>.<lockName>))`. */
export interface TransactionLock {
  /** The lock's class (see `LockClass`). */
  readonly lockClass: number;
  /** The name hashed with the schema, e.g. the ledger id. */
  readonly lockName: string;
}

/** Node socket errors that mean "no server right now": retried. */
const TRANSIENT_SOCKET_ERRORS = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ENOENT",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/**
 * SQLSTATEs after which the transaction was rolled back and running it again is safe and may
 * succeed: lost connection (class 08), shutdown or recovery in progress (57P01-57P03), statement or
 * lock timeout (57014, 55P03), serialization failure or deadlock (40001, 40P01), too many
 * connections and full disk (class 53).
 */
function transientSqlState(code: string): boolean {
  return (
    code.startsWith("08") ||
    code.startsWith("53") ||
    code === "57P01" ||
    code === "57P02" ||
    code === "57P03" ||
    code === "57014" ||
    code === "55P03" ||
    code === "40001" ||
    code === "40P01"
  );
}

/** True when `error` is a lost connection, an unavailable server or a rolled-back transient failure. */
export function isTransientPostgresError(error: unknown): boolean {
  if (error instanceof EctError || typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (TRANSIENT_SOCKET_ERRORS.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return transientSqlState(code);
  }
  const message = String((error as { message?: unknown }).message ?? "");
  // pg's own errors for a connection that ended or could not be made carry no code.
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect/i.test(
    message,
  );
}

function ignoreClientError(): void {}

/**
 * Runs `step` on a client checked out of `pool` and gives the client back: released when `step`
 * succeeded, destroyed (`release(true)`) when it failed, so a broken connection is never reused.
 */
async function onPooledClient<T>(pool: pg.Pool, step: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // pg emits "error" on a checked-out client whose connection breaks, besides failing its query;
  // unheard, that event would crash the process. The failed query reports it.
  client.on("error", ignoreClientError);
  let result: T;
  try {
    result = await step(client);
  } catch (error) {
    client.off("error", ignoreClientError);
    client.release(true);
    throw error;
  }
  client.off("error", ignoreClientError);
  client.release();
  return result;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The names of {@link PostgresConnectionOptions}, for the option checks of the ledger and the replay
 * cache (an unknown option is refused).
 *
 * @internal
 */
export const CONNECTION_OPTIONS: readonly (keyof PostgresConnectionOptions)[] = [
  "connectionString",
  "pool",
  "maxConnections",
  "schema",
  "acceptNonDurable",
  "onWarning",
  "retryBudgetMs",
  "statementTimeoutMs",
];

/**
 * A pool plus what every call of this package needs around it: the durability and schema checks
 * before the first call, and retries of idempotent steps while the server is unreachable.
 */
export class PostgresConnection {
  /** The schema holding the tables. */
  readonly schema: string;
  /** The pool (owned or borrowed). */
  readonly pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #needs: PostgresConnectionNeeds;
  readonly #acceptNonDurable: boolean;
  readonly #onWarning: (message: string) => void;
  readonly #retryBudgetMs: number;
  readonly #statementTimeoutMs: number;
  #ready: Promise<void> | undefined;
  #closed = false;

  /**
   * The connection options only; the owner checks the whole options object for unknown names.
   *
   * @throws {@link EctConfigError} (code `ECT_CONFIG_INVALID`) for a missing, doubled or malformed option.
   */
  constructor(options: PostgresConnectionOptions, needs: PostgresConnectionNeeds) {
    if (typeof options !== "object" || options === null) {
      throw new EctConfigError("options", `must be the ${needs.owner} options object`, { received: options });
    }
    const given = [options.connectionString, options.pool].filter((v) => v !== undefined).length;
    if (given !== 1) {
      throw new EctConfigError("connectionString", "must be given, or pool instead: exactly one of the two");
    }
    if (
      options.connectionString !== undefined &&
      (typeof options.connectionString !== "string" || !/^postgres(ql)?:\/\//.test(options.connectionString))
    ) {
      throw new EctConfigError("connectionString", "must be a postgres:// or postgresql:// URL");
    }
    if (options.pool !== undefined && !(options.pool instanceof pg.Pool)) {
      throw new EctConfigError("pool", "must be a pg Pool", { received: options.pool });
    }
    booleanOption(options.acceptNonDurable, false, "acceptNonDurable");
    if (options.onWarning !== undefined && typeof options.onWarning !== "function") {
      throw new EctConfigError("onWarning", "must be a function", { received: options.onWarning });
    }
    this.schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA);
    const maxConnections = integerOption(options.maxConnections, 10, "maxConnections", 1);
    this.#retryBudgetMs = integerOption(options.retryBudgetMs, 10_000, "retryBudgetMs");
    this.#statementTimeoutMs = integerOption(options.statementTimeoutMs, 30_000, "statementTimeoutMs");
    this.#needs = needs;
    this.#acceptNonDurable = options.acceptNonDurable === true;
    this.#onWarning =
      options.onWarning ?? ((message) => process.emitWarning(message, { code: "ECT_POSTGRES_DURABILITY" }));
    if (options.pool !== undefined) {
      this.pool = options.pool;
      this.#ownsPool = false;
    } else {
      this.pool = new pg.Pool({
        connectionString: options.connectionString,
        max: maxConnections,
        ...(this.#statementTimeoutMs > 0 ? { statement_timeout: this.#statementTimeoutMs } : {}),
      });
      this.#ownsPool = true;
    }
    // An idle pooled connection that dies (server restart) must not crash the process; the pool
    // drops it and the next call connects again.
    this.pool.on("error", () => undefined);
  }

  /** `statement_timeout` for `SET LOCAL` inside transactions (a borrowed pool has its own defaults). */
  get statementTimeoutMs(): number {
    return this.#statementTimeoutMs;
  }

  /** Runs {@link migratePostgresSchema} on this connection's schema (retried like any call). */
  async migrate(): Promise<MigrationResult> {
    return this.run("migrate", (client) => migratePostgresSchema(client, this.schema), { checks: false });
  }

  /**
   * Runs `step` with a pooled client after the first-call checks, and runs it again on a fresh
   * client when it fails transiently (lost connection, restart, statement timeout), until the retry
   * budget is spent. `step` must therefore be idempotent. A client whose step failed is discarded,
   * never returned to the pool (its connection or transaction state is unknown; closing it rolls
   * back whatever it had open).
   *
   * @throws {@link EctError} the owner's unavailable code past the budget; `step`'s own error otherwise.
   */
  async run<T>(
    what: string,
    step: (client: pg.PoolClient) => Promise<T>,
    options: { readonly checks?: boolean } = {},
  ): Promise<T> {
    if (this.#closed) {
      throw new EctError(this.#needs.unavailableCode, `${this.#needs.owner} is closed`);
    }
    const deadline = Date.now() + this.#retryBudgetMs;
    let delay = 25;
    for (;;) {
      try {
        if (options.checks !== false) await this.#checkOnce();
        return await onPooledClient(this.pool, step);
      } catch (error) {
        if (!isTransientPostgresError(error) || this.#closed) throw error;
        if (Date.now() + delay > deadline) {
          throw new EctError(
            this.#needs.unavailableCode,
            `${this.#needs.owner}: ${what} failed, PostgreSQL unavailable (${(error as Error).message})`,
            { cause: error },
          );
        }
        await pause(delay);
        delay = Math.min(delay * 2, 500);
      }
    }
  }

  /**
   * Runs `step` inside one transaction (`BEGIN` … `COMMIT`) holding the transaction-scoped
   * advisory lock `(lockClass, hashtext(<schema>.<lockName>))` when given, all retried as in
   * {@link PostgresConnection.run} (a failed step's connection is closed, which rolls back). The
   * first round trip carries `BEGIN`, the statement timeout and the lock together.
   */
  async transaction<T>(
    what: string,
    step: (client: pg.PoolClient) => Promise<T>,
    lock?: TransactionLock,
  ): Promise<T> {
    return this.run(what, async (client) => {
      await client.query(this.beginSql(client, lock));
      const result = await step(client);
      await client.query("COMMIT");
      return result;
    });
  }

  /**
   * `BEGIN`, the statement timeout and the advisory lock as one simple-protocol string, for a
   * caller that sends more statements in the same round trip (`;`-separated: each statement
   * still takes its own snapshot, so what follows the lock sees every commit made before it).
   */
  beginSql(client: pg.ClientBase, lock?: TransactionLock): string {
    let begin = "BEGIN";
    if (this.#statementTimeoutMs > 0) begin += `; SET LOCAL statement_timeout = ${this.#statementTimeoutMs}`;
    if (lock !== undefined) {
      const name = client.escapeLiteral(`${this.schema}.${lock.lockName}`);
      begin += `; SELECT pg_advisory_xact_lock(${lock.lockClass}, hashtext(${name}))`;
    }
    return begin;
  }

  /** Closes the pool when this instance owns it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsPool) await this.pool.end();
  }

  /** The durability and schema checks, once per instance (again after a failure). */
  #checkOnce(): Promise<void> {
    if (this.#ready === undefined) {
      this.#ready = this.#check();
      this.#ready.catch(() => {
        this.#ready = undefined;
      });
    }
    return this.#ready;
  }

  async #check(): Promise<void> {
    await onPooledClient(this.pool, async (client) => {
      const report = await checkPostgresDurability(client);
      if (report.problems.length > 0) {
        if (!this.#acceptNonDurable) {
          throw new EctError(
            EctErrorCodes.CONFIG_INVALID,
            `${this.#needs.owner} refuses a PostgreSQL server that can lose acknowledged writes: ` +
              `${report.problems.join("; ")} (pass acceptNonDurable: true to run anyway)`,
            { member: "acceptNonDurable" },
          );
        }
        for (const problem of report.problems) this.#onWarning(`${this.#needs.owner}: ${problem}`);
      }
      const version = await readSchemaVersion(client, this.schema);
      if (version < this.#needs.schemaVersion) {
        throw new EctError(
          EctErrorCodes.CONFIG_INVALID,
          `${this.#needs.owner}: schema "${this.schema}" is at version ${version}, needs ${this.#needs.schemaVersion}: call migrate() first`,
          { member: "schema" },
        );
      }
    });
  }
}
