// RedisLedger.append (profile §7: one atomic server-side script per sequencing step: identity and
// index, no hashing; the leaf hash is computed in the client, integration and checkpoints run in
// the client in batches) against a raw XADD of the same token bytes, from the same node-redis
// client to the same private redis-server, interleaved. The DAG rules are off here (`dag: false`):
// the bench's workflows chain each token to the previous one and 64 appends in flight would race
// children past their parents; their cost is in the end-to-end suite.
import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { compare } from "../lib/measure.mjs";
import { startPrivateRedis } from "../lib/redis-server.mjs";
import { importPackage } from "../lib/suite.mjs";
import { consecutiveSlices, workflowTokens } from "../lib/tokens.mjs";

export default {
  title: "RedisLedger.append vs raw XADD of the same bytes (same client, same server)",
  async run(ctx) {
    const { RedisLedger } = await importPackage("ect-ledger-redis", ["RedisLedger"]);
    const server = await startPrivateRedis();
    ctx.log(
      `redis-server ${server.version ?? "?"} pid ${server.pid} on ${server.url}, via ${server.harness}`,
    );
    const client = createClient({ url: server.url });
    client.on("error", (error) => ctx.log(`redis client error: ${error.message}`));
    await client.connect();
    const ledger = new RedisLedger({
      client,
      ledgerId: `bench-${randomUUID()}`,
      dag: false,
      onWarning: (m) => ctx.log(m),
    });
    try {
      const plan = ctx.quick
        ? [
            { inflight: 1, count: 300, rounds: 4 },
            { inflight: 64, count: 1000, rounds: 4 },
          ]
        : [
            { inflight: 1, count: 500, rounds: 10 },
            { inflight: 64, count: 2000, rounds: 10 },
          ];
      for (const { inflight, count, rounds } of plan) {
        // Each prepare() takes the next slice (a ledger never sees a token twice); both sides walk
        // the same slices of the same tokens.
        const tokens = workflowTokens(count * (rounds + 1));
        const ledgerSlice = consecutiveSlices(count);
        const rawSlice = consecutiveSlices(count);
        const stream = `bench:{${randomUUID()}}:raw`;
        const baseline = {
          prepare: () => {
            const from = rawSlice();
            return (i) => client.xAdd(stream, "*", { token: tokens[from + (i % count)] });
          },
        };
        const subject = {
          prepare: () => {
            const from = ledgerSlice();
            return async (i) => {
              const result = await ledger.append(tokens[from + (i % count)]);
              if (result.status !== "appended") throw new Error(`append: ${result.status}`);
            };
          },
        };
        const r = await compare({ subject, baseline, count, inflight, rounds });
        const mode = inflight === 1 ? "sequential" : `${inflight} in flight`;
        ctx.record({ name: `raw XADD, ${mode}`, ...r.baseline, inflight });
        ctx.record({
          name: `RedisLedger.append, ${mode}`,
          ...r.subject,
          inflight,
          ratio: r.ratio,
          p50Ratio: r.baseline.p50Us / r.subject.p50Us,
          ratioTo: "raw XADD",
          ...(inflight === 64 ? { target: { op: ">=", value: 0.5 } } : {}),
        });
      }
      await ledger.integrate();
      const checkpoint = await ledger.latestCheckpoint();
      ctx.log(`ledger after the run: ${await ledger.size()} entries, checkpoint size ${checkpoint?.size}`);
      // Where the server's time went: Redis's own per-command accounting.
      const stats = String(await client.info("commandstats"));
      for (const [, name, calls, usecPerCall] of stats.matchAll(
        /^cmdstat_(\S+):calls=(\d+),usec=\d+,usec_per_call=([\d.]+)/gm,
      )) {
        if (Number(calls) < 1000) continue;
        ctx.record({
          name: `redis-server time per ${name.toUpperCase()} call (${calls} calls)`,
          value: Number(usecPerCall),
          unit: "µs",
        });
      }
    } finally {
      await ledger.close();
      await client.quit();
      await server.stop();
    }
  },
};
