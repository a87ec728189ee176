import { EctErrorCodes, isEctError } from "ect-core";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLedger, type RedisLedgerOptions } from "../src/index.js";
import {
  freePort,
  type RedisServerHandle,
  startRedisServer,
  startTcpProxy,
  type TcpProxy,
} from "../src/testing/index.js";
import { appendAll, assertLedgerInvariants } from "./support/invariants.js";
import { distinctTokens, testIssuer } from "./support/tokens.js";

// SPEC 7 Redis backend: "a timed-out or reset call is retried safely because the script is
// idempotent; acknowledged appends survive a server restart when Redis runs with AOF". Every test
// is bounded (vitest timeout) and ends with the ledger invariants.

const ledgers: RedisLedger[] = [];
function ledgerFor(url: string, options: Partial<RedisLedgerOptions> = {}): RedisLedger {
  const ledger = new RedisLedger({
    url,
    ledgerId: `faults-${globalThis.crypto.randomUUID()}`,
    connectTimeoutMs: 300,
    commandTimeoutMs: 300,
    retryBudgetMs: 8000,
    ...options,
  } as RedisLedgerOptions);
  ledgers.push(ledger);
  return ledger;
}

/** A second ledger instance on the same id, straight to the server, to check what was stored. */
function checkerFor(ledger: RedisLedger, url: string): RedisLedger {
  const checker = new RedisLedger({ url, ledgerId: ledger.ledgerId });
  ledgers.push(checker);
  return checker;
}

afterAll(async () => {
  // Some ledgers point at servers their test stopped: a final checkpoint cannot be written there.
  await Promise.all(ledgers.map((ledger) => ledger.close().catch(() => undefined)));
});

