import { EctConfigError, EctErrorCodes, isEctError } from "ect-core";
import { exportLedgerJsonl, importLedgerJsonl } from "ect-ledger";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLedger, RedisLedgerBackend, type RedisLedgerOptions, redisLedgerKeys } from "../src/index.js";
import { SEQUENCE_SCRIPT } from "../src/lua-scripts.js";
import { type RedisServerHandle, startRedisServer } from "../src/testing/index.js";
import { assertLedgerInvariants } from "./support/invariants.js";
import { distinctTokens, testIssuer } from "./support/tokens.js";

let server: RedisServerHandle;
let admin: ReturnType<typeof createClient>;
const ledgers: RedisLedger[] = [];
const uuid = () => globalThis.crypto.randomUUID();

function ledger(options: Partial<RedisLedgerOptions> = {}): RedisLedger {
  const made = new RedisLedger({
    url: server.url,
    ledgerId: `unit-${uuid()}`,
    ...options,
  } as RedisLedgerOptions);
  ledgers.push(made);
  return made;
}

async function codeOf(action: () => unknown): Promise<string | undefined> {
  try {
    await action();
  } catch (error) {
    // EctError, or EctConfigError for an option mistake (both carry the code).
    if (isEctError(error) || error instanceof EctConfigError) return error.code;
    return `not an EctError: ${String(error)}`;
  }
  return undefined;
}

beforeAll(async () => {
  server = await startRedisServer();
  admin = createClient({ url: server.url });
  await admin.connect();
});
afterAll(async () => {
  // Some ledgers point at servers stopped by their test: their final checkpoint cannot be written.
  for (const l of ledgers) await l.close().catch(() => undefined);
  await admin?.close();
  await server?.stop();
});

describe("several ledger instances on one id (profile §7)", () => {
  it("appending and integrating concurrently give one log and never two inconsistent checkpoints", async () => {
    const first = ledger({ checkpointBatch: 16 });
    const second = ledger({ ledgerId: first.ledgerId, checkpointBatch: 16 });
    const tokens = await distinctTokens(200);
    const outcomes = await Promise.all(tokens.map((t, i) => (i % 2 ? first : second).append(t)));
    expect(outcomes.every((o) => o.status === "appended")).toBe(true);
    await Promise.all([first.integrate(), second.integrate()]);
    await assertLedgerInvariants(first, { acknowledged: tokens, unknown: [] });
    const checkpoints = await first.checkpoints();
    for (let i = 1; i < checkpoints.length; i++)
      expect(checkpoints[i]!.size).toBeGreaterThan(checkpoints[i - 1]!.size);
    expect(checkpoints[checkpoints.length - 1]!.size).toBe(200);
  });

  it("the sequencing script holds no hashing: leaf hashes come from the client", () => {
    expect(SEQUENCE_SCRIPT.source).not.toMatch(/sha|SHA|0x6a09e667/);
  });
});

describe("key layout", () => {
  it("every key of a ledger carries its hash tag", async () => {
    const l = ledger();
    const issuer = await testIssuer();
    const wid = uuid();
    const jti = uuid();
    await l.append(await issuer.issue({ wid, jti }));
    await l.append(await issuer.issue({ wid, jti, exec_act: "other" })); // a conflict record
    await l.append(await issuer.issue());
    const keys = (await admin.keys(`*${l.ledgerId}*`)).sort();
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) expect(key.startsWith(`ect:{${l.ledgerId}}:`)).toBe(true);
    expect(redisLedgerKeys("orders")).toMatchObject({ prefix: "ect:{orders}:", head: "ect:{orders}:head" });
    expect(redisLedgerKeys("orders").entry(7)).toBe("ect:{orders}:e:7");
    expect(redisLedgerKeys("orders").workflow(wid.toUpperCase())).toBe(`ect:{orders}:w:${wid}`);
  });
});

