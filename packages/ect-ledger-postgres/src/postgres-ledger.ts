import { EctConfigError } from "ect-core";
import { splitLedgerOptions, TransparencyLedger, type TransparencyLedgerOptions } from "ect-ledger";
import {
  BACKEND_OPTIONS,
  PostgresLedgerBackend,
  type PostgresLedgerBackendOptions,
} from "./postgres-ledger-backend.js";
import type { MigrationResult } from "./schema.js";

/** Options of {@link PostgresLedger}: the backend's (connection, `ledgerId`) and the ledger's (signers, DAG rules, checkpoints). */
export interface PostgresLedgerOptions
  extends Omit<TransparencyLedgerOptions, "backend">,
    PostgresLedgerBackendOptions {}

/** The options that configure the backend; every other one goes to the `TransparencyLedger`. */
/**
 * The ECT audit ledger on PostgreSQL (profile §7): ect-ledger's `TransparencyLedger` (receipts,
 * RFC 9162 tree, signed checkpoints, proofs, export/import, the DAG rules on by default) over a
 * {@link PostgresLedgerBackend}. Each append is one transaction under the ledger's advisory lock,
 * committed with `synchronous_commit` on before it is acknowledged, so an acknowledged append
 * survives a crash of the server. Any number of processes may append to one ledger (same
 * `ledgerId`). Call {@link PostgresLedger.migrate} once (it is idempotent) before the first append.
 *
 * @example
 * ```ts
 * const ledger = new PostgresLedger({ connectionString: process.env.DATABASE_URL!, ledgerId: "orders" });
 * await ledger.migrate();
 * const result = await ledger.append(token);
 * await ledger.close();
 * ```
 */
export class PostgresLedger extends TransparencyLedger {
  /** The backend this ledger stores into. */
  declare readonly backend: PostgresLedgerBackend;

  /**
   * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for a missing,
   *   unknown or invalid option, `backend` included (a connection problem or an unmigrated schema is
   *   reported by the first call instead).
   */
  constructor(options: PostgresLedgerOptions) {
    const split = splitLedgerOptions(options, BACKEND_OPTIONS, "PostgresLedger");
    const backend = new PostgresLedgerBackend(split.backend as unknown as PostgresLedgerBackendOptions);
    super({ ...split.ledger, backend });
  }

  /** The ledger's id inside the schema. */
  get ledgerId(): string {
    return this.backend.ledgerId;
  }

  /** Creates or upgrades the package's tables: explicit, idempotent, versioned (see `migratePostgresSchema`). */
  migrate(): Promise<MigrationResult> {
    return this.backend.migrate();
  }

  /** Covers what was appended with a checkpoint, then closes the pool the ledger owns. */
  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      await this.backend.close();
    }
  }
}
