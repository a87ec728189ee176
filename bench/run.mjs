#!/usr/bin/env node
// ECT for TypeScript benchmarks. `pnpm bench` builds every package, then runs this file.
//
//   node bench/run.mjs [--only <suite>[,<suite>...]] [--quick] [--out <file>] [--list] [--report]
//
// Every figure is measured against a baseline in the same run and printed as a table; a full run
// (no --only, no --quick) writes bench/results.json. Benchmarks never run inside `pnpm test`.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { meetsTarget, renderMarkdown, renderTable } from "./lib/report.mjs";
import { resolvedEntry, resolvedInternal, SkipSuite } from "./lib/suite.mjs";

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = join(benchDir, "..");

// --report: print bench/results.json as Markdown (for bench/README.md) and exit.
if (process.argv.includes("--report")) {
  const results = JSON.parse(readFileSync(join(benchDir, "results.json"), "utf8"));
  const m = results.machine;
  console.log(
    `${m.cpuModel}, ${m.cores} cores (availableParallelism ${m.availableParallelism}), ` +
      `${m.totalMemoryGiB} GiB, ${m.platform}, Node ${m.node} (OpenSSL ${m.openssl}), ` +
      `commit ${m.commit}, ${m.date}, load average ${m.loadAverageAtStart?.join(" / ")} at start; ` +
      `total ${results.durationSec} s.\n`,
  );
  console.log(results.markdown);
  if (results.notes.length > 0)
    console.log(`\n${results.notes.map((n) => `- ${n.suite}: ${n.text}`).join("\n")}`);
  process.exit(0);
}

const SUITES = [
  "verify",
  "peer",
  "create",
  "multicore",
  "dag",
  "merkle",
  "ledger-memory",
  "ledger-redis",
  "ledger-postgres",
  "end-to-end",
  "http",
  "sha256",
];

function usage(code) {
  console.log(`usage: node bench/run.mjs [--only <suite>[,<suite>...]] [--quick] [--out <file>] [--list]

  --only    run only these suites: ${SUITES.join(", ")}
  --quick   small counts, for a smoke test (the figures are noisier)
  --out     write the results JSON here (default: bench/results.json, only for a full run)
  --ledger-entries <n>
            grow the memory ledger to exactly n entries (default: the largest of 1M, 500k,
            200k, ... that fits the suite's 90 s budget at the measured rate)
  --list    list the suites and exit
  --report  print bench/results.json as Markdown and exit`);
  process.exit(code);
}

function parseArgs(argv) {
  const options = { only: [], quick: false, out: undefined, ledgerEntries: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") continue;
    if (arg === "--quick") options.quick = true;
    else if (arg === "--only") options.only.push(...(argv[++i] ?? "").split(",").filter(Boolean));
    else if (arg.startsWith("--only=")) options.only.push(...arg.slice(7).split(",").filter(Boolean));
    else if (arg === "--out") options.out = argv[++i];
    else if (arg === "--ledger-entries") options.ledgerEntries = Number(argv[++i]);
    else if (arg.startsWith("--out=")) options.out = arg.slice(6);
    else if (arg === "--list") {
      console.log(SUITES.join("\n"));
      process.exit(0);
    } else if (arg === "--help" || arg === "-h") usage(0);
    else {
      console.error(`unknown argument: ${arg}`);
      usage(2);
    }
  }
  if (
    options.ledgerEntries !== undefined &&
    !(
      Number.isSafeInteger(options.ledgerEntries) &&
      options.ledgerEntries >= 20_000 &&
      options.ledgerEntries % 10_000 === 0
    )
  ) {
    console.error("--ledger-entries takes a multiple of 10000, at least 20000");
    usage(2);
  }
  for (const id of options.only) {
    if (!SUITES.includes(id)) {
      console.error(`unknown suite: ${id}`);
      usage(2);
    }
  }
  return options;
}

function packageVersion(name) {
  try {
    const path = fileURLToPath(import.meta.resolve(`${name}/package.json`));
    return JSON.parse(readFileSync(path, "utf8")).version;
  } catch {
    return undefined;
  }
}

function gitCommit() {
  const rev = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" });
  if (rev.status !== 0) return undefined;
  // Uncommitted changes under packages/ mean the measured code is not exactly that commit.
  const status = spawnSync("git", ["status", "--porcelain", "--", "packages"], {
    cwd: root,
    encoding: "utf8",
  });
  return status.stdout.trim() === ""
    ? rev.stdout.trim()
    : `${rev.stdout.trim()} + uncommitted package changes`;
}

