import { EctErrorCodes, isEctError } from "ect-core";
import { chainHash, GENESIS_CHAIN_HASH, leafHash, toHex } from "ect-core/internal";
import fc from "fast-check";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLedger, type RedisLedgerOptions, redisLedgerKeys } from "../src/index.js";
import { APPEND_SCRIPT, CHAIN_HASH_SCRIPT } from "../src/lua-scripts.js";
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
    return isEctError(error) ? error.code : `not an EctError: ${String(error)}`;
  }
  return undefined;
}

beforeAll(async () => {
  server = await startRedisServer();
  admin = createClient({ url: server.url });
  await admin.connect();
});
afterAll(async () => {
  for (const l of ledgers) await l.close();
  await admin?.close();
  await server?.stop();
});

describe("chain hashes (SPEC 7)", () => {
  it("the Lua SHA-256 fallback computes ect-core's chainHash for any inputs", async () => {
    const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex);
    await fc.assert(
      fc.asyncProperty(hex32, hex32, async (previous, leaf) => {
        const lua = await admin.sendCommand(["EVAL", CHAIN_HASH_SCRIPT.source, "0", previous, leaf]);
        expect(lua).toBe(await chainHash(previous, leaf));
      }),
      { numRuns: 200 },
    );
    expect(
      await admin.sendCommand(["EVAL", CHAIN_HASH_SCRIPT.source, "0", GENESIS_CHAIN_HASH, "f".repeat(64)]),
    ).toBe(await chainHash(GENESIS_CHAIN_HASH, "f".repeat(64)));
  });

  it("the script takes the client's hash only for the predicted head, and computes it otherwise", async () => {
    const l = ledger();
    const [first, second, third] = await distinctTokens(3);
    await l.append(first!);
    const head = await l.head();
    // Calls the script directly, as a client whose prediction is stale would.
    const call = async (token: string, expected: [string, string, string]) => {
      const leaf = await leafHash(token);
      const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<
        string,
        unknown
      >;
      const wid = (claims["wid"] as string | undefined) ?? "";
      const reply = (await admin.sendCommand([
        "EVALSHA",
        APPEND_SCRIPT.sha,
        "1",
        l.keys.head,
        l.keys.prefix,
        `${wid.toLowerCase()}|${String(claims["jti"]).toLowerCase()}`,
        String(claims["jti"]).toLowerCase(),
        wid.toLowerCase(),
        token,
        String(claims["jti"]),
        wid,
        String(claims["iss"]),
        "1767225600000",
        leaf,
        String(token.lastIndexOf(".") + 1),
        uuid(),
        String(claims["iat"]),
        "",
        "",
        ...expected,
        "",
        "0",
        "0",
        "0",
        "0",
      ])) as unknown[];
      return { reply, leaf };
    };
    // Stale seq: the fallback hashes in Lua; the result is still ect-core's chain hash.
    const bogus = "e".repeat(64);
    const stale = await call(second!, ["0", GENESIS_CHAIN_HASH, bogus]);
    expect(stale.reply[4]).toBe("0");
    expect(stale.reply[3]).toBe(await chainHash(head.chainHash, stale.leaf));
    // Right seq, wrong chain hash: not the predicted head either.
    const afterSecond = await l.head();
    const wrongChain = await call(third!, [String(afterSecond.seq), "d".repeat(64), bogus]);
    expect(wrongChain.reply[4]).toBe("0");
    expect(wrongChain.reply[3]).toBe(await chainHash(afterSecond.chainHash, wrongChain.leaf));
    // Through the ledger: its own prediction is right, so the fast path is taken.
    const fourth = (await distinctTokens(1))[0]!;
    const result = await l.append(fourth);
    expect(result.status).toBe("appended");
    expect((await l.verifyChain()).valid).toBe(true);
    expect((await l.head()).seq).toBe(4);
  });

  it("two ledger instances on one id, appending concurrently, produce one chain", async () => {
    const a = ledger();
    const b = ledger({ ledgerId: a.ledgerId });
    const tokens = await distinctTokens(200);
    const results = await Promise.all(tokens.map((t, i) => (i % 2 ? a : b).append(t)));
    expect(results.every((r) => r.status === "appended")).toBe(true);
    await assertLedgerInvariants(a, { acknowledged: tokens, unknown: [] });
    // Re-sending through the other instance is a duplicate, never a second entry.
    expect((await b.append(tokens[1]!)).status).toBe("duplicate");
  });

  it("verifyChain reports a deleted entry and a forged head", async () => {
    const l = ledger();
    for (const token of await distinctTokens(5)) await l.append(token);
    await admin.del(l.keys.entry(3));
    const deleted = await l.verifyChain();
    expect(deleted.valid === false && [deleted.brokenAt, deleted.error.code]).toEqual([
      3,
      EctErrorCodes.LEDGER_CHAIN_BROKEN,
    ]);
    const other = ledger();
    for (const token of await distinctTokens(3)) await other.append(token);
    await admin.hSet(other.keys.head, "c", "a".repeat(64));
    const forged = await other.verifyChain();
    expect(forged.valid === false && forged.brokenAt).toBe(3);
    await admin.hSet(other.keys.head, "s", "4");
    const longer = await other.verifyChain();
    expect(longer.valid === false && longer.brokenAt).toBe(4);
  });
});

