/**
 * `ect-ledger-postgres/testing`: a harness for tests, benchmarks and demos that need a real
 * PostgreSQL without touching anyone else's: private servers (`initdb` into a temporary folder,
 * `postgres` on a unix socket there, run as the `postgres` system user when the process is root),
 * stopped by PID and told to shut down when the process exits; a streaming standby of one; and a
 * protocol-aware TCP proxy that resets a connection just before or just after a chosen statement.
 * Needs the PostgreSQL server programs (Debian/Ubuntu: `apt-get install postgresql`).
 *
 * @packageDocumentation
 */

export { tamperPostgresLedger } from "../postgres-ledger-backend.js";
export { findPostgresBinDir } from "./postgres-binaries.js";
export {
  type PostgresFaultProxy,
  type PostgresFaultProxyOptions,
  type PostgresSocketAddress,
  type StatementFault,
  startPostgresFaultProxy,
} from "./postgres-fault-proxy.js";
export {
  createPostgresTemplate,
  type PostgresServerHandle,
  type PostgresServerOptions,
  type PostgresStandbyOptions,
  startPostgresServer,
  startPostgresStandby,
  stopRegisteredPostgresServers,
} from "./postgres-server.js";
