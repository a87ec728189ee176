#!/usr/bin/env node
import { runMcpDemo } from "./run-demo.js";
// `pnpm --filter ect-mcp-demo start` (add `--json` for one JSON document): runs the demo and prints
// the tool calls, the ledger, the trace as a tree with the ECT ids, and the refused attack.
import { renderTraceTree } from "./trace-tree.js";

const report = await runMcpDemo();
if (process.argv.includes("--json")) {
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  const short = (jti: string) => jti.slice(0, 8);
  const out: string[] = [
    `workflow ${report.wid}`,
    "",
    "Tool calls (each carrying an ECT; each result carrying the server's):",
  ];
  for (const c of report.calls) {
    out.push(
      `  ${c.tool} on ${c.server}: call ${short(c.callJti)} (pred ${c.pred.map(short).join(", ")}) -> result ${short(c.resultJti)} (pred ${c.resultPred.map(short).join(", ")})`,
      `      ${c.text}`,
    );
  }
  out.push("", `Ledger (${report.ledger.entries.length} entries, shared by both servers):`);
  for (const [i, e] of report.ledger.entries.entries()) {
    out.push(`  ${i}  ${short(e.jti)}  ${e.exec_act.padEnd(10)} ${e.iss}`);
  }
  out.push(
    `  DAG rules re-run over the ledger: ${report.ledger.dagViolations.length === 0 ? "valid" : report.ledger.dagViolations.join(", ")}`,
  );
  out.push("", "Trace (spans carry ect.jti; links are pred):", renderTraceTree(report.trace));
  out.push(
    "",
    `Attack: a tool call with a forged ECT -> refused with ${report.attack.code} (${report.attack.member}); tool ran: ${report.attack.toolRan}`,
  );
  process.stdout.write(`${out.join("\n")}\n`);
}
