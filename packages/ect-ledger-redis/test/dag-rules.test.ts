import { EctErrorCodes } from "ect-core";
import { describeDagVectors, loadDagVectors } from "ect-ledger-testkit";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLedger } from "../src/index.js";
import { type RedisServerHandle, startRedisServer } from "../src/testing/index.js";
import { tamperRedisLedger } from "./support/tamper.js";
import { testIssuer } from "./support/tokens.js";

// profile §6 on Redis: the rules run once, in ect-ledger through ect-dag (no copy in Lua). The shared
// vectors go through the Redis ledger's append and the audit; the "allow" cycle check is atomic
// across ledger instances (the ledger lock), which two instances racing on one id prove.

let server: RedisServerHandle;
let admin: ReturnType<typeof createClient>;
const ledgers: RedisLedger[] = [];
const uuid = () => globalThis.crypto.randomUUID();

beforeAll(async () => {
  server = await startRedisServer();
  admin = createClient({ url: server.url });
  await admin.connect();
}, 30_000);
afterAll(async () => {
  for (const l of ledgers) await l.close();
  await admin?.close();
  await server?.stop();
});

describeDagVectors(
  "RedisLedger",
  {
    create: (options) => new RedisLedger({ url: server.url, ledgerId: `dag-${uuid()}`, ...options }),
    tamper: (ledger, change) => tamperRedisLedger(admin, ledger, change),
    dispose: (ledger) => ledger.close(),
  },
  loadDagVectors(new URL("../../../testdata/ect/dag/", import.meta.url)),
);

describe("DAG rules by default", () => {
  it("a RedisLedger with default options refuses a missing predecessor with ECT_DAG_PRED_MISSING", async () => {
    const ledger = new RedisLedger({ url: server.url, ledgerId: `dag-${uuid()}` });
    ledgers.push(ledger);
    expect(ledger.enforcesDagRules).toBe(true);
    const issuer = await testIssuer();
    const result = await ledger.append(await issuer.issue({ pred: [uuid()] }));
    expect(result.status === "rejected" && result.violations[0]!.code).toBe(EctErrorCodes.DAG_PRED_MISSING);
    expect(await ledger.size()).toBe(0);
  });

  it('"allow": two instances on one ledger cannot jointly close a cycle (A pred B, B pred A)', async () => {
    const ledgerId = `dag-${uuid()}`;
    const a = new RedisLedger({ url: server.url, ledgerId, dag: { unresolvedPredecessors: "allow" } });
    const b = new RedisLedger({ url: server.url, ledgerId, dag: { unresolvedPredecessors: "allow" } });
    ledgers.push(a, b);
    const issuer = await testIssuer();
    const pairs = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const wid = uuid();
        const x = uuid();
        const y = uuid();
        return [
          await issuer.issue({ wid, jti: x, pred: [y] }),
          await issuer.issue({ wid, jti: y, pred: [x] }),
        ];
      }),
    );
    const results = await Promise.all(pairs.flatMap(([x, y]) => [a.append(x!), b.append(y!)]));
    for (let i = 0; i < pairs.length; i++) {
      const statuses = [results[2 * i]!.status, results[2 * i + 1]!.status].sort();
      expect(statuses).toEqual(["appended", "rejected"]);
    }
    expect(await a.size()).toBe(10);
  });
});