function machineInfo(options) {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim(),
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    openssl: process.versions.openssl,
    date: new Date().toISOString(),
    loadAverageAtStart: os.loadavg().map((n) => Math.round(n * 100) / 100),
    commit: gitCommit(),
    quick: options.quick,
    only: options.only.length > 0 ? options.only : undefined,
    packages: Object.fromEntries(
      ["ect-core", "ect-crypto", "ect-dag", "ect-ledger-memory", "ect-ledger-redis", "jose", "redis"].map(
        (n) => [n, packageVersion(n)],
      ),
    ),
    ectCryptoEntry: resolvedEntry("ect-crypto", root),
    ectCryptoSignatureBackend: resolvedInternal("ect-crypto", "#signature-backend", root),
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const selected = options.only.length > 0 ? SUITES.filter((s) => options.only.includes(s)) : SUITES;
  const machine = machineInfo(options);
  const rows = [];
  const notes = [];
  const suiteTimes = {};
  const startedAt = Date.now();

  console.log(
    `ECT benchmarks${options.quick ? " (--quick)" : ""}: ${machine.cpuModel}, ${machine.cores} cores ` +
      `(availableParallelism ${machine.availableParallelism}), Node ${machine.node}, ${machine.date}`,
  );
  console.log(
    `import "ect-crypto" resolves to ${machine.ectCryptoEntry ?? "(not resolvable)"}, ` +
      `its signature backend to ${machine.ectCryptoSignatureBackend ?? "(not resolvable)"}\n`,
  );

  if (os.loadavg()[0] > machine.availableParallelism * 0.75) {
    console.log(
      `warning: load average ${os.loadavg()[0].toFixed(1)} on ${machine.availableParallelism} cores: ` +
        "other processes compete for the CPU; absolute figures will be low (ratios are interleaved and hold up better)\n",
    );
  }

  let failed = false;
  for (const id of selected) {
    const suiteStart = Date.now();
    let suite;
    try {
      suite = (await import(`./suites/${id}.mjs`)).default;
    } catch (error) {
      failed = true;
      rows.push({ suite: id, name: id, error: String(error?.stack ?? error) });
      console.error(`== ${id}: cannot load: ${error?.stack ?? error}\n`);
      continue;
    }
    console.log(`== ${id}: ${suite.title}`);
    const ctx = {
      quick: options.quick,
      options,
      root,
      benchDir,
      log: (message) => console.log(`   ${message}`),
      note(text) {
        notes.push({ suite: id, text });
        console.log(`   note: ${text}`);
      },
      record(row) {
        const full = { suite: id, ...row };
        if (full.target && full.ratio !== undefined) full.met = meetsTarget(full.ratio, full.target);
        rows.push(full);
        console.log(renderTable([full]).split("\n")[2].replace(/^/, "   "));
      },
    };
    try {
      await suite.run(ctx);
    } catch (error) {
      if (error instanceof SkipSuite) {
        rows.push({ suite: id, name: suite.title, skipped: error.message });
        console.log(`   skipped: ${error.message}`);
      } else {
        failed = true;
        rows.push({ suite: id, name: suite.title, error: String(error?.stack ?? error) });
        console.error(`   FAILED: ${error?.stack ?? error}`);
      }
    }
    const seconds = Math.round((Date.now() - suiteStart) / 100) / 10;
    suiteTimes[id] = seconds;
    console.log(`   (${seconds} s)\n`);
  }

  const totalSec = (Date.now() - startedAt) / 1000;
  machine.loadAverageAtEnd = os.loadavg().map((n) => Math.round(n * 100) / 100);
  console.log(renderTable(rows));
  console.log(
    `\n${rows.filter((r) => r.target && !r.met).length} target(s) missed; total ${totalSec.toFixed(0)} s`,
  );

  const results = {
    machine,
    durationSec: Math.round(totalSec),
    suiteSeconds: suiteTimes,
    rows,
    notes,
    markdown: renderMarkdown(rows),
  };
  const full = options.only.length === 0 && !options.quick;
  const out = options.out ?? (full ? join(benchDir, "results.json") : undefined);
  if (out) {
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`results written to ${out}`);
  } else {
    console.log("partial run (--only/--quick): results.json not written (use --out <file>)");
  }
  process.exit(failed ? 1 : 0);
}

// The memory figures need a real GC between measurements: re-run this file with --expose-gc,
// passing Ctrl-C / SIGTERM on to it (it stops its redis-server and exits).
if (typeof globalThis.gc !== "function") {
  const child = spawn(process.execPath, ["--expose-gc", ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
  });
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal);
    });
  }
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
} else {
  await main();
}
