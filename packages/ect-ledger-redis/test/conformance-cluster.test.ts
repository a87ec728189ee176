import {
  describeDagVectors,
  describeLedgerConformance,
  type LedgerHarness,
  loadDagVectors,
} from "ect-ledger-testkit";
import { createCluster } from "redis";
import { afterAll, beforeAll } from "vitest";
import { RedisLedger } from "../src/index.js";
import { type RedisClusterHandle, startRedisCluster } from "../src/testing/index.js";
import { tamperRedisLedger } from "./support/tamper.js";

// profile §7 "also on Redis Cluster": the same suite against a local 3-master cluster. Every ledger
// gets its own id, so the ledgers of the suite land in different slots (and on different masters).
let cluster: RedisClusterHandle;
let admin: ReturnType<typeof createCluster>;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
  admin = createCluster({ rootNodes: cluster.rootNodes.map((url) => ({ url })) });
  await admin.connect();
}, 60_000);

afterAll(async () => {
  await admin?.close();
  await cluster?.stop();
});

const harness: LedgerHarness<RedisLedger> = {
  create: (options) =>
    new RedisLedger({
      cluster: { rootNodes: cluster.rootNodes },
      ledgerId: `conformance-${globalThis.crypto.randomUUID()}`,
      ...options,
    }),
  tamper: (ledger, change) => tamperRedisLedger(admin, ledger, change),
  dispose: (ledger) => ledger.close(),
};

describeLedgerConformance("RedisLedger (3-master cluster)", harness);

// profile §6: the shared DAG vectors through the cluster ledger's append and through the audit.
describeDagVectors(
  "RedisLedger (3-master cluster)",
  harness,
  loadDagVectors(new URL("../../../testdata/ect/dag/", import.meta.url)),
);