describe("lost replies and resets (TCP proxy)", () => {
  let server: RedisServerHandle;
  let proxy: TcpProxy;
  beforeAll(async () => {
    server = await startRedisServer();
    proxy = await startTcpProxy({ targetPort: server.port });
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  for (const then of ["hang", "reset"] as const) {
    it(`a lost reply (connection then ${then === "hang" ? "hangs" : "is reset"}) is retried and resolves to appended, once`, async () => {
      const ledger = ledgerFor(proxy.url);
      const [first, second] = await distinctTokens(2);
      expect((await ledger.append(first!)).status).toBe("appended");
      const lost = proxy.loseNextReply(then);
      const result = await ledger.append(second!);
      await lost; // the reply really was dropped after the command ran
      expect(result.status).toBe("appended");
      if (result.status === "appended") expect(result.entry.index).toBe(1);
      const outcomes = { acknowledged: [first!, second!], unknown: [] };
      await assertLedgerInvariants(checkerFor(ledger, server.url), outcomes);
      await assertLedgerInvariants(ledger, outcomes);
    }, 20_000);
  }

  for (const when of ["before", "after"] as const) {
    it(`a connection reset ${when} the command reaches the server resolves to appended, once`, async () => {
      const ledger = ledgerFor(proxy.url);
      const [first, second] = await distinctTokens(2);
      expect((await ledger.append(first!)).status).toBe("appended");
      const reset = proxy.resetOnNextCommand(when);
      const result = await ledger.append(second!);
      await reset;
      expect(result.status).toBe("appended");
      await assertLedgerInvariants(checkerFor(ledger, server.url), {
        acknowledged: [first!, second!],
        unknown: [],
      });
    }, 20_000);
  }

  it("a lost reply of a conflicting append records its evidence once", async () => {
    const ledger = ledgerFor(proxy.url);
    const issuer = await testIssuer();
    const wid = globalThis.crypto.randomUUID();
    const jti = globalThis.crypto.randomUUID();
    const original = await issuer.issue({ wid, jti, exec_act: "a" });
    expect((await ledger.append(original)).status).toBe("appended");
    const lost = proxy.loseNextReply("hang");
    const result = await ledger.append(await issuer.issue({ wid, jti, exec_act: "b" }));
    await lost;
    expect(result.status).toBe("conflict");
    expect((await ledger.conflicts()).map((c) => c.id)).toEqual([0]);
    await assertLedgerInvariants(checkerFor(ledger, server.url), { acknowledged: [original], unknown: [] });
  }, 20_000);

  it("a read whose reply is lost is retried too", async () => {
    const ledger = ledgerFor(proxy.url);
    const [token] = await distinctTokens(1);
    await ledger.append(token!);
    const lost = proxy.loseNextReply("hang");
    const entries = await ledger.range();
    await lost;
    expect(entries.map((e) => e.token)).toEqual([token]);
    await assertLedgerInvariants(ledger, { acknowledged: [token!], unknown: [] });
  }, 20_000);
});

describe("server faults", () => {
  it("CLIENT KILL after every 50 acknowledged appends, during 1000 appends from 8 concurrent callers", async () => {
    const server = await startRedisServer();
    const admin = createClient({ url: server.url });
    try {
      await admin.connect();
      const ledger = ledgerFor(server.url, { commandTimeoutMs: 1000, retryBudgetMs: 15_000 });
      const tokens = await distinctTokens(1000);
      // Faults are driven by progress, never by wall time (a fast machine finishes 1000 appends
      // before a timer fires a few times): after every 50th acknowledged append, the caller that got
      // it kills every client connection, while the other 7 callers' appends are in flight.
      const KILL_EVERY = 50;
      let acknowledged = 0;
      let rounds = 0;
      let kills = 0;
      const outcomes = await appendAll(ledger, tokens, 8, async () => {
        acknowledged++;
        if (acknowledged % KILL_EVERY !== 0 || acknowledged === tokens.length) return;
        rounds++;
        kills += Number(await admin.sendCommand(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]));
      });
      expect(rounds).toBeGreaterThanOrEqual(10);
      // Each round finds the ledger's connection up (an append was just acknowledged over it), unless
      // a timeout had it reconnecting at that moment: most rounds kill something.
      expect(kills).toBeGreaterThanOrEqual(rounds / 2);
      expect(outcomes.acknowledged.length + outcomes.unknown.length).toBe(1000);
      await assertLedgerInvariants(checkerFor(ledger, server.url), outcomes);
    } finally {
      await admin.close().catch(() => undefined);
      await server.stop();
    }
  }, 60_000);

  it("DEBUG SLEEP beyond the client timeout: appends are retried and land once", async () => {
    const server = await startRedisServer({ enableDebugCommand: true });
    try {
      const ledger = ledgerFor(server.url, { commandTimeoutMs: 200, retryBudgetMs: 10_000 });
      const tokens = await distinctTokens(40);
      await ledger.append(tokens[0]!);
      // The server stops answering for 1 s (5x the command timeout) while 4 callers append.
      const sleeping = server.command("DEBUG", "SLEEP", "1");
      const outcomes = await appendAll(ledger, tokens.slice(1), 4);
      expect(await sleeping).toContain("OK");
      expect(outcomes.unknown).toEqual([]);
      await assertLedgerInvariants(ledger, {
        acknowledged: [tokens[0]!, ...outcomes.acknowledged],
        unknown: [],
      });
    } finally {
      await server.stop();
    }
  }, 30_000);

  it("kill -9 mid-stream, restart from the AOF (appendfsync always): no acknowledged append lost", async () => {
    const server = await startRedisServer({ appendfsync: "always" });
    try {
      const ledger = ledgerFor(server.url, { commandTimeoutMs: 500, retryBudgetMs: 15_000 });
      const tokens = await distinctTokens(300);
      let acknowledgedBeforeKill = 0;
      const stream = appendAll(ledger, tokens, 4, () => {
        if (server.running) acknowledgedBeforeKill++;
      });
      while (acknowledgedBeforeKill < 100) await new Promise((r) => setTimeout(r, 5));
      await server.kill9();
      await new Promise((r) => setTimeout(r, 300));
      await server.restart();
      const outcomes = await stream;
      expect(acknowledgedBeforeKill).toBeGreaterThanOrEqual(100);
      await assertLedgerInvariants(checkerFor(ledger, server.url), outcomes);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it("server absent at start: a clear ECT_LEDGER_UNAVAILABLE within the budget, nothing written", async () => {
    const port = await freePort(); // nothing listens there
    const ledger = ledgerFor(`redis://127.0.0.1:${port}`, { retryBudgetMs: 1500 });
    const [token] = await distinctTokens(1);
    const error = await ledger.append(token!).catch((e: unknown) => e);
    expect(isEctError(error) && error.code).toBe(EctErrorCodes.LEDGER_UNAVAILABLE);
    expect((error as Error).message).toMatch(/nothing was written/);
    const readError = await ledger.size().catch((e: unknown) => e);
    expect(isEctError(readError) && readError.code).toBe(EctErrorCodes.LEDGER_UNAVAILABLE);
  }, 10_000);

  it("maxmemory with noeviction: a definite ECT_LEDGER_APPEND_FAILED, nothing half-written", async () => {
    const server = await startRedisServer({ maxmemoryPolicy: "noeviction" });
    try {
      const used = Number(/used_memory:(\d+)/.exec(await server.command("INFO", "memory"))![1]);
      await server.command("CONFIG", "SET", "maxmemory", String(used + 400_000));
      const ledger = ledgerFor(server.url);
      const issuer = await testIssuer();
      const wid = globalThis.crypto.randomUUID();
      const acknowledged: string[] = [];
      let refused: unknown;
      let refusedToken = "";
      for (let i = 0; i < 200 && refused === undefined; i++) {
        const token = await issuer.issue({ wid, extra: { pad: "x".repeat(8000) } });
        try {
          await ledger.append(token);
          acknowledged.push(token);
        } catch (error) {
          refused = error;
          refusedToken = token;
        }
      }
      expect(isEctError(refused) && refused.code).toBe(EctErrorCodes.LEDGER_APPEND_FAILED);
      expect((refused as Error).message).toMatch(/OOM/);
      expect((refused as Error).message).toMatch(/nothing was written/);
      expect(acknowledged.length).toBeGreaterThan(0);
      // Reads still work when the server is full (the read script is flagged no-writes); a
      // checkpoint cannot be written now, so the invariants are checked without integrating.
      await assertLedgerInvariants(ledger, { acknowledged, unknown: [] }, { integrate: false });
      const size = await ledger.size();
      expect(size).toBe(acknowledged.length);
      const jti = String(JSON.parse(Buffer.from(refusedToken.split(".")[1]!, "base64url").toString())["jti"]);
      expect(await ledger.get(wid, jti)).toBeUndefined();
      // No trace of the refused append in any structure.
      const keys = ledger.keys;
      expect(await server.command("EXISTS", keys.entry(size))).toBe(":0\r\n");
      expect(await server.command("HLEN", keys.identity)).toBe(`:${size}\r\n`);
      expect(await server.command("HLEN", keys.jti)).toBe(`:${size}\r\n`);
      expect(await server.command("LLEN", keys.workflow(wid))).toBe(`:${size}\r\n`);
      expect(await server.command("LLEN", keys.conflicts)).toBe(":0\r\n");
      // With room again, the same token appends and the chain continues.
      await server.command("CONFIG", "SET", "maxmemory", "0");
      expect((await ledger.append(refusedToken)).status).toBe("appended");
      await assertLedgerInvariants(ledger, { acknowledged: [...acknowledged, refusedToken], unknown: [] });
      await ledger.close();
    } finally {
      await server.stop();
    }
  }, 30_000);

  it("SCRIPT FLUSH between calls: the scripts are loaded again and appends and reads go on", async () => {
    const server = await startRedisServer();
    try {
      const ledger = ledgerFor(server.url);
      const tokens = await distinctTokens(6);
      for (const token of tokens.slice(0, 3)) await ledger.append(token);
      expect(await server.command("SCRIPT", "FLUSH")).toContain("OK");
      expect((await ledger.append(tokens[3]!)).status).toBe("appended");
      expect(await server.command("SCRIPT", "FLUSH")).toContain("OK");
      expect(await ledger.size()).toBe(4);
      expect(await server.command("SCRIPT", "FLUSH")).toContain("OK");
      const results = await Promise.all(tokens.slice(4).map((t) => ledger.append(t)));
      expect(results.map((r) => r.status)).toEqual(["appended", "appended"]);
      await assertLedgerInvariants(ledger, { acknowledged: tokens, unknown: [] });
    } finally {
      await server.stop();
    }
  }, 20_000);
});
