// Timing primitives of the bench: per-operation latencies with process.hrtime.bigint, nearest-rank
// percentiles, sequential and "N in flight" runners, and an interleaved subject-vs-baseline
// comparison so drift (thermal, GC, a noisy neighbour) hits both sides alike.
import { hrtime } from "node:process";

/** Nanoseconds since an arbitrary origin, as a Number (exact well past a day). */
export function nowNs() {
  return Number(hrtime.bigint());
}

const sum = (values) => values.reduce((a, b) => a + b, 0);

/** Runs a full GC when node was started with --expose-gc; a no-op otherwise. */
export function collectGarbage() {
  if (typeof globalThis.gc === "function") globalThis.gc();
}

/** Nearest-rank percentile `p` (0-100) of an ascending-sorted Float64Array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/**
 * Summary of a set of latencies (ns) taken over `elapsedNs` of wall time. With `roundsNs` (the
 * wall time of each equal-sized round), `opsPerSec` is the median of the rounds' rates, so one
 * round hit by a burst of outside load does not move it; `opsPerSecMean` is always calls / time.
 */
export function summarize(latenciesNs, elapsedNs, roundsNs) {
  const sorted = Float64Array.from(latenciesNs).sort();
  const mean = sorted.length / (elapsedNs / 1e9);
  let opsPerSec = mean;
  if (roundsNs && roundsNs.length > 1) {
    const perRound = sorted.length / roundsNs.length;
    const rates = roundsNs.map((ns) => perRound / (ns / 1e9)).sort((a, b) => a - b);
    const mid = rates.length >> 1;
    opsPerSec = rates.length % 2 === 1 ? rates[mid] : (rates[mid - 1] + rates[mid]) / 2;
  }
  return {
    ops: sorted.length,
    elapsedMs: elapsedNs / 1e6,
    opsPerSec,
    opsPerSecMean: mean,
    ...(roundsNs && roundsNs.length > 1 ? { rounds: roundsNs.length } : {}),
    p50Us: percentile(sorted, 50) / 1e3,
    p99Us: percentile(sorted, 99) / 1e3,
  };
}

/**
 * Calls `op(offset + i)` for i in [0, count) with at most `inflight` calls pending, recording each
 * call's latency (ns) into `latencies[offset + i]`: round r of a measurement passes offset
 * r * count, so its calls get indexes of their own (e.g. their own slice of the tokens). Returns the wall time in ns. With
 * `inflight` 1 it is a plain sequential loop. A rejected call aborts the run: a benchmark never
 * counts failures as work. If `op.ready(i)` exists, a call waits (untimed) for the promise it
 * returns, if any, before it starts: a suite whose calls depend on earlier ones (a child token on
 * its parent's append) gates them on progress, never on time or on how far apart they are.
 */
export async function runOps(op, { count, inflight = 1, latencies, offset = 0 }) {
  const ready = op.ready;
  if (inflight <= 1) {
    const start = nowNs();
    for (let i = 0; i < count; i++) {
      if (ready !== undefined) await ready(offset + i);
      const t0 = nowNs();
      await op(offset + i);
      latencies[offset + i] = nowNs() - t0;
    }
    return nowNs() - start;
  }
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      if (ready !== undefined) await ready(offset + i);
      const t0 = nowNs();
      await op(offset + i);
      latencies[offset + i] = nowNs() - t0;
    }
  };
  const start = nowNs();
  await Promise.all(Array.from({ length: Math.min(inflight, count) }, lane));
  return nowNs() - start;
}

/**
 * Measures one operation: `prepare()` (untimed) returns `op(i)`; a warm-up run (indexes from 0),
 * then `rounds` timed runs of `count` calls each (round r gets indexes r * count ...), every round
 * with a fresh `prepare()`.
 */
export async function measure({ prepare, count, inflight = 1, rounds = 1, warmup = Math.min(count, 500) }) {
  if (warmup > 0) {
    const op = await prepare();
    await runOps(op, { count: warmup, inflight, latencies: new Float64Array(warmup) });
  }
  const latencies = new Float64Array(count * rounds);
  const roundsNs = [];
  for (let r = 0; r < rounds; r++) {
    const op = await prepare();
    collectGarbage();
    roundsNs.push(await runOps(op, { count, inflight, latencies, offset: r * count }));
  }
  return summarize(latencies, sum(roundsNs), roundsNs);
}

/**
 * Measures several cases in the same run, interleaved: one warm-up run of each, then `rounds`
 * rounds each timing every case once (the order rotating per round), each run with a fresh
 * `prepare()` (untimed). Drift (thermal, GC, JIT, a noisy neighbour) hits every case alike; many
 * short rounds follow it more closely than a few long ones. Round r calls `op(r * count + i)`, the
 * warm-up `op(i)`. `count` is a number or one number per case. Returns one summary per case.
 */
export async function interleave({ cases, count, inflight = 1, rounds = 3, warmup }) {
  const counts = cases.map((_, c) => (Array.isArray(count) ? count[c] : count));
  for (let c = 0; c < cases.length; c++) {
    const warm = warmup ?? Math.min(counts[c], 500);
    if (warm === 0) continue;
    const op = await cases[c].prepare();
    await runOps(op, { count: warm, inflight, latencies: new Float64Array(warm) });
  }
  const lat = counts.map((n) => new Float64Array(n * rounds));
  const roundsNs = cases.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const c = (k + r) % cases.length;
      const op = await cases[c].prepare();
      collectGarbage();
      const ns = await runOps(op, {
        count: counts[c],
        inflight,
        latencies: lat[c],
        offset: r * counts[c],
      });
      roundsNs[c].push(ns);
    }
  }
  return cases.map((_, c) => summarize(lat[c], sum(roundsNs[c]), roundsNs[c]));
}

/**
 * Measures a subject against its baseline in the same run with {@link interleave}, each
 * `prepare()` fresh per round (e.g. a fresh verifier with an empty replay cache, so the same tokens
 * can be verified again). Returns `{ subject, baseline, ratio }`, `ratio` = subject ops/s divided
 * by baseline ops/s.
 */
export async function compare({ subject, baseline, ...rest }) {
  const [b, s] = await interleave({ cases: [baseline, subject], ...rest });
  return { subject: s, baseline: b, ratio: s.opsPerSec / b.opsPerSec };
}