describe("configuration", () => {
  it("refuses bad options with an EctConfigError naming the option (a TypeError, ECT_CONFIG_INVALID)", async () => {
    const url = server.url;
    const optionOf = (make: () => unknown): string => {
      try {
        make();
      } catch (error) {
        if (error instanceof EctConfigError && error instanceof TypeError)
          return `${error.code} ${error.option}`;
        return `not an EctConfigError: ${String(error)}`;
      }
      return "accepted";
    };
    const refused = (options: object) => optionOf(() => new RedisLedger(options as never));
    for (const ledgerId of ["", "a b", "has{brace", "has}brace", "x".repeat(201), 7]) {
      expect(refused({ url, ledgerId })).toBe("ECT_CONFIG_INVALID ledgerId");
    }
    expect(refused({ ledgerId: "x" })).toBe("ECT_CONFIG_INVALID url");
    expect(refused({ ledgerId: "x", url, cluster: { rootNodes: [url] } })).toBe("ECT_CONFIG_INVALID url");
    expect(refused({ ledgerId: "x", url: "http://host" })).toBe("ECT_CONFIG_INVALID url");
    expect(refused({ ledgerId: "x", cluster: { rootNodes: [] } })).toBe(
      "ECT_CONFIG_INVALID cluster.rootNodes",
    );
    expect(refused({ ledgerId: "x", cluster: { rootNode: [url] } })).toBe(
      "ECT_CONFIG_INVALID cluster.rootNode",
    );
    expect(refused({ ledgerId: "x", client: 5 })).toBe("ECT_CONFIG_INVALID client");
    for (const [bad, option] of [
      [{ commandTimeoutMs: 0 }, "commandTimeoutMs"],
      [{ retryBudgetMs: -1 }, "retryBudgetMs"],
      [{ connectTimeoutMs: Number.NaN }, "connectTimeoutMs"],
      [{ startupCheck: "maybe" }, "startupCheck"],
      [{ onWarning: "log" }, "onWarning"],
      [{ backend: {} }, "backend"],
      [{ comandTimeoutMs: 5 }, "comandTimeoutMs"],
      [{ dag: { maxTraversall: 5 } }, "dag.maxTraversall"],
      [{ dag: { maxTraversal: -1 } }, "dag.maxTraversal"],
      [{ dag: { unresolvedPredecessors: "maybe" } }, "dag.unresolvedPredecessors"],
      [{ dag: null }, "dag"],
    ] as const) {
      expect(refused({ ledgerId: "x", url, ...bad }), option).toBe(`ECT_CONFIG_INVALID ${option}`);
    }
    expect(optionOf(() => new RedisLedgerBackend({ ledgerId: "x", url, checkpointBatch: 5 } as never))).toBe(
      "ECT_CONFIG_INVALID checkpointBatch",
    );
    expect(optionOf(() => new RedisLedger(null as never))).toBe("ECT_CONFIG_INVALID options");
    const l = ledger();
    const [token] = await distinctTokens(1);
    expect(await codeOf(() => l.append(token!, { now: 1.5 }))).toBe(EctErrorCodes.CONFIG_INVALID);
  });

  it("a borrowed client is used and left open; a factory's client is owned and closed", async () => {
    const borrowed = createClient({ url: server.url });
    await borrowed.connect();
    const withBorrowed = new RedisLedger({ client: borrowed, ledgerId: `unit-${uuid()}` });
    const [a, b] = await distinctTokens(2);
    expect((await withBorrowed.append(a!)).status).toBe("appended");
    await withBorrowed.close();
    expect(borrowed.isOpen).toBe(true);
    expect(await codeOf(() => withBorrowed.size())).toBe(EctErrorCodes.LEDGER_UNAVAILABLE);
    await borrowed.close();

    let made: ReturnType<typeof createClient> | undefined;
    const withFactory = new RedisLedger({
      client: () => {
        made = createClient({ url: server.url });
        return made;
      },
      ledgerId: `unit-${uuid()}`,
    });
    expect((await withFactory.append(b!)).status).toBe("appended");
    expect(made?.isOpen).toBe(true);
    await withFactory.close();
    expect(made?.isOpen).toBe(false);
  });
});

