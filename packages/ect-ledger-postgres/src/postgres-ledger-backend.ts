import { decodeEct, type EctClaims, EctConfigError, EctError, EctErrorCodes } from "ect-core";
import { assertKnownOptions, ectKey, integerOption } from "ect-core/internal";
import type {
  IntegrationCommit,
  LedgerBackend,
  LedgerBackendConflict,
  LedgerBackendEntry,
  LedgerConflictDraft,
  LedgerEntryDraft,
  LedgerImportBatch,
  LedgerStoreView,
  SequenceCheck,
  SequenceOutcome,
  StoredCheckpoint,
  TreeNode,
  TreeNodeId,
} from "ect-ledger";
import { backendEntryOf } from "ect-ledger";
import type pg from "pg";
import {
  CONNECTION_OPTIONS,
  PostgresConnection,
  type PostgresConnectionOptions,
} from "./postgres-connection.js";
import { LockClass, type MigrationResult } from "./schema.js";

/** Options of {@link PostgresLedgerBackend}. */
export interface PostgresLedgerBackendOptions extends PostgresConnectionOptions {
  /**
   * Names the ledger inside the schema (1-200 printable ASCII characters): ledgers with different
   * ids share the tables and nothing else. Every process appending to one ledger gives the same id.
   */
  readonly ledgerId: string;
  /**
   * Most appends sequenced in one transaction (default 256). Appends that arrive while a
   * transaction is open wait for it and then go together in the next one: one commit (one WAL
   * flush) for many appends, which is what lets 64 appends in flight keep up with 64 plain
   * `INSERT`s even though a ledger takes one append transaction at a time.
   */
  readonly maxBatch?: number;
}

/**
 * The names of {@link PostgresLedgerBackendOptions}: the connection's, the ledger id and `maxBatch`.
 *
 * @internal
 */
export const BACKEND_OPTIONS: readonly string[] = ["ledgerId", "maxBatch", ...CONNECTION_OPTIONS];

const LEDGER_ID = /^[\x21-\x7e]{1,200}$/;
/** The schema version holding the ledger tables. */
const LEDGER_SCHEMA_VERSION = 2;
/**
 * How many levels of ancestors the sequencing step reads ahead for the DAG check (profile §6
 * acyclicity walk). Deeper walks still work, one lookup per node beyond it.
 */
const ANCESTOR_PREFETCH = 32;
/** Rows per multi-row statement of an import. */
const IMPORT_CHUNK = 1000;

