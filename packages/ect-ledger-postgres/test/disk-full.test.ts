import { EctErrorCodes, isEctError } from "ect-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresLedger } from "../src/index.js";
import { type PostgresServerHandle, startPostgresServer } from "../src/testing/index.js";
import { type AppendOutcomes, assertLedgerInvariants } from "./support/invariants.js";
import { signedTokens } from "./support/tokens.js";

// A full disk, simulated portably: the server may write no file past 4 MiB (RLIMIT_FSIZE, set with
// prlimit; 1 MiB WAL segments so the WAL stays below it), so the ledger's table cannot grow past
// it, as on a full disk. Appends then fail whole; nothing is half-written; once the limit is lifted
// (more space), appends go on. Driven by progress: append until the first refusal.

const LIMIT = 4 * 1024 * 1024;
let server: PostgresServerHandle;

beforeAll(async () => {
  server = await startPostgresServer({ walSegmentSizeMb: 1, fileSizeLimitBytes: LIMIT });
});
afterAll(async () => {
  await server?.stop();
});

describe("disk full", () => {
  it("appends fail whole when the table cannot grow, nothing half-written; they resume when space returns", async () => {
    // One connection: the failed append's connection is closed, so the next one is a new backend.
    const ledger = new PostgresLedger({
      connectionString: server.connectionString,
      ledgerId: "disk-full",
      maxConnections: 1,
    });
    try {
      await ledger.migrate();
      // About 4 KiB of incompressible claims per entry (stored twice: token and claims): a few
      // hundred entries fill 4 MiB. Appended in parallel batches until the first refusal.
      const tokens = await signedTokens(1200, { padding: 2500 });
      const acknowledged: string[] = [];
      const unknown: string[] = [];
      let refusal: unknown;
      for (let at = 0; at < tokens.length && refusal === undefined; at += 16) {
        const chunk = tokens.slice(at, at + 16);
        const settled = await Promise.allSettled(chunk.map((t) => ledger.append(t)));
        settled.forEach((outcome, i) => {
          if (outcome.status === "fulfilled") acknowledged.push(chunk[i]!);
          else {
            unknown.push(chunk[i]!);
            refusal ??= outcome.reason;
          }
        });
      }
      expect(isEctError(refusal) && refusal.code).toBe(EctErrorCodes.LEDGER_APPEND_FAILED);
      expect(String((refusal as Error).message)).toMatch(/could not extend file/);
      expect(acknowledged.length).toBeGreaterThan(50);
      expect(acknowledged.length).toBeLessThan(tokens.length);
      const outcomes: AppendOutcomes = { acknowledged, unknown };
      await assertLedgerInvariants(ledger, server.connectionString, outcomes);
      // The refused batch stored nothing at all.
      expect(await ledger.size()).toBe(acknowledged.length);

      // More space: lift the limit on the postmaster; backends it starts from now on inherit it.
      server.liftFileSizeLimit();
      // Sessions started before keep the limit: end them (the ledger retries on a new session).
      const admin = new pg.Client({ connectionString: server.connectionString });
      await admin.connect();
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
      );
      await admin.end();
      for (const token of unknown) {
        expect((await ledger.append(token)).status).toBe("appended");
      }
      await assertLedgerInvariants(ledger, server.connectionString, {
        acknowledged: [...acknowledged, ...unknown],
        unknown: [],
      });
    } finally {
      await ledger.close();
    }
  }, 120_000);
});
