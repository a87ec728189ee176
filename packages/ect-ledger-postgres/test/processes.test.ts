import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresLedger } from "../src/index.js";
import { type PostgresServerHandle, startPostgresServer } from "../src/testing/index.js";
import { assertLedgerInvariants } from "./support/invariants.js";
import { signedTokens } from "./support/tokens.js";
import { builtEntry, startAppendWorker, type WorkerMessage } from "./support/workers.js";

// Separate OS processes, not just concurrent promises (profile §6/§7: two concurrent appends never
// jointly break the rules; "several processes share a ledger"), and a process killed with kill -9
// in the middle of its appends.

let server: PostgresServerHandle;
let entry: string;
const uuid = () => globalThis.crypto.randomUUID();

function acked(messages: readonly WorkerMessage[]): WorkerMessage[] {
  return messages.filter((m) => m.ack !== undefined);
}

async function openLedger(ledgerId: string): Promise<PostgresLedger> {
  return new PostgresLedger({ connectionString: server.connectionString, ledgerId });
}

beforeAll(async () => {
  entry = builtEntry();
  server = await startPostgresServer();
  const ledger = await openLedger("migrate");
  await ledger.migrate();
  await ledger.close();
});
afterAll(async () => {
  await server?.stop();
});

describe("OS processes", () => {
  it("two processes appending to one ledger, interleaved, produce one contiguous order, each key once", async () => {
    const ledgerId = `processes-${uuid()}`;
    const tokens = await signedTokens(241);
    const shared = tokens[0]!;
    const shares = [
      [shared, ...tokens.slice(1, 121)],
      [shared, ...tokens.slice(121)],
    ];
    const workers = shares.map((share) =>
      startAppendWorker({
        entry,
        connectionString: server.connectionString,
        ledgerId,
        tokens: share,
        concurrency: 4,
        pauseAfterFirst: true,
      }),
    );
    await Promise.all(workers.map((w) => w.until((m) => m.some((x) => x.ready))));
    for (const w of workers) w.tell("go");
    // Both have appended before either goes on: their appends interleave by construction.
    await Promise.all(workers.map((w) => w.until((m) => acked(m).length === 1)));
    for (const w of workers) w.tell("continue");
    await Promise.all(workers.map((w) => w.until((m) => m.some((x) => x.done))));
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
    const [a, b] = workers.map((w) => acked(w.messages));
    expect(a).toHaveLength(121);
    expect(b).toHaveLength(121);
    const all = [...a!, ...b!];
    expect(all.filter((m) => m.status === "appended")).toHaveLength(241);
    expect(all.filter((m) => m.status === "duplicate")).toHaveLength(1);
    const indexesOf = (list: WorkerMessage[]) =>
      list.filter((m) => m.status === "appended").map((m) => m.index!);
    expect(Math.min(...indexesOf(b!))).toBeLessThan(Math.max(...indexesOf(a!)));
    expect(Math.min(...indexesOf(a!))).toBeLessThan(Math.max(...indexesOf(b!)));
    const ledger = await openLedger(ledgerId);
    try {
      await assertLedgerInvariants(ledger, server.connectionString, {
        acknowledged: tokens,
        unknown: [],
      });
      expect((await ledger.latestCheckpoint())?.size).toBe(241);
    } finally {
      await ledger.close();
    }
  }, 120_000);

  it("a process killed with kill -9 while appending loses no acknowledged append and leaves nothing half-written or locked", async () => {
    const ledgerId = `killed-${uuid()}`;
    const tokens = await signedTokens(400);
    const worker = startAppendWorker({
      entry,
      connectionString: server.connectionString,
      ledgerId,
      tokens,
      concurrency: 4,
      // Progress, not speed: no new append starts after 100 acks, so the kill lands before the end.
      holdAfter: 100,
    });
    await worker.until((m) => m.some((x) => x.ready));
    worker.tell("go");
    await worker.until((m) => acked(m).length >= 100);
    worker.child.kill("SIGKILL");
    expect(await worker.exited).toBe("SIGKILL");
    const acknowledged = acked(worker.messages).map((m) => tokens[m.ack!]!);
    expect(acknowledged.length).toBeGreaterThanOrEqual(100);
    expect(acknowledged.length).toBeLessThan(400);
    const known = new Set(acknowledged);
    const ledger = await openLedger(ledgerId);
    try {
      // The dead process's transaction was rolled back and its lock released: appends go on.
      const [after] = await signedTokens(1);
      expect((await ledger.append(after!)).status).toBe("appended");
      await assertLedgerInvariants(ledger, server.connectionString, {
        acknowledged: [...acknowledged, after!],
        unknown: tokens.filter((t) => !known.has(t)),
      });
    } finally {
      await ledger.close();
    }
  }, 120_000);
});
