// Child process of the memory-ledger benchmark (a fresh heap, --expose-gc): grows one MemoryLedger
// to `--entries` entries in chunks of `--window`, timing the first and the last chunk of appends,
// and measuring the heap retained per entry after a full GC. Prints one JSON object on stdout.
//
// Tokens are JWS-shaped (a real ES256 header, real claims with distinct jti, 64 constant bytes
// where the signature goes): a ledger does not verify signatures ("the caller verifies the token
// first"), so a million of them cost no signing time. Each chunk is built before it is timed.
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { MemoryLedger } from "ect-ledger-memory";
import { collectGarbage, runOps, summarize } from "./measure.mjs";
import { benchClaims, jwsShapedToken } from "./tokens.mjs";

const { values } = parseArgs({
  options: {
    entries: { type: "string" },
    window: { type: "string" },
    inflight: { type: "string" },
    "budget-sec": { type: "string" },
    "workflow-size": { type: "string" },
  },
});
const maxEntries = Number(values.entries);
const budgetSec = Number(values["budget-sec"] ?? 0);
let entries = maxEntries;
const window = Number(values.window);
const inflight = Number(values.inflight ?? 1);
const workflowSize = Number(values["workflow-size"] ?? 16);

let wid = randomUUID();
let prev;
let inWorkflow = 0;
/** The next `n` tokens: workflows of `workflowSize` tasks, each task after the previous one. */
function nextTokens(n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    if (inWorkflow === workflowSize) {
      wid = randomUUID();
      prev = undefined;
      inWorkflow = 0;
    }
    const claims = benchClaims({ wid, pred: prev === undefined ? [] : [prev] });
    prev = claims.jti;
    inWorkflow++;
    out[i] = jwsShapedToken(claims);
  }
  return out;
}

/** Appends `tokens` with at most `inflight` appends pending (the ledger serialises them itself). */
async function appendAll(ledger, tokens, latencies = new Float64Array(tokens.length)) {
  return runOps(
    async (i) => {
      const result = await ledger.append(tokens[i]);
      if (result.status !== "appended") throw new Error(`append ${i}: ${result.status}`);
    },
    { count: tokens.length, inflight, latencies },
  );
}

const log = (m) => process.stderr.write(`   ${m}\n`);
// Warm the code paths up (JIT) on a throwaway ledger, so the first window measures a small
// ledger, not a cold process.
await appendAll(new MemoryLedger(), nextTokens(5000));
// The measured ledger starts a fresh workflow: its DAG rules (on by default, profile §6) would
// refuse a first token whose predecessor went to the warm-up ledger.
inWorkflow = workflowSize;
collectGarbage();
const heapBefore = process.memoryUsage().heapUsed;
const ledger = new MemoryLedger();
const windows = [];
const memory = [];
const started = Date.now();
let tokenBytes = 0;

for (let done = 0; done < entries; ) {
  const n = Math.min(window, entries - done);
  const tokens = nextTokens(n);
  if (done === 0) tokenBytes = tokens.reduce((sum, t) => sum + t.length, 0) / n;
  const timed = done === 0 || done + n === entries;
  if (timed) {
    collectGarbage();
    const latencies = new Float64Array(n);
    const elapsed = await appendAll(ledger, tokens, latencies);
    windows.push({ from: done, to: done + n, ...summarize(latencies, elapsed) });
  } else {
    await appendAll(ledger, tokens);
  }
  done += n;
  if (done === n && budgetSec > 0) {
    // Grow to the largest round size the first window's rate fits in the time budget.
    const perEntrySec = windows[0].elapsedMs / 1000 / n;
    const fits = [1_000_000, 500_000, 200_000, 100_000, 50_000, 20_000].filter(
      (size) => size <= maxEntries && size % window === 0 && size * perEntrySec * 1.3 <= budgetSec,
    );
    entries = Math.max(fits[0] ?? 2 * window, 2 * window);
    log(
      `growing to ${entries} entries (${maxEntries} would take ~${Math.round(maxEntries * perEntrySec * 1.3)} s)`,
    );
  }
  if (done === window || done === entries) {
    collectGarbage();
    const heap = process.memoryUsage().heapUsed;
    memory.push({ entries: done, heapUsedBytes: heap, bytesPerEntry: (heap - heapBefore) / done });
  }
  if (done % (window * 10) === 0) log(`${done} entries (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

const size = await ledger.size();
if (size !== entries) throw new Error(`size ${size} != ${entries}`);
process.stdout.write(
  `${JSON.stringify({ entries, maxEntries, budgetSec, window, inflight, workflowSize, tokenChars: tokenBytes, windows, memory, seconds: (Date.now() - started) / 1000 })}\n`,
);
