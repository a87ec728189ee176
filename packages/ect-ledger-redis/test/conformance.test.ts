import { describeLedgerConformance } from "ect-ledger-testkit";
import { createClient } from "redis";
import { afterAll, beforeAll } from "vitest";
import { RedisLedger } from "../src/index.js";
import { type RedisServerHandle, startRedisServer } from "../src/testing/index.js";
import { tamperRedisLedger } from "./support/tamper.js";

// profile §7: the Redis ledger passes the whole ledger conformance suite against a private server.
let server: RedisServerHandle;
let admin: ReturnType<typeof createClient>;

beforeAll(async () => {
  server = await startRedisServer();
  admin = createClient({ url: server.url });
  await admin.connect();
}, 30_000);

afterAll(async () => {
  await admin?.close();
  await server?.stop();
});

describeLedgerConformance("RedisLedger (standalone)", {
  create: (options) =>
    new RedisLedger({
      url: server.url,
      ledgerId: `conformance-${globalThis.crypto.randomUUID()}`,
      ...options,
    }),
  tamper: (ledger, change) => tamperRedisLedger(admin, ledger, change),
  dispose: (ledger) => ledger.close(),
});
