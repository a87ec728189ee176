import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresLedgerBackend } from "../src/index.js";
import {
  type PostgresServerHandle,
  startPostgresServer,
  startPostgresStandby,
} from "../src/testing/index.js";
import { draftOf, signedTokens } from "./support/tokens.js";

// Profile §7 / issue 17: surviving the loss of the machine needs a synchronous standby. Two local
// servers: a primary with synchronous_standby_names naming the standby, the ledger's sessions with
// synchronous_commit = remote_apply, so an acknowledged append is already visible on the standby.

let primary: PostgresServerHandle;
let standby: PostgresServerHandle;
let onPrimary: pg.Client;
let onStandby: pg.Client;

beforeAll(async () => {
  primary = await startPostgresServer();
  standby = await startPostgresStandby(primary, { applicationName: "standby1" });
  onPrimary = new pg.Client({ connectionString: primary.connectionString });
  onStandby = new pg.Client({ connectionString: standby.connectionString });
  await Promise.all([onPrimary.connect(), onStandby.connect()]);
  await onPrimary.query("ALTER SYSTEM SET synchronous_standby_names = 'standby1'");
  await onPrimary.query("SELECT pg_reload_conf()");
  // Progress, not time: wait until the primary reports the standby as synchronous.
  for (;;) {
    const { rows } = await onPrimary.query(
      "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'",
    );
    if (rows[0]?.sync_state === "sync") break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});
afterAll(async () => {
  await Promise.all([onPrimary?.end(), onStandby?.end()]);
  await standby?.stop();
  await primary?.stop();
});

describe("synchronous standby", () => {
  it("every acknowledged append is already on the standby", async () => {
    const options = encodeURIComponent("-c synchronous_commit=remote_apply");
    const backend = new PostgresLedgerBackend({
      connectionString: `${primary.connectionString}&options=${options}`,
      ledgerId: `standby-${globalThis.crypto.randomUUID()}`,
    });
    try {
      await backend.migrate();
      for (const token of await signedTokens(20)) {
        const outcome = await backend.sequence(draftOf(token));
        if (outcome.status !== "appended") throw new Error(outcome.status);
        const { rows } = await onStandby.query(
          "SELECT idx FROM ect.ledger_entries WHERE ledger_id = $1 AND token = $2",
          [backend.ledgerId, token],
        );
        expect(rows.map((r) => Number(r.idx))).toEqual([outcome.entry.index]);
      }
      const { rows } = await onStandby.query("SELECT pg_is_in_recovery() AS standby");
      expect(rows[0].standby).toBe(true);
    } finally {
      await backend.close();
    }
  }, 120_000);
});
