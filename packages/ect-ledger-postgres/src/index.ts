/**
 * `ect-ledger-postgres`: the ECT audit ledger on PostgreSQL (profile §7: one transaction per
 * append under a per-ledger advisory lock, `synchronous_commit` on, so an acknowledged append
 * survives a crash of the server) and a replay cache shared by verifier instances (profile §5
 * step 10). Tables are created by one explicit, idempotent, versioned migration.
 *
 * @packageDocumentation
 */
export {
  checkPostgresDurability,
  type PostgresDurabilityReport,
  type PostgresDurabilitySettings,
  type PostgresQueryable,
  type PostgresRows,
} from "./durability-check.js";
export { isTransientPostgresError, type PostgresConnectionOptions } from "./postgres-connection.js";
export { PostgresLedger, type PostgresLedgerOptions } from "./postgres-ledger.js";
export { PostgresLedgerBackend, type PostgresLedgerBackendOptions } from "./postgres-ledger-backend.js";
export { PostgresReplayCache, type PostgresReplayCacheOptions } from "./postgres-replay-cache.js";
export { DEFAULT_SCHEMA, type MigrationResult, migratePostgresSchema, SCHEMA_VERSION } from "./schema.js";
