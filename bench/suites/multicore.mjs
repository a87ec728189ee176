// A batch of tokens verified by a pool of node:worker_threads (one per core, from
// os.availableParallelism()), each worker one token at a time (ect-crypto's node backend then
// verifies synchronously on the worker's own thread), against the same batch on the main thread
// alone: with 64 in flight (its best: overlapping verifications go to the libuv thread pool) and
// one at a time. Each worker has its own verifier and replay cache (a pool behind one endpoint
// would share one, e.g. ect-ledger-redis's RedisReplayCache).
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

/** Sends requests to a worker and matches the replies by `id` (several may be outstanding). */
function connect(worker) {
  const waiting = new Map();
  let ids = 0;
  worker.on("message", (m) => {
    const entry = waiting.get(m.id);
    if (entry === undefined) return;
    waiting.delete(m.id);
    if (m.type === "error") entry.reject(new Error(m.error));
    else entry.resolve(m);
  });
  return (message) =>
    new Promise((resolve, reject) => {
      const id = ++ids;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
}

/**
 * Verifies `tokens` on the pool in chunks of CHUNK; every worker has two chunks outstanding, so
 * it never waits for the main thread between chunks.
 */
async function verifyOnPool(senders, tokens) {
  await Promise.all(senders.map((send) => send({ type: "reset" })));
  collectGarbage();
  const latencies = new Float64Array(tokens.length);
  let next = 0;
  const start = nowNs();
  await Promise.all(
    senders
      .flatMap(() => [0, 1])
      .map(async (_, lane) => {
        const send = senders[lane >> 1];
        for (;;) {
          const from = next;
          if (from >= tokens.length) return;
          next += CHUNK;
          const reply = await send({ type: "verify", tokens: tokens.slice(from, from + CHUNK) });
          latencies.set(reply.latencies, from);
        }
      }),
  );
  return { latencies, elapsedNs: nowNs() - start };
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
      inflight: 1,
      capacity,
    });
    try {
      // Warm-up both paths on a slice.
      const warm = tokens.slice(0, 2000);
      const senders = workers.map(connect);
      await verifyOnPool(senders, warm);
      const warmVerify = ect.newVerify({ capacity });
      await runOps((i) => warmVerify(warm[i]), {
        count: warm.length,
        inflight: INFLIGHT,
        latencies: new Float64Array(warm.length),
      });

      // Passes over the whole batch, each side twice in mirrored order so drift hits all alike,
      // each pass with fresh replay caches. "one": the main thread with 64 in flight; "seq": the
      // main thread one token at a time (one core: the node backend verifies synchronously
      // then); "pool": the workers.
      const passes = ctx.quick ? ["one", "seq", "pool"] : ["one", "seq", "pool", "pool", "seq", "one"];
      const lat = { one: [], seq: [], pool: [] };
      const roundsNs = { one: [], seq: [], pool: [] };
      // CPU time of the whole process (every thread: workers, GC helpers, libuv) per wall time.
      const cpuNs = { one: 0, seq: 0, pool: 0 };
      for (const pass of passes) {
        const cpu0 = process.cpuUsage();
        if (pass === "pool") {
          const r = await verifyOnPool(senders, tokens);
          lat.pool.push(r.latencies);
          roundsNs.pool.push(r.elapsedNs);
        } else {
          const verify = ect.newVerify({ capacity });
          collectGarbage();
          const latencies = new Float64Array(count);
          const inflight = pass === "one" ? INFLIGHT : 1;
          roundsNs[pass].push(await runOps((i) => verify(tokens[i]), { count, inflight, latencies }));
          lat[pass].push(latencies);
        }
        const cpu = process.cpuUsage(cpu0);
        cpuNs[pass] += (cpu.user + cpu.system) * 1000;
      }
      const coresUsed = (side) => cpuNs[side] / roundsNs[side].reduce((a, b) => a + b, 0);
      const stats = (side) =>
        summarize(
          lat[side].flatMap((a) => Array.from(a)),
          roundsNs[side].reduce((a, b) => a + b, 0),
          roundsNs[side],
        );
      const one = stats("one");
      const seq = stats("seq");
      const pool = stats("pool");
      const busy = (side) => `${coresUsed(side).toFixed(2)} cores busy`;
      ctx.record({
        name: `1 thread, sequential, ${count / 1000}k tokens (${busy("seq")})`,
        ...seq,
        coresBusy: coresUsed("seq"),
      });
      ctx.record({
        name: `1 thread, ${INFLIGHT} in flight, ${count / 1000}k tokens (${busy("one")})`,
        ...one,
        coresBusy: coresUsed("one"),
      });
      ctx.record({
        name: `pool of ${cores} workers, one token at a time each, ${count / 1000}k tokens (${busy("pool")})`,
        ...pool,
        coresBusy: coresUsed("pool"),
        cores,
        ratio: pool.opsPerSec / one.opsPerSec,
        ratioTo: "1 thread, 64 in flight (speed-up)",
        speedUpVsSequential: pool.opsPerSec / seq.opsPerSec,
      });
      ctx.note(
        `multi-core: ${cores} cores (os.availableParallelism), batch of ${count} tokens: ` +
          `${Math.round(pool.opsPerSec)} verifies/s on the pool vs ${Math.round(one.opsPerSec)} on one thread with ${INFLIGHT} in flight, ` +
          `speed-up ${(pool.opsPerSec / one.opsPerSec).toFixed(2)}x ` +
          `(${(pool.opsPerSec / seq.opsPerSec).toFixed(2)}x over one thread verifying one token at a time, ` +
          `${Math.round(seq.opsPerSec)}/s). With tokens in flight one thread already keeps ` +
          `${coresUsed("one").toFixed(2)} cores busy: ect-crypto's node backend verifies on the libuv ` +
          "thread pool when verifications overlap",
      );
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  },
};
