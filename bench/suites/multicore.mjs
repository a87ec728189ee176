// A batch of tokens verified by a pool of node:worker_threads (one per core, from
// os.availableParallelism()) against the same batch verified in the main thread alone. Both sides
// keep 64 verifications in flight per thread. Each worker has its own verifier and replay cache
// (a pool behind one endpoint would share a replay cache, e.g. ect-ledger-redis's; see README).
import os from "node:os";
import { Worker } from "node:worker_threads";
import { loadEctVerify } from "../lib/ect-api.mjs";
import { collectGarbage, nowNs, runOps, summarize } from "../lib/measure.mjs";
import { generateBenchKey, signTokens } from "../lib/tokens.mjs";

const INFLIGHT = 64;
const CHUNK = 500;

function startPool(size, workerData) {
  const url = new URL("../lib/verify-worker.mjs", import.meta.url);
  return Promise.all(
    Array.from(
      { length: size },
      () =>
        new Promise((resolve, reject) => {
          const worker = new Worker(url, { workerData });
          worker.once("error", reject);
          worker.once("message", (m) => (m.type === "ready" ? resolve(worker) : reject(new Error(m.error))));
        }),
    ),
  );
}

function request(worker, message, expect) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      worker.off("message", onMessage);
      if (m.type === expect) resolve(m);
      else reject(new Error(m.error ?? `unexpected ${m.type}`));
    };
    worker.on("message", onMessage);
    worker.postMessage(message);
  });
}

/** Verifies `tokens` on the pool in chunks; each worker takes the next chunk when it is done. */
async function verifyOnPool(workers, tokens) {
  await Promise.all(workers.map((w) => request(w, { type: "reset" }, "reset")));
  collectGarbage();
  const latencies = new Float64Array(tokens.length);
  let next = 0;
  const start = nowNs();
  await Promise.all(
    workers.map(async (worker) => {
      for (;;) {
        const from = next;
        if (from >= tokens.length) return;
        next += CHUNK;
        const chunk = tokens.slice(from, from + CHUNK);
        const reply = await request(worker, { type: "verify", id: from, tokens: chunk }, "done");
        latencies.set(reply.latencies, from);
      }
    }),
  );
  return summarize(latencies, nowNs() - start);
}

export default {
  title: "batch verification: worker pool (one per core) vs one thread",
  async run(ctx) {
    const cores = os.availableParallelism();
    const count = ctx.quick ? 10_000 : 100_000;
    const key = generateBenchKey();
    const ect = await loadEctVerify(key);
    const t0 = Date.now();
    const tokens = signTokens(count, key.privateKey);
    ctx.log(`${count} distinct tokens signed in ${((Date.now() - t0) / 1000).toFixed(1)} s (untimed)`);

    const capacity = count + 10_000;
    const workers = await startPool(cores, {
      key: { publicJwk: key.publicJwk, kid: key.kid },
      inflight: INFLIGHT,
      capacity,
    });
    try {
      // Warm-up both paths on a slice, then one timed pass each over the whole batch.
      const warm = tokens.slice(0, 2000);
      await verifyOnPool(workers, warm);
      const warmVerify = ect.newVerify({ capacity });
      await runOps((i) => warmVerify(warm[i]), {
        count: warm.length,
        inflight: INFLIGHT,
        latencies: new Float64Array(warm.length),
      });

      const verify = ect.newVerify({ capacity });
      collectGarbage();
      const single = new Float64Array(count);
      const singleNs = await runOps((i) => verify(tokens[i]), {
        count,
        inflight: INFLIGHT,
        latencies: single,
      });
      const one = summarize(single, singleNs);
      const pool = await verifyOnPool(workers, tokens);
      ctx.record({ name: `1 thread, ${INFLIGHT} in flight, ${count / 1000}k tokens`, ...one });
      ctx.record({
        name: `pool of ${cores} workers, ${INFLIGHT} in flight each, ${count / 1000}k tokens`,
        ...pool,
        cores,
        ratio: pool.opsPerSec / one.opsPerSec,
        ratioTo: "1 thread (speed-up)",
      });
      ctx.note(
        `multi-core: ${cores} cores (os.availableParallelism), batch of ${count} tokens: ` +
          `${Math.round(pool.opsPerSec)} verifies/s on the pool vs ${Math.round(one.opsPerSec)} on one thread, ` +
          `speed-up ${(pool.opsPerSec / one.opsPerSec).toFixed(2)}x`,
      );
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  },
};
