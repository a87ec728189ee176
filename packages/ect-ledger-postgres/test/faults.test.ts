import { EctErrorCodes, isEctError } from "ect-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresLedger, type PostgresLedgerOptions } from "../src/index.js";
import { LockClass } from "../src/schema.js";
import {
  type PostgresServerHandle,
  startPostgresFaultProxy,
  startPostgresServer,
} from "../src/testing/index.js";
import { appendAll, assertLedgerInvariants } from "./support/invariants.js";
import { signedTokens } from "./support/tokens.js";

// Profile §7: "an acknowledged append survives a crash of the server". Every fault is driven by
// progress (after N acknowledged appends), never by wall time, and every test ends with the
// invariants: each acknowledged append stored exactly once, indexes contiguous, tree and
// checkpoints valid, nothing half-written.

let server: PostgresServerHandle;
const opened: { close(): Promise<void> }[] = [];

function ledger(options: Partial<PostgresLedgerOptions> = {}): PostgresLedger {
  const made = new PostgresLedger({
    connectionString: server.connectionString,
    ledgerId: `faults-${globalThis.crypto.randomUUID()}`,
    maxConnections: 4,
    ...options,
  } as PostgresLedgerOptions);
  opened.push(made);
  return made;
}

beforeAll(async () => {
  server = await startPostgresServer();
  await ledger().migrate();
});
afterAll(async () => {
  for (const o of opened) await o.close().catch(() => undefined);
  await server?.stop();
});

describe("faults", () => {
  it("kill -9 of the postmaster during 1,000 appends from 8 callers, restarted on the same data folder, loses no acknowledged append", async () => {
    const tokens = await signedTokens(1000);
    // The budget only has to outlast one restart with crash recovery on a loaded machine.
    const subject = ledger({ retryBudgetMs: 180_000 });
    let crash: Promise<void> | undefined;
    let acknowledgedAtKill = -1;
    const pidBefore = server.pid;
    const outcomes = await appendAll(
      (token) => subject.append(token),
      tokens,
      8,
      (count) => {
        if (count === 300 && crash === undefined) {
          crash = (async () => {
            await server.kill9();
            acknowledgedAtKill = count;
            await server.restart();
          })();
        }
      },
    );
    await crash;
    expect(acknowledgedAtKill).toBe(300);
    expect(server.pid).not.toBe(pidBefore);
    expect(server.log()).toMatch(/database system was interrupted|not properly shut down/);
    expect(outcomes.unknown).toEqual([]);
    expect(outcomes.acknowledged).toHaveLength(1000);
    await assertLedgerInvariants(subject, server.connectionString, outcomes);
  }, 300_000);

  it("connection resets just before and just after COMMIT, under 8 callers: every acknowledged append stored once", async () => {
    const proxy = await startPostgresFaultProxy({ target: server });
    try {
      const tokens = await signedTokens(240);
      const subject = ledger({ connectionString: proxy.connectionString });
      const faults: Promise<void>[] = [];
      const outcomes = await appendAll(
        (token) => subject.append(token),
        tokens,
        8,
        (count) => {
          if (count % 40 === 0 && count <= 160 && faults.length < count / 40) {
            faults.push(proxy.resetOnStatement(/COMMIT$/, faults.length % 2 === 0 ? "after" : "before"));
          }
        },
      );
      await Promise.all(faults);
      expect(faults).toHaveLength(4);
      expect(outcomes.unknown).toEqual([]);
      await assertLedgerInvariants(subject, server.connectionString, outcomes);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it("a statement timeout fails the append whole (nothing stored) and the ledger goes on", async () => {
    const [blocked, other] = await signedTokens(2);
    const subject = ledger({ statementTimeoutMs: 200, retryBudgetMs: 600 });
    await subject.append((await signedTokens(1))[0]!).then((r) => expect(r.status).toBe("appended"));
    // Another session holds the ledger's sequencing lock: every attempt's lock wait times out.
    const holder = new pg.Client({ connectionString: server.connectionString });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1, hashtext($2))", [
        LockClass.SEQUENCE,
        `${subject.backend.schema}.${subject.backend.ledgerId}`,
      ]);
      const error = await subject.append(blocked!).catch((e) => e);
      expect(isEctError(error) && error.code).toBe(EctErrorCodes.LEDGER_UNAVAILABLE);
      expect(String((error as Error).message)).toMatch(/statement timeout/);
    } finally {
      await holder.end();
    }
    expect((await subject.append(other!)).status).toBe("appended");
    expect((await subject.append(blocked!)).status).toBe("appended");
    const size = await subject.backend.size();
    expect(size).toBe(3);
    await assertLedgerInvariants(subject, server.connectionString, {
      acknowledged: (await subject.backend.getEntries(0, size)).map((e) => e.token),
      unknown: [],
    });
  }, 60_000);
});