describe("tampering with the fields beside the token", () => {
  it("verifyChain reports a changed copy the DAG rules read, a changed identity field, a second entry of one identity", async () => {
    const issuer = await testIssuer();
    const wid = uuid();
    const rejected = uuid();
    const l = ledger({ dag: {} });
    await l.append(await issuer.issue({ wid }));
    await l.append(
      await issuer.issue({ wid, jti: rejected, extra: { ect_ext: { pol: "p", pol_decision: "rejected" } } }),
    );
    await l.append(await issuer.issue({ wid }));
    expect((await l.append(await issuer.issue({ wid, pred: [rejected] }))).status).toBe("rejected");
    // An administrator "approves" the rejected parent in the copy the script reads: a child passes...
    await admin.hSet(l.keys.entry(2), "pd", "approved");
    expect((await l.append(await issuer.issue({ wid, pred: [rejected] }))).status).toBe("appended");
    // ...but the audit sees the copy is not the token's.
    const result = await l.verifyChain();
    expect(result.valid === false && [result.brokenAt, result.error.code]).toEqual([
      2,
      EctErrorCodes.LEDGER_CHAIN_BROKEN,
    ]);
    await admin.hSet(l.keys.entry(2), "pd", "rejected");
    expect((await l.verifyChain()).valid).toBe(true);

    await admin.hSet(l.keys.entry(3), "i", "spiffe://someone/else");
    expect(await l.verifyChain()).toMatchObject({ valid: false, brokenAt: 3 });
    await admin.hSet(l.keys.entry(3), "i", issuer.iss);

    // The identity index entry removed: the same token appends again, and the audit sees it twice.
    const first = (await l.getBySeq(1))!;
    await admin.hDel(l.keys.identity, `${wid}|${first.jti.toLowerCase()}`);
    expect((await l.append(first.token)).status).toBe("appended");
    expect(await l.verifyChain()).toMatchObject({ valid: false, brokenAt: 5 });
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
  it("refuses bad options with ECT_CONFIG_INVALID", async () => {
    const url = server.url;
    for (const ledgerId of ["", "a b", "has{brace", "has}brace", "x".repeat(201), 7]) {
      expect(await codeOf(() => new RedisLedger({ url, ledgerId } as never))).toBe(
        EctErrorCodes.CONFIG_INVALID,
      );
    }
    expect(await codeOf(() => new RedisLedger({ ledgerId: "x" } as never))).toBe(
      EctErrorCodes.CONFIG_INVALID,
    );
    expect(
      await codeOf(() => new RedisLedger({ ledgerId: "x", url, cluster: { rootNodes: [url] } } as never)),
    ).toBe(EctErrorCodes.CONFIG_INVALID);
    expect(await codeOf(() => new RedisLedger({ ledgerId: "x", url: "http://host" }))).toBe(
      EctErrorCodes.CONFIG_INVALID,
    );
    expect(await codeOf(() => new RedisLedger({ ledgerId: "x", cluster: { rootNodes: [] } }))).toBe(
      EctErrorCodes.CONFIG_INVALID,
    );
    for (const bad of [{ commandTimeoutMs: 0 }, { retryBudgetMs: -1 }, { connectTimeoutMs: Number.NaN }]) {
      expect(await codeOf(() => new RedisLedger({ ledgerId: "x", url, ...bad }))).toBe(
        EctErrorCodes.CONFIG_INVALID,
      );
    }
    for (const dag of [
      { maxTraversall: 5 },
      { maxTraversal: -1 },
      { unresolvedPredecessors: "maybe" },
      null,
    ]) {
      expect(await codeOf(() => new RedisLedger({ ledgerId: "x", url, dag } as never))).toBe(
        EctErrorCodes.CONFIG_INVALID,
      );
    }
    expect(await codeOf(() => new RedisLedger({ ledgerId: "x", url, startupCheck: "maybe" } as never))).toBe(
      EctErrorCodes.CONFIG_INVALID,
    );
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
    expect(await codeOf(() => withBorrowed.head())).toBe(EctErrorCodes.LEDGER_UNAVAILABLE);
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
      await warned.head();
      await warned.head();
      expect(warnings).toHaveLength(2); // once each, not per call
      expect(warnings.join("\n")).toMatch(/AOF is off/);
      expect(warnings.join("\n")).toMatch(/allkeys-lru can evict ledger entries/);

      const refusing = new RedisLedger({ url: loose.url, ledgerId: "r", startupCheck: "refuse" });
      ledgers.push(refusing);
      const [token] = await distinctTokens(1);
      expect(await codeOf(() => refusing.append(token!))).toBe(EctErrorCodes.CONFIG_INVALID);
      expect(await loose.command("EXISTS", refusing.keys.head)).toBe(":0\r\n");

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
    await l.head();
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
  it("refuses an import line with a duplicate member (strict JSON), importing nothing", async () => {
    const source = ledger();
    const issuer = await testIssuer();
    await source.append(await issuer.issue({}));
    const lines: string[] = [];
    for await (const line of source.exportJsonl()) lines.push(line);
    // A first-wins reader would see the decoy; JSON.parse (last wins) would import the real token.
    const decoy = await issuer.issue({});
    const smuggled = lines[0]!.replace('"token":', `"token":${JSON.stringify(decoy)},"token":`);
    const target = ledger();
    expect(await codeOf(() => target.importJsonl([smuggled]))).toBe(EctErrorCodes.LEDGER_IMPORT_INVALID);
    expect((await target.head()).seq).toBe(0);
    expect((await target.importJsonl(lines)).imported).toBe(1);
  });

  it("imports more entries than one batch and pages workflows and ranges", async () => {
    const source = ledger();
    const issuer = await testIssuer();
    const wid = uuid();
    const tokens = await Promise.all(Array.from({ length: 620 }, () => issuer.issue({ wid })));
    await Promise.all(tokens.map((t) => source.append(t)));
    const lines: string[] = [];
    for await (const line of source.exportJsonl()) lines.push(line);
    expect(lines).toHaveLength(620);
    const target = ledger();
    const result = await target.importJsonl(lines);
    expect(result.imported).toBe(620);
    expect(result.head).toEqual(await source.head());
    expect((await target.listWorkflow(wid)).map((e) => e.seq)).toEqual(
      Array.from({ length: 620 }, (_, i) => i + 1),
    );
    expect((await target.range({ fromSeq: 490, limit: 20 })).map((e) => e.seq)).toEqual(
      Array.from({ length: 20 }, (_, i) => 490 + i),
    );
    expect((await target.verifyChain()).valid).toBe(true);
    expect((await target.append(tokens[5]!)).status).toBe("duplicate");
    expect((await target.append(await issuer.issue({ wid }))).status).toBe("appended");
  });
});