/** One `sequence` call waiting for its transaction. */
interface PendingAppend {
  readonly draft: LedgerEntryDraft;
  readonly check: SequenceCheck | undefined;
  /** Written with the entry: a retried transaction recognises an append its lost commit did store. */
  readonly attempt: string;
  readonly resolve: (outcome: SequenceOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/** A stored entry as read, plus the columns only the backend uses. */
interface EntryRow {
  readonly entry: LedgerBackendEntry;
  readonly key: string;
  readonly jtiKey: string;
  readonly attempt: string;
  readonly unresolved: readonly string[];
}

const ENTRY_COLUMNS =
  "idx, key, jti, jti_key, wid, iss, token, ingested_at, wit, leaf_hash, claims, unresolved, attempt";

function entryRow(row: Record<string, unknown>): EntryRow {
  return {
    entry: {
      index: Number(row["idx"]),
      token: row["token"] as string,
      jti: row["jti"] as string,
      wid: (row["wid"] as string | null) ?? null,
      iss: row["iss"] as string,
      ingestedAt: Number(row["ingested_at"]),
      wit: (row["wit"] as string | null) ?? null,
      leafHash: row["leaf_hash"] as string,
      claims: JSON.parse(row["claims"] as string),
    },
    key: row["key"] as string,
    jtiKey: row["jti_key"] as string,
    attempt: row["attempt"] as string,
    unresolved: JSON.parse(row["unresolved"] as string),
  };
}

/** The row a draft becomes at `index`. */
function newEntryRow(
  draft: LedgerEntryDraft,
  index: number,
  attempt: string,
  unresolved: readonly string[],
): EntryRow {
  return {
    entry: backendEntryOf(draft, index),
    key: draft.key,
    jtiKey: draft.jti.toLowerCase(),
    attempt,
    unresolved: [...unresolved],
  };
}

function conflictRow(row: Record<string, unknown>): LedgerBackendConflict {
  return {
    id: Number(row["id"]),
    wid: (row["wid"] as string | null) ?? null,
    jti: row["jti"] as string,
    token: row["token"] as string,
    wit: (row["wit"] as string | null) ?? null,
    existingIndex: Number(row["existing_index"]),
    receivedAt: Number(row["received_at"]),
  };
}

function checkpointRow(row: Record<string, unknown>): StoredCheckpoint {
  return {
    size: Number(row["size"]),
    root: new Uint8Array(row["root"] as Buffer),
    note: row["note"] as string,
  };
}

/** Set by the class's static block: rewrites the stored entries (the testing entry's tamper hook). */
let replaceEntries: (backend: PostgresLedgerBackend, entries: readonly LedgerBackendEntry[]) => Promise<void>;

/**
 * The `ect-ledger` backend contract on PostgreSQL (profile §7 "Backends"): storage and atomicity
 * only; leaf hashes, tree nodes, checkpoints and the DAG rules come from `ect-ledger`.
 *
 * Sequencing is one transaction under the ledger's `pg_advisory_xact_lock`: it reads the next
 * index and the identity keys, runs the ledger's DAG check through a view on the same transaction
 * (plus the entries sequenced before it in the same transaction), inserts, and commits with
 * `synchronous_commit` on, so nothing is visible before it is durable and nothing half-written is
 * ever visible. Concurrent appends of one instance share a transaction (group commit); several
 * instances and processes take turns on the lock. A transaction that fails transiently (lost
 * connection, restart, statement timeout) is run again: each append carries a nonce stored with
 * its entry, so an append whose commit reply was lost resolves as `appended` once.
 */
export class PostgresLedgerBackend implements LedgerBackend {
  static {
    replaceEntries = (backend, entries) => backend.#replaceEntries(entries);
  }

  /** The ledger's id. */
  readonly ledgerId: string;
  readonly #connection: PostgresConnection;
  readonly #maxBatch: number;
  readonly #queue: PendingAppend[] = [];
  #draining = false;

  /**
   * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for an unknown option,
   *   a bad ledger id, `maxBatch` or connection option.
   */
  constructor(options: PostgresLedgerBackendOptions) {
    assertKnownOptions(options, BACKEND_OPTIONS);
    const ledgerId = options.ledgerId;
    if (typeof ledgerId !== "string" || !LEDGER_ID.test(ledgerId)) {
      throw new EctConfigError("ledgerId", "must be 1-200 printable ASCII characters without spaces", {
        received: ledgerId,
      });
    }
    const maxBatch = integerOption(options.maxBatch, 256, "maxBatch", 1);
    this.ledgerId = ledgerId;
    this.#maxBatch = maxBatch;
    this.#connection = new PostgresConnection(options, {
      owner: "PostgresLedger",
      schemaVersion: LEDGER_SCHEMA_VERSION,
      unavailableCode: EctErrorCodes.LEDGER_UNAVAILABLE,
    });
  }

  /** The schema holding the tables. */
  get schema(): string {
    return this.#connection.schema;
  }

  /** Creates or upgrades the package's tables (see `migratePostgresSchema`). */
  migrate(): Promise<MigrationResult> {
    return this.#connection.migrate();
  }

