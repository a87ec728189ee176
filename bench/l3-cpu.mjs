// CPU time per token of level 3 against level 2 (issue 14), for a machine shared with other work:
// process.cpuUsage around each round (all threads of this process), interleaved rounds in rotating
// order, p50 of the rounds. Not a suite: `node --expose-gc bench/l3-cpu.mjs` after `pnpm build`.
// Environment: DEPTH (tasks per workflow, default 5 as in the end-to-end suite), COUNT (tokens per
// round, 400), ROUNDS (20), ONLY (comma-separated cases: L2, L3, L3nodag).
import { randomUUID } from "node:crypto";
import { loadavg } from "node:os";
import { loadEctVerify } from "./lib/ect-api.mjs";
import { importPackage } from "./lib/suite.mjs";
import { benchClaims, generateBenchKey, signToken } from "./lib/tokens.mjs";

const depth = Number(process.env.DEPTH ?? 5);
const count = Number(process.env.COUNT ?? 400);
const rounds = Number(process.env.ROUNDS ?? 20);

/** `n` tokens of `n / depth` workflows, interleaved, each task naming the previous one. */
function workflowTokens(n, privateKey) {
  const workflows = n / depth;
  const wids = Array.from({ length: workflows }, () => randomUUID());
  const last = new Array(workflows);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const w = i % workflows;
    const claims = benchClaims({ wid: wids[w], pred: last[w] === undefined ? [] : [last[w]] });
    last[w] = claims.jti;
    out[i] = signToken(claims, privateKey);
  }
  return out;
}

const { dagCheck } = await importPackage("ect-dag", ["dagCheck"]);
const { MemoryLedger } = await importPackage("ect-ledger-memory", ["MemoryLedger"]);
const key = generateBenchKey();
const ect = await loadEctVerify(key);
const sets = Array.from({ length: rounds + 1 }, () => workflowTokens(count, key.privateKey));
const cases = {
  L2: { level: 2, verify: () => ect.newVerify() },
  L3: {
    level: 3,
    verify: () => {
      const ledger = new MemoryLedger();
      return ect.newVerify({ options: { ledger, checks: [dagCheck({ store: ledger })] } });
    },
  },
  L3nodag: {
    level: 3,
    verify: () => ect.newVerify({ options: { ledger: new MemoryLedger({ dag: false }) } }),
  },
};
const names = (process.env.ONLY ?? "L2,L3,L3nodag").split(",");
const perRound = Object.fromEntries(names.map((n) => [n, []]));

async function cpuPerToken(name, tokens) {
  const verify = cases[name].verify();
  globalThis.gc?.();
  const start = process.cpuUsage();
  for (const token of tokens) {
    const verified = await verify(token);
    if (verified.level !== cases[name].level) throw new Error(`${name}: level ${verified.level}`);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / tokens.length;
}

for (const name of names) await cpuPerToken(name, sets[0]); // warm-up
for (let r = 0; r < rounds; r++) {
  const order = names.map((_, i) => names[(i + r) % names.length]);
  for (const name of order) perRound[name].push(await cpuPerToken(name, sets[r + 1]));
}
const p50 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const report = {
  depth,
  count,
  rounds,
  loadAverage: loadavg()
    .map((x) => x.toFixed(2))
    .join(" "),
};
for (const name of names) report[`${name} µs`] = p50(perRound[name]).toFixed(1);
if (perRound.L2) {
  for (const name of names.filter((n) => n !== "L2")) {
    report[`${name} / L2`] = (p50(perRound.L2) / p50(perRound[name])).toFixed(3);
  }
}
console.log(JSON.stringify(report));
