// MemoryLedger: append throughput as the ledger grows (the first 10k appends vs the last 10k),
// and the heap it retains per entry. Runs in a child process with a fresh heap (--expose-gc).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { importPackage } from "../lib/suite.mjs";

/** Runs node with `args`, forwarding its stderr lines to the log; resolves with its stdout. */
function runChild(args, ctx) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      const lines = stderr.split("\n");
      stderr = lines.pop();
      for (const line of lines) ctx.log(line.trim());
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${args[2]} exited with ${code}: ${stderr}`)),
    );
  });
}

const k = (n) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

export default {
  title: "MemoryLedger append rate as it grows, heap per entry",
  async run(ctx) {
    await importPackage("ect-ledger-memory", ["MemoryLedger"]);
    const window = 10_000;
    // `--ledger-entries <n>` grows to exactly n entries; by default to the largest of 1M, 500k,
    // 200k, ... that the first window's rate fits in the suite's time budget.
    const forced = ctx.options.ledgerEntries;
    const maxEntries = forced ?? (ctx.quick ? 50_000 : 1_000_000);
    const budgetSec = forced ? 0 : ctx.quick ? 15 : 90;
    const args = [
      "--expose-gc",
      "--max-old-space-size=8192",
      join(ctx.benchDir, "lib", "ledger-growth.mjs"),
      "--entries",
      String(maxEntries),
      "--window",
      String(window),
      "--budget-sec",
      String(budgetSec),
    ];
    const stdout = await runChild(args, ctx);
    const r = JSON.parse(stdout);
    ctx.log(
      `sequential appends (one at a time), JWS-shaped tokens of ${Math.round(r.tokenChars)} chars ` +
        `(real header and claims, constant signature bytes: a ledger does not verify signatures), ` +
        `workflows of ${r.workflowSize} chained tasks, no DAG validator, no receipt signer`,
    );
    if (r.entries < r.maxEntries) {
      ctx.note(
        `memory ledger grown to ${k(r.entries)} entries, not ${k(r.maxEntries)}: ` +
          `at the measured rate ${k(r.maxEntries)} does not fit the ${r.budgetSec} s budget of this suite`,
      );
    }
    const [first, last] = r.windows;
    ctx.record({ name: `append, entries 0..${k(window)}`, ...first });
    ctx.record({
      name: `append, entries ${k(last.from)}..${k(last.to)}`,
      ...last,
      ratio: first.opsPerSec / last.opsPerSec,
      p50Ratio: last.p50Us / first.p50Us,
      ratioTo: "0..10k (time per append)",
      target: { op: "<=", value: 2 },
    });
    for (const m of r.memory) {
      ctx.record({
        name: `heap per entry at ${k(m.entries)} entries`,
        value: m.bytesPerEntry,
        unit: "B/entry",
      });
    }
  },
};