  /** Closes the pool when this backend owns it. */
  async close(): Promise<void> {
    await this.#connection.close();
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.sequence} */
  sequence(draft: LedgerEntryDraft, check?: SequenceCheck): Promise<SequenceOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ draft, check, attempt: globalThis.crypto.randomUUID(), resolve, reject });
      if (!this.#draining) void this.#drain();
    });
  }

  /** Runs queued appends in transactions of up to `maxBatch`, one transaction at a time. */
  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        let settled: ((() => void) | undefined)[];
        try {
          settled = await this.#connection.run("append", (client) => this.#sequenceBatch(client, batch));
        } catch (error) {
          const failure =
            error instanceof EctError
              ? error
              : new EctError(
                  EctErrorCodes.LEDGER_APPEND_FAILED,
                  `PostgresLedger: append failed (${String(error)})`,
                  {
                    cause: error,
                  },
                );
          for (const pending of batch) pending.reject(failure);
          continue;
        }
        // Only now, after COMMIT: no caller hears of an append before it is durable.
        for (const settle of settled) settle?.();
      }
    } finally {
      this.#draining = false;
    }
  }

  /**
   * One attempt at a batch inside the locked transaction. Returns how to settle each append once
   * the transaction has committed (an attempt that fails settles nothing: it is retried whole).
   */
  async #sequenceBatch(client: pg.PoolClient, batch: readonly PendingAppend[]): Promise<(() => void)[]> {
    const t = `${this.schema}.ledger_entries`;
    const keys = new Set<string>();
    const jtis = new Set<string>();
    for (const { draft } of batch) {
      keys.add(draft.key);
      // What the DAG check will look up: each predecessor in the token's scope and in any scope.
      const pred = (draft.claims as { pred?: unknown }).pred;
      if (Array.isArray(pred)) {
        const widKey = (draft.wid ?? "").toLowerCase();
        for (const p of pred) {
          if (typeof p !== "string") continue;
          keys.add(`${widKey}|${p.toLowerCase()}`);
          jtis.add(p.toLowerCase());
        }
      }
    }
    // One round trip: BEGIN, the ledger's lock, then (in a new snapshot, after the lock) the next
    // index and every stored entry the step needs. Values are inlined as escaped literals: the
    // simple protocol that carries several statements takes no parameters.
    const lit = (value: string) => client.escapeLiteral(value);
    const textArray = (values: Iterable<string>) => `ARRAY[${[...values].map(lit).join(",")}]::text[]`;
    const ledger = lit(this.ledgerId);
    const results = (await client.query(
      `${this.#connection.beginSql(client, { lockClass: LockClass.SEQUENCE, lockName: this.ledgerId })};
       SELECT 'next' AS kind, (SELECT coalesce(max(idx) + 1, 0) FROM ${t} WHERE ledger_id = ${ledger}) AS next_index,
              NULL::bigint AS idx, NULL AS key, NULL AS jti, NULL AS jti_key, NULL AS wid, NULL AS iss,
              NULL AS token, NULL::bigint AS ingested_at, NULL AS wit, NULL AS leaf_hash, NULL AS claims,
              NULL AS unresolved, NULL::uuid AS attempt
       UNION ALL
       SELECT 'key', NULL, ${ENTRY_COLUMNS} FROM ${t}
       WHERE ledger_id = ${ledger} AND key IN (
         -- The identity keys and predecessors, and their ancestors up to ANCESTOR_PREFETCH levels:
         -- what the DAG check's ancestor walk reads, in this one round trip instead of one each.
         WITH RECURSIVE wanted(key, depth) AS (
           SELECT k, 0 FROM unnest(${textArray(keys)}) AS k
           UNION
           SELECT e.wid_key || '|' || lower(p.jti), w.depth + 1
           FROM wanted w
           JOIN ${t} e ON e.ledger_id = ${ledger} AND e.key = w.key
           CROSS JOIN LATERAL jsonb_array_elements_text(
             CASE WHEN jsonb_typeof(e.claims::jsonb -> 'pred') = 'array' THEN e.claims::jsonb -> 'pred'
                  ELSE '[]'::jsonb END) AS p(jti)
           WHERE w.depth < ${ANCESTOR_PREFETCH}
         )
         SELECT key FROM wanted)
       UNION ALL
       (SELECT DISTINCT ON (jti_key) 'jti', NULL, ${ENTRY_COLUMNS} FROM ${t}
        WHERE ledger_id = ${ledger} AND jti_key = ANY(${textArray(jtis)}) ORDER BY jti_key, idx)`,
    )) as unknown as pg.QueryResult[];
    const rows = results[results.length - 1]!.rows;
    let next = 0;
    // Stored rows known so far (undefined: known absent), and this transaction's own new entries.
    const byKey = new Map<string, EntryRow | undefined>([...keys].map((k) => [k, undefined]));
    const byJti = new Map<string, EntryRow | undefined>([...jtis].map((j) => [j, undefined]));
    for (const row of rows) {
      if (row.kind === "next") next = Number(row.next_index);
      else if (row.kind === "key") byKey.set(row.key, entryRow(row));
      else byJti.set(row.jti_key, entryRow(row));
    }
    const added = new Map<string, EntryRow>();
    const addedByJti = new Map<string, EntryRow>();
    // A failed lookup query failed the whole transaction (whatever the check made of the error).
    let lookupFailure: { readonly error: unknown } | undefined;
    const lookup = async (where: string, value: string): Promise<EntryRow | undefined> => {
      try {
        const found = await client.query(
          `SELECT ${ENTRY_COLUMNS} FROM ${t} WHERE ledger_id = $1 AND ${where} ORDER BY idx LIMIT 1`,
          [this.ledgerId, value],
        );
        return found.rows[0] === undefined ? undefined : entryRow(found.rows[0]);
      } catch (error) {
        lookupFailure ??= { error };
        throw error;
      }
    };
    const view: LedgerStoreView = {
      getByKey: async (key) => {
        const own = added.get(key);
        if (own !== undefined) return own.entry;
        if (!byKey.has(key)) byKey.set(key, await lookup("key = $2", key));
        return byKey.get(key)?.entry;
      },
      findByJti: async (jti) => {
        if (!byJti.has(jti)) byJti.set(jti, await lookup("jti_key = $2", jti));
        // A stored entry is earlier than any of this transaction's.
        return (byJti.get(jti) ?? addedByJti.get(jti))?.entry;
      },
    };

    const settle: (() => void)[] = [];
    for (const pending of batch) {
      const { draft, check, attempt } = pending;
      const existing = added.get(draft.key) ?? byKey.get(draft.key);
      if (existing !== undefined) {
        if (existing.attempt === attempt) {
          // Our own earlier attempt committed and its reply was lost: this call appended it.
          const outcome: SequenceOutcome = {
            status: "appended",
            entry: existing.entry,
            unresolvedPredecessors: existing.unresolved,
          };
          settle.push(() => pending.resolve(outcome));
        } else {
          const outcome: SequenceOutcome = { status: "exists", entry: existing.entry };
          settle.push(() => pending.resolve(outcome));
        }
        continue;
      }
      let unresolved: readonly string[] = [];
      if (check !== undefined) {
        let result: Awaited<ReturnType<SequenceCheck["run"]>>;
        try {
          result = await check.run(view);
        } catch (error) {
          if (lookupFailure !== undefined) throw lookupFailure.error;
          // The check itself failed for this append alone: refuse it, sequence the others.
          settle.push(() => pending.reject(error));
          continue;
        }
        if (lookupFailure !== undefined) throw lookupFailure.error;
        if (!result.valid) {
          settle.push(() => pending.resolve({ status: "rejected", result }));
          continue;
        }
        unresolved = result.unresolvedPredecessors;
      }
      const row = newEntryRow(draft, next++, attempt, unresolved);
      added.set(draft.key, row);
      if (!addedByJti.has(row.jtiKey)) addedByJti.set(row.jtiKey, row);
      const outcome: SequenceOutcome = {
        status: "appended",
        entry: row.entry,
        unresolvedPredecessors: row.unresolved,
      };
      settle.push(() => pending.resolve(outcome));
    }
    // The second round trip: the new entries and COMMIT (an INSERT that fails skips the COMMIT;
    // the connection is then closed, which rolls back).
    const insert = added.size > 0 ? `${this.#insertEntriesSql(client, [...added.values()])}; ` : "";
    await client.query(`${insert}COMMIT`);
    return settle;
  }

  /** The INSERT of `rows` with every value an escaped literal (for a multi-statement round trip). */
  #insertEntriesSql(client: pg.ClientBase, rows: readonly EntryRow[]): string {
    const lit = (value: string | null) => (value === null ? "NULL" : client.escapeLiteral(value));
    const int = (value: number) => {
      if (!Number.isSafeInteger(value)) throw new TypeError("not a safe integer");
      return String(value);
    };
    const values = rows.map(
      (r) =>
        `(${[
          lit(this.ledgerId),
          int(r.entry.index),
          lit(r.key),
          lit(r.entry.jti),
          lit(r.jtiKey),
          lit(r.entry.wid),
          lit((r.entry.wid ?? "").toLowerCase()),
          lit(r.entry.iss),
          lit(r.entry.token),
          int(r.entry.ingestedAt),
          lit(r.entry.wit),
          lit(r.entry.leafHash),
          lit(JSON.stringify(r.entry.claims)),
          lit(JSON.stringify(r.unresolved)),
          `${lit(r.attempt)}::uuid`,
        ].join(", ")})`,
    );
    return `INSERT INTO ${this.schema}.ledger_entries
      (ledger_id, idx, key, jti, jti_key, wid, wid_key, iss, token, ingested_at, wit, leaf_hash, claims, unresolved, attempt)
      VALUES ${values.join(",\n")}`;
  }

  async #insertEntries(client: pg.PoolClient, rows: readonly EntryRow[]): Promise<void> {
    const column = <T>(pick: (row: EntryRow) => T) => rows.map(pick);
    await client.query(
      `INSERT INTO ${this.schema}.ledger_entries
         (ledger_id, idx, key, jti, jti_key, wid, wid_key, iss, token, ingested_at, wit, leaf_hash, claims, unresolved, attempt)
       SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                                $9::text[], $10::bigint[], $11::text[], $12::text[], $13::text[], $14::text[], $15::uuid[])`,
      [
        this.ledgerId,
        column((r) => r.entry.index),
        column((r) => r.key),
        column((r) => r.entry.jti),
        column((r) => r.jtiKey),
        column((r) => r.entry.wid),
        column((r) => (r.entry.wid ?? "").toLowerCase()),
        column((r) => r.entry.iss),
        column((r) => r.entry.token),
        column((r) => r.entry.ingestedAt),
        column((r) => r.entry.wit),
        column((r) => r.entry.leafHash),
        column((r) => JSON.stringify(r.entry.claims)),
        column((r) => JSON.stringify(r.unresolved)),
        column((r) => r.attempt),
      ],
    );
  }

  async #replaceEntries(entries: readonly LedgerBackendEntry[]): Promise<void> {
    const attempt = globalThis.crypto.randomUUID();
    const rows = entries.map((entry, index) =>
      newEntryRow(
        {
          ...entry,
          key: ectKey(entry.wid, entry.jti),
          claims: entry.claims ?? (decodeEct(entry.token).claims as unknown as EctClaims),
        },
        index,
        attempt,
        [],
      ),
    );
    await this.#connection.transaction(
      "tamper",
      async (client) => {
        await client.query(`DELETE FROM ${this.schema}.ledger_entries WHERE ledger_id = $1`, [this.ledgerId]);
        if (rows.length > 0) await this.#insertEntries(client, rows);
      },
      { lockClass: LockClass.SEQUENCE, lockName: this.ledgerId },
    );
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.recordConflict} */
  async recordConflict(conflict: LedgerConflictDraft): Promise<LedgerBackendConflict> {
    const t = `${this.schema}.ledger_conflicts`;
    // Under the sequencing lock, so ids stay contiguous; once per (key, token) by its digest, so a
    // retry after a lost reply returns the record it made.
    return this.#connection.transaction(
      "conflict record",
      async (client) => {
        const { rows } = await client.query(
          `WITH found AS (
             SELECT * FROM ${t} WHERE ledger_id = $1 AND key = $2 AND token_digest = sha256(convert_to($5, 'UTF8'))
           ), inserted AS (
             INSERT INTO ${t} (ledger_id, id, key, wid, jti, token, token_digest, wit, existing_index, received_at)
             SELECT $1, (SELECT coalesce(max(id) + 1, 0) FROM ${t} WHERE ledger_id = $1), $2, $3, $4, $5,
                    sha256(convert_to($5, 'UTF8')), $6, $7, $8
             WHERE NOT EXISTS (SELECT 1 FROM found)
             RETURNING *
           )
           SELECT * FROM found UNION ALL SELECT * FROM inserted`,
          [
            this.ledgerId,
            conflict.key,
            conflict.wid,
            conflict.jti,
            conflict.token,
            conflict.wit,
            conflict.existingIndex,
            conflict.receivedAt,
          ],
        );
        return conflictRow(rows[0]!);
      },
      { lockClass: LockClass.SEQUENCE, lockName: this.ledgerId },
    );
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.getByKey} */
  async getByKey(key: string): Promise<LedgerBackendEntry | undefined> {
    return (await this.#entryWhere("key = $2", key))?.entry;
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.findByJti} */
  async findByJti(jti: string): Promise<LedgerBackendEntry | undefined> {
    return (await this.#entryWhere("jti_key = $2", jti))?.entry;
  }

  async #entryWhere(where: string, value: string): Promise<EntryRow | undefined> {
    const { rows } = await this.#connection.run("read", (client) =>
      client.query(
        `SELECT ${ENTRY_COLUMNS} FROM ${this.schema}.ledger_entries WHERE ledger_id = $1 AND ${where} ORDER BY idx LIMIT 1`,
        [this.ledgerId, value],
      ),
    );
    return rows[0] === undefined ? undefined : entryRow(rows[0]);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.getEntries} */
  async getEntries(start: number, end: number): Promise<readonly LedgerBackendEntry[]> {
    if (!(end > start)) return [];
    const { rows } = await this.#connection.run("read", (client) =>
      client.query(
        `SELECT ${ENTRY_COLUMNS} FROM ${this.schema}.ledger_entries
         WHERE ledger_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx`,
        [this.ledgerId, Math.max(0, start), end],
      ),
    );
    return rows.map((row) => entryRow(row).entry);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.listWorkflow} */
  async listWorkflow(widKey: string): Promise<readonly LedgerBackendEntry[]> {
    const { rows } = await this.#connection.run("read", (client) =>
      client.query(
        `SELECT ${ENTRY_COLUMNS} FROM ${this.schema}.ledger_entries WHERE ledger_id = $1 AND wid_key = $2 ORDER BY idx`,
        [this.ledgerId, widKey],
      ),
    );
    return rows.map((row) => entryRow(row).entry);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.size} */
  async size(): Promise<number> {
    const { rows } = await this.#connection.run("read", (client) =>
      client.query(
        `SELECT coalesce(max(idx) + 1, 0) AS size FROM ${this.schema}.ledger_entries WHERE ledger_id = $1`,
        [this.ledgerId],
      ),
    );
    return Number(rows[0]?.size ?? 0);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.conflicts} */
  async conflicts(): Promise<readonly LedgerBackendConflict[]> {
    const { rows } = await this.#connection.run("read", (client) =>
      client.query(`SELECT * FROM ${this.schema}.ledger_conflicts WHERE ledger_id = $1 ORDER BY id`, [
        this.ledgerId,
      ]),
    );
    return rows.map(conflictRow);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.getNodes} */
  async getNodes(ids: readonly TreeNodeId[]): Promise<readonly (Uint8Array | undefined)[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.#connection.run("read", (client) =>
      client.query(
        `SELECT n.level, n.idx, n.hash FROM ${this.schema}.ledger_nodes n
         JOIN unnest($2::smallint[], $3::bigint[]) AS wanted(level, idx) USING (level, idx)
         WHERE n.ledger_id = $1`,
        [this.ledgerId, ids.map((id) => id.level), ids.map((id) => id.index)],
      ),
    );
    const found = new Map<string, Uint8Array>();
    for (const row of rows) found.set(`${row.level}/${row.idx}`, new Uint8Array(row.hash as Buffer));
    return ids.map((id) => found.get(`${id.level}/${id.index}`));
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.latestCheckpoint} */
  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const { rows } = await this.#connection.run("read", (client) =>
      client.query(
        `SELECT size, root, note FROM ${this.schema}.ledger_checkpoints WHERE ledger_id = $1 ORDER BY size DESC LIMIT 1`,
        [this.ledgerId],
      ),
    );
    return rows[0] === undefined ? undefined : checkpointRow(rows[0]);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.checkpoints} */
  async checkpoints(): Promise<readonly StoredCheckpoint[]> {
    const { rows } = await this.#connection.run("read", (client) =>
      client.query(
        `SELECT size, root, note FROM ${this.schema}.ledger_checkpoints WHERE ledger_id = $1 ORDER BY size`,
        [this.ledgerId],
      ),
    );
    return rows.map(checkpointRow);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.commitIntegration} */
  async commitIntegration(commit: IntegrationCommit): Promise<boolean> {
    const attempt = globalThis.crypto.randomUUID();
    // The integration lock serialises racing integrators (of any process); the compare is against
    // the latest stored checkpoint. A retry whose first attempt committed finds its own nonce.
    return this.#connection.transaction(
      "integration",
      async (client) => {
        const { rows } = await client.query(
          `SELECT size, attempt FROM ${this.schema}.ledger_checkpoints WHERE ledger_id = $1 ORDER BY size DESC LIMIT 1`,
          [this.ledgerId],
        );
        if (rows[0]?.attempt === attempt) return true;
        if (Number(rows[0]?.size ?? 0) !== commit.fromSize) return false;
        await this.#insertNodes(client, commit.nodes);
        await client.query(
          `INSERT INTO ${this.schema}.ledger_checkpoints (ledger_id, size, root, note, attempt) VALUES ($1, $2, $3, $4, $5)`,
          [
            this.ledgerId,
            commit.checkpoint.size,
            Buffer.from(commit.checkpoint.root),
            commit.checkpoint.note,
            attempt,
          ],
        );
        return true;
      },
      { lockClass: LockClass.INTEGRATE, lockName: this.ledgerId },
    );
  }

  /** Stores nodes; one already stored is left as it is (a complete subtree's hash never changes). */
  async #insertNodes(client: pg.PoolClient, nodes: readonly TreeNode[]): Promise<void> {
    for (let at = 0; at < nodes.length; at += IMPORT_CHUNK) {
      const chunk = nodes.slice(at, at + IMPORT_CHUNK);
      await client.query(
        `INSERT INTO ${this.schema}.ledger_nodes (ledger_id, level, idx, hash)
         SELECT $1, * FROM unnest($2::smallint[], $3::bigint[], $4::bytea[])
         ON CONFLICT (ledger_id, level, idx) DO NOTHING`,
        [
          this.ledgerId,
          chunk.map((n) => n.level),
          chunk.map((n) => n.index),
          chunk.map((n) => Buffer.from(n.hash)),
        ],
      );
    }
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.importBatch} */
  async importBatch(batch: LedgerImportBatch): Promise<void> {
    const attempt = globalThis.crypto.randomUUID();
    await this.#connection.transaction(
      "import",
      async (client) => {
        // Both locks (sequencing first, as everywhere): no append or integration runs meanwhile.
        await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [
          LockClass.INTEGRATE,
          `${this.schema}.${this.ledgerId}`,
        ]);
        const { rows } = await client.query(
          `SELECT (SELECT attempt FROM ${this.schema}.ledger_entries WHERE ledger_id = $1 ORDER BY idx LIMIT 1) AS first,
                  EXISTS (SELECT 1 FROM ${this.schema}.ledger_entries WHERE ledger_id = $1)
               OR EXISTS (SELECT 1 FROM ${this.schema}.ledger_conflicts WHERE ledger_id = $1)
               OR EXISTS (SELECT 1 FROM ${this.schema}.ledger_checkpoints WHERE ledger_id = $1) AS used`,
          [this.ledgerId],
        );
        if (rows[0]?.first === attempt) return; // our own lost commit
        if (rows[0]?.used === true) {
          throw new EctError(EctErrorCodes.LEDGER_IMPORT_INVALID, `ledger "${this.ledgerId}" is not empty`);
        }
        const entries = batch.entries.map((draft, index) => newEntryRow(draft, index, attempt, []));
        for (let at = 0; at < entries.length; at += IMPORT_CHUNK) {
          await this.#insertEntries(client, entries.slice(at, at + IMPORT_CHUNK));
        }
        for (const [id, c] of batch.conflicts.entries()) {
          await client.query(
            `INSERT INTO ${this.schema}.ledger_conflicts
               (ledger_id, id, key, wid, jti, token, token_digest, wit, existing_index, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, sha256(convert_to($6, 'UTF8')), $7, $8, $9)`,
            [this.ledgerId, id, c.key, c.wid, c.jti, c.token, c.wit, c.existingIndex, c.receivedAt],
          );
        }
        await this.#insertNodes(client, batch.nodes);
        for (const checkpoint of batch.checkpoints) {
          await client.query(
            `INSERT INTO ${this.schema}.ledger_checkpoints (ledger_id, size, root, note, attempt) VALUES ($1, $2, $3, $4, $5)`,
            [this.ledgerId, checkpoint.size, Buffer.from(checkpoint.root), checkpoint.note, attempt],
          );
        }
      },
      { lockClass: LockClass.SEQUENCE, lockName: this.ledgerId },
    );
  }
}

/**
 * Test hook: rewrites the stored entries of a PostgreSQL ledger behind the ledger's back, the way an
 * attacker with write access to the tables would, recomputing nothing: `change` may edit, reorder or
 * drop entries (they are stored renumbered by position). Only for proving the audit finds it;
 * exported from `ect-ledger-postgres/testing` only.
 */
export async function tamperPostgresLedger(
  target: { readonly backend: LedgerBackend } | PostgresLedgerBackend,
  change: (entries: LedgerBackendEntry[]) => void,
): Promise<void> {
  const backend = target instanceof PostgresLedgerBackend ? target : target.backend;
  if (!(backend instanceof PostgresLedgerBackend)) throw new TypeError("not a PostgreSQL ledger");
  const entries = (await backend.getEntries(0, await backend.size())).map((e) => ({ ...e }));
  change(entries);
  await replaceEntries(backend, entries);
}
