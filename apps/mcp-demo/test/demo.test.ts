// The demo as a user runs it (`pnpm --filter ect-mcp-demo start`): the built program, its JSON
// report asserted here independently of what the demo itself checks, and its text output.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { McpDemoReport } from "../src/run-demo.js";
import type { TraceNode } from "../src/trace-tree.js";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const run = (args: string[]) => promisify(execFile)(process.execPath, [main, ...args]);

beforeAll(() => {
  if (!existsSync(main)) throw new Error("apps/mcp-demo is not built: run `pnpm build`");
});

describe("the MCP demo", () => {
  let report: McpDemoReport;
  beforeAll(async () => {
    const { stdout, stderr } = await run(["--json"]);
    expect(stderr).toBe("");
    report = JSON.parse(stdout) as McpDemoReport;
  });

  it("chains every result ECT to its call, and the join call to both search results", () => {
    const [a, b, join] = report.calls;
    expect(report.calls.map((c) => c.tool)).toEqual(["search", "search", "summarise"]);
    for (const c of report.calls) expect(c.resultPred).toEqual([c.callJti]);
    expect(a!.pred).toEqual(b!.pred);
    expect([...join!.pred].sort()).toEqual([a!.resultJti, b!.resultJti].sort());
  });

  it("puts the root, every call and every result in the one ledger, in a valid DAG", () => {
    const jtis = report.ledger.entries.map((e) => e.jti);
    expect(jtis).toHaveLength(7);
    for (const c of report.calls) expect(jtis).toEqual(expect.arrayContaining([c.callJti, c.resultJti]));
    expect(new Set(report.ledger.entries.map((e) => e.iss)).size).toBe(3);
    expect(report.ledger.dagViolations).toEqual([]);
  });

  it("traces one tree: the tools' spans are the agent's calls' children, the join span links to both results", () => {
    expect(report.trace).toHaveLength(1);
    const root = report.trace[0]!;
    const calls = root.children;
    expect(calls.map((c) => c.name)).toEqual([
      "call search (agent)",
      "call search (agent)",
      "call summarise (agent)",
    ]);
    const toolSpans: TraceNode[] = calls.map((c) => c.children[0]!);
    report.calls.forEach((c, i) => {
      expect(calls[i]!.jti).toBe(c.callJti);
      expect(toolSpans[i]!.jti).toBe(c.callJti);
      expect(toolSpans[i]!.level).toBe(3);
    });
    expect(toolSpans[0]!.links).toEqual([root.jti]);
    expect([...toolSpans[2]!.links].sort()).toEqual(
      [report.calls[0]!.resultJti, report.calls[1]!.resultJti].sort(),
    );
  });

  it("refuses the forged tool call with ECT_SIGNATURE_INVALID before the tool runs", () => {
    expect(report.attack).toEqual({ code: "ECT_SIGNATURE_INVALID", member: "signature", toolRan: false });
  });

  it("prints the trace as a tree with the ECT ids", async () => {
    const { stdout } = await run([]);
    expect(stdout).toMatch(/^research \(agent\) {2}jti=[0-9a-f]{8} L2$/m);
    expect(stdout).toMatch(
      /^ {3}└─ summarise on notes {2}jti=[0-9a-f]{8} L3 {2}links→ [0-9a-f]{8}, [0-9a-f]{8}$/m,
    );
    expect(stdout).toContain("refused with ECT_SIGNATURE_INVALID");
  });
});
