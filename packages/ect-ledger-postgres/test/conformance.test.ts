import {
  describeDagVectors,
  describeLedgerConformance,
  type LedgerHarness,
  loadDagVectors,
} from "ect-ledger-testkit";
import { afterAll, beforeAll } from "vitest";
import { PostgresLedger } from "../src/index.js";
import {
  type PostgresServerHandle,
  startPostgresServer,
  tamperPostgresLedger,
} from "../src/testing/index.js";

// Profile §7: the PostgreSQL ledger passes the whole ledger conformance suite against a private
// server (one server for the file; a fresh ledger id per check), and the shared DAG vectors.
let server: PostgresServerHandle;

beforeAll(async () => {
  server = await startPostgresServer();
  const ledger = new PostgresLedger({ connectionString: server.connectionString, ledgerId: "migrate" });
  await ledger.migrate();
  await ledger.close();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const harness: LedgerHarness<PostgresLedger> = {
  create: (options) =>
    new PostgresLedger({
      ...options,
      connectionString: server.connectionString,
      ledgerId: `conformance-${globalThis.crypto.randomUUID()}`,
      maxConnections: 3,
    }),
  tamper: (ledger, change) => tamperPostgresLedger(ledger, change),
  dispose: (ledger) => ledger.close(),
};

describeLedgerConformance("PostgresLedger", harness);

// profile §6: the shared DAG vectors through the PostgreSQL ledger's append (the rules run inside
// its transaction, through ect-dag: the one definition) and through the audit.
describeDagVectors(
  "PostgresLedger",
  harness,
  loadDagVectors(new URL("../../../testdata/ect/dag/", import.meta.url)),
);
