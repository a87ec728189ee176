import { describeLedgerConformance, type LedgerTamperMutation } from "ect-ledger-testkit";
import { createClient } from "redis";
import { afterAll, beforeAll } from "vitest";
import { RedisLedger } from "../src/index.js";
import { type RedisServerHandle, startRedisServer } from "../src/testing/index.js";

// SPEC 7: the Redis ledger passes the whole ledger conformance suite against a private server.
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
  create: ({ clock, dagOptions, receiptSigner }) =>
    new RedisLedger({
      url: server.url,
      ledgerId: `conformance-${globalThis.crypto.randomUUID()}`,
      clock,
      ...(dagOptions ? { dag: dagOptions } : {}),
      ...(receiptSigner ? { receiptSigner } : {}),
    }),
  // The way an attacker with raw Redis access would: overwrite fields of the stored entry hash.
  tamper: async (ledger, seq, mutation: LedgerTamperMutation) => {
    const fields: Record<string, string> = {};
    if (mutation.token !== undefined) fields["t"] = mutation.token;
    if (mutation.leafHash !== undefined) fields["l"] = mutation.leafHash;
    if (mutation.chainHash !== undefined) fields["c"] = mutation.chainHash;
    await admin.hSet(ledger.keys.entry(seq), fields);
  },
  dispose: (ledger) => ledger.close(),
});