describe("startup check", () => {
  it("warns (default), refuses (option) or stays silent about AOF off and evicting policies", async () => {
    const loose = await startRedisServer({ appendonly: false, maxmemoryPolicy: "allkeys-lru" });
    try {
      const warnings: string[] = [];
      const warned = new RedisLedger({ url: loose.url, ledgerId: "w", onWarning: (m) => warnings.push(m) });
      ledgers.push(warned);
      await warned.size();
      await warned.size();
      expect(warnings).toHaveLength(2); // once each, not per call
      expect(warnings.join("\n")).toMatch(/AOF is off/);
      expect(warnings.join("\n")).toMatch(/allkeys-lru can evict ledger entries/);

      const refusing = new RedisLedger({ url: loose.url, ledgerId: "r", startupCheck: "refuse" });
      ledgers.push(refusing);
      const [token] = await distinctTokens(1);
      expect(await codeOf(() => refusing.append(token!))).toBe(EctErrorCodes.CONFIG_INVALID);
      expect(await loose.command("EXISTS", refusing.keys.size)).toBe(":0\r\n");

      const silent: string[] = [];
      const off = new RedisLedger({
        url: loose.url,
        ledgerId: "o",
        startupCheck: "off",
        onWarning: (m) => silent.push(m),
      });
      ledgers.push(off);
      expect((await off.append(token!)).status).toBe("appended");
      expect(silent).toEqual([]);

      // Fixed while running: a refusing ledger re-checks and goes on.
      await loose.command("CONFIG", "SET", "appendonly", "yes");
      await loose.command("CONFIG", "SET", "maxmemory-policy", "volatile-lru"); // never evicts ledger keys
      expect((await refusing.append(token!)).status).toBe("appended");
    } finally {
      await loose.stop();
    }
  });

  it("a good configuration gives no warning; an INFO refused by an ACL gives one", async () => {
    const warnings: string[] = [];
    const l = ledger({ onWarning: (m) => warnings.push(m) });
    await l.size();
    expect(warnings).toEqual([]);
    await admin.sendCommand(["ACL", "SETUSER", "limited", "on", ">pw", "~*", "+@all", "-info"]);
    const limited = ledger({
      url: server.url.replace("redis://", "redis://limited:pw@"),
      onWarning: (m) => warnings.push(m),
    });
    const [token] = await distinctTokens(1);
    expect((await limited.append(token!)).status).toBe("appended");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not check/);
  });
});

describe("import and paging", () => {
  it("imports more entries than one batch and pages workflows and ranges", async () => {
    const source = ledger({ origin: "ect.example.org/ledger/paging" });
    const issuer = await testIssuer();
    const wid = uuid();
    const tokens = await Promise.all(Array.from({ length: 620 }, () => issuer.issue({ wid })));
    await Promise.all(tokens.map((t) => source.append(t)));
    await source.integrate();
    const lines: string[] = [];
    for await (const line of exportLedgerJsonl(source)) lines.push(line);
    const target = ledger({ origin: "ect.example.org/ledger/paging" });
    const result = await importLedgerJsonl(target, lines);
    expect(result.entries).toBe(620);
    expect((await target.listWorkflow(wid)).map((e) => e.index)).toEqual(
      Array.from({ length: 620 }, (_, i) => i),
    );
    expect((await target.range({ start: 490, limit: 20 })).map((e) => e.index)).toEqual(
      Array.from({ length: 20 }, (_, i) => 490 + i),
    );
    await assertLedgerInvariants(target, { acknowledged: tokens, unknown: [] });
    expect((await target.append(tokens[5]!)).status).toBe("duplicate");
    expect((await target.append(await issuer.issue({ wid }))).status).toBe("appended");
    expect(await codeOf(() => importLedgerJsonl(target, lines))).toBe(EctErrorCodes.LEDGER_IMPORT_INVALID);
  });
});
