#!/usr/bin/env node
// The `ect-demo` command: runs the demo, prints it for people (or as JSON), writes the HTML report,
// and exits non-zero when any expected outcome differs.
import { writeFile } from "node:fs/promises";
import { type DemoOptions, parseDemoArgs, USAGE, UsageError, useColor } from "./cli-options.js";
import { renderHtmlReport } from "./html-report.js";
import { runDemo } from "./run-demo.js";
import { formatStep, formatSummary, heading, Style } from "./terminal-report.js";
import { runWimse } from "./wimse-main.js";

async function main(): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseDemoArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`ect-demo: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const style = new Style(!options.json && useColor(options, process.stdout, process.env));
  if (options.wimse) return runWimse(options, style);
  const print = (text: string) => {
    if (!options.json) process.stdout.write(`${text}\n`);
  };

  print(style.bold("ECT demo: a loan application reviewed by five agents over HTTP on 127.0.0.1"));
  print(
    style.dim(
      "intake → (credit-check ∥ fraud-check) → underwriting → disbursement; every hop carries a verified ECT",
    ),
  );
  let phase = "";
  const titles: Record<string, string> = {
    setup: "Setup",
    workflow: "Workflow",
    attack: "Attacks",
    audit: "Audit",
  };
  const report = await runDemo({
    ledgerUrl: options.ledger,
    onStep: (step) => {
      if (step.phase !== phase) {
        phase = step.phase;
        print(heading(titles[phase] ?? phase, style));
      }
      print(formatStep(step, style));
    },
  });

  if (options.out !== undefined) await writeFile(options.out, renderHtmlReport(report), "utf8");
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    print(formatSummary(report, style));
    if (options.out !== undefined) print(style.dim(`HTML report written to ${options.out}`));
  }
  return report.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // A message, not a stack: the setup failed (e.g. Redis unreachable), not the demo's code.
    process.stderr.write(`ect-demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
