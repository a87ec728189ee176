// The demo end to end, as a user runs it: the built CLI against real servers on loopback, with the
// memory ledger and with a private Redis; every outcome asserted from its `--json` document.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PostgresServerHandle, startPostgresServer } from "ect-ledger-postgres/testing";
import { type RedisServerHandle, startRedisServer } from "ect-ledger-redis/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoReport } from "../src/demo-report.js";
import { launchChromium, measureInk } from "./browser-check.js";
import { appDir, ensureBuilt, runDemoCli } from "./run-cli.js";

/** What each attack must produce: written here, independently of the demo's own expectations. */
const EXPECTED_REFUSALS: Record<string, { status: number | undefined; code: string }> = {
  replay: { status: 403, code: "ECT_REPLAY" },
  "body-tampered": { status: 403, code: "ECT_BODY_HASH_MISMATCH" },
  "skip-checks": { status: 403, code: "ECT_AUD_MISMATCH" },
  "impersonation-own-kid": { status: 403, code: "ECT_KEY_NOT_FOUND" },
  "impersonation-victim-kid": { status: 403, code: "ECT_SIGNATURE_INVALID" },
  "forged-predecessor": { status: 403, code: "ECT_DAG_PRED_MISSING" },
  expired: { status: 403, code: "ECT_EXPIRED" },
  "missing-header": { status: 400, code: "ECT_HEADER_MISSING" },
  "ledger-tampered": { status: undefined, code: "ECT_LEDGER_TREE_MISMATCH" },
};

const tmp = mkdtempSync(join(tmpdir(), "ect-demo-test-"));
beforeAll(() => ensureBuilt());
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function assertReport(report: DemoReport, kind: "memory" | "redis" | "postgres"): void {
  expect(report.version).toBe(1);
  expect(report.ledger.kind).toBe(kind);

  // The happy path and the audit: every check the demo made passed.
  expect(report.checks.filter((c) => !c.passed)).toEqual([]);
  expect(report.checks.length).toBeGreaterThanOrEqual(14);
  const result = report.workflow.result as {
    decision: { decision: string };
    disbursement: { status: string };
  };
  expect(result.decision.decision).toBe("approved");
  expect(result.disbursement.status).toBe("sent");

  // Each attack refused with exactly its status and code.
  const actual = Object.fromEntries(
    report.attacks.map((a) => [a.id, { status: a.actual.status, code: a.actual.code }]),
  );
  expect(actual).toEqual(EXPECTED_REFUSALS);
  expect(report.attacks.every((a) => a.passed)).toBe(true);
  expect(report.ok).toBe(true);

  // Five agents, each its own server on loopback with its own key.
  expect(report.agents).toHaveLength(5);
  for (const agent of report.agents) expect(agent.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(new Set(report.agents.map((a) => a.url)).size).toBe(5);
  expect(new Set(report.agents.map((a) => a.kid)).size).toBe(5);
  expect(report.agents.every((a) => a.alg === "ES256")).toBe(true);

  // The audit trail: five entries of one workflow; the tampered one is where the chain breaks.
  const entries = report.audit.entries;
  expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  expect(entries.map((e) => e.execAct).sort()).toEqual([
    "credit_check",
    "disburse_funds",
    "fraud_screen",
    "intake_application",
    "underwrite_decision",
  ]);
  const tampered = entries.filter((e) => e.tampered);
  expect(tampered.map((e) => e.execAct)).toEqual(["credit_check"]);
  expect(report.audit.chainBefore).toEqual({ valid: true, entries: 5 });
  expect(report.audit.chainAfter).toEqual({
    valid: false,
    brokenAt: tampered[0]!.seq,
    code: "ECT_LEDGER_TREE_MISMATCH",
  });
  // A third party holding only the ledger's vkey verified the entry's receipt offline before the
  // tampering; the receipt the ledger gives after it no longer leads to the signed checkpoint.
  const offline = report.steps.filter((s) => s.actor === "third party");
  expect(offline.map((s) => s.kind)).toEqual(["verify", "refuse"]);
  expect(offline[0]!.text).toContain("offline with the ledger's vkey only: verified");
  expect(offline[1]!.text).toContain("ECT_LEDGER_PROOF_INVALID");
  expect(report.audit.fullAudit).toContainEqual(
    expect.objectContaining({ seq: tampered[0]!.seq, code: "ECT_SIGNATURE_INVALID" }),
  );
  for (const e of entries) {
    expect(e.leafHash).toMatch(/^[0-9a-f]{64}$/);
    expect(e.leafHash).toMatch(/^[0-9a-f]{64}$/);
  }

  // The DAG: a fork after intake, a join at underwriting.
  const byAct = new Map(report.dag.nodes.map((n) => [n.execAct, n.jti]));
  const edge = (from: string, to: string) => ({ from: byAct.get(from), to: byAct.get(to) });
  expect(report.dag.nodes).toHaveLength(5);
  expect([...report.dag.edges].sort((a, b) => `${a.from}${a.to}`.localeCompare(`${b.from}${b.to}`))).toEqual(
    [
      edge("intake_application", "credit_check"),
      edge("intake_application", "fraud_screen"),
      edge("credit_check", "underwrite_decision"),
      edge("fraud_screen", "underwrite_decision"),
      edge("underwrite_decision", "disburse_funds"),
    ].sort((a, b) => `${a.from}${a.to}`.localeCompare(`${b.from}${b.to}`)),
  );
  expect(report.dag.ascii).toContain("underwrite_decision");
  expect(report.dag.mermaid).toMatch(/^(flowchart|graph) TD/);

  // The refusals were logged by the agents that made them, as they happened.
  const refusals = report.steps.filter((s) => s.kind === "refuse").map((s) => s.text);
  for (const { code } of Object.values(EXPECTED_REFUSALS)) {
    expect(refusals.some((t) => t.includes(code))).toBe(true);
  }
}

describe("ect-demo with the memory ledger", () => {
  let run: Awaited<ReturnType<typeof runDemoCli>>;
  const htmlPath = join(tmp, "report.html");

  beforeAll(async () => {
    run = await runDemoCli(["--json", "--out", htmlPath]);
  });

  it("exits 0 and prints one JSON document", () => {
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(() => JSON.parse(run.stdout)).not.toThrow();
  });

  it("reports every expected outcome, each attack with its refusal code", () => {
    assertReport(JSON.parse(run.stdout) as DemoReport, "memory");
  });

  it("writes a self-contained HTML report", () => {
    const html = readFileSync(htmlPath, "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg" id="dag"');
    expect(html).not.toMatch(/<script|<link|@import|url\(\s*['"]?https?:|src="https?:/i);
    expect(html).toContain("default-src 'none'");
  });

  it("opens in headless Chromium without errors or requests and shows the diagram", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("request", (r) => {
        if (!r.url().startsWith("file:")) problems.push(`request: ${r.url()}`);
      });
      page.on("requestfailed", (r) => problems.push(`failed: ${r.url()}`));
      await page.goto(`file://${htmlPath}`, { waitUntil: "load" });

      const dag = page.locator("svg#dag");
      await expect.poll(() => dag.isVisible()).toBe(true);
      expect(await dag.locator("g.node").count()).toBe(5);
      expect(await dag.locator("path[marker-end]").count()).toBe(5);
      const box = await dag.boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      expect(box?.height).toBeGreaterThan(300);
      expect(await page.locator("text=Ledger entry tampered").count()).toBeGreaterThan(0);
      expect(await page.locator("table tbody tr").count()).toBeGreaterThan(20);

      const artifacts = join(appDir, "test-artifacts");
      mkdirSync(artifacts, { recursive: true });
      const full = await page.screenshot({ fullPage: true });
      writeFileSync(join(artifacts, "demo-report.png"), full);
      const diagram = await dag.screenshot();
      writeFileSync(join(artifacts, "demo-report-dag.png"), diagram);

      // Not blank: the diagram has boxes, text and arrows in the agents' colours.
      const ink = await measureInk(browser, diagram);
      expect(ink.width).toBeGreaterThan(300);
      expect(ink.inkRatio).toBeGreaterThan(0.02);
      expect(ink.colours).toBeGreaterThan(8);
      const page2 = await measureInk(browser, full);
      expect(page2.inkRatio).toBeGreaterThan(0.05);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe("ect-demo for people", () => {
  it("prints steps, the audit table and the DAG without colour when NO_COLOR is set", async () => {
    const run = await runDemoCli([], { NO_COLOR: "1" });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("\x1b[");
    expect(run.stdout).toMatch(/All \d+ expected outcomes happened/);
    expect(run.stdout).toMatch(/seq\s+agent\s+exec_act\s+jti\s+pred\s+leaf hash/);
    expect(run.stdout).toContain("┌");
    expect(run.stdout).toContain("refused 403 ECT_REPLAY");
    expect(run.stdout).toContain("detected — ECT_LEDGER_TREE_MISMATCH");
  });

  it("colours when asked to", async () => {
    const run = await runDemoCli(["--color"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("\x1b[32m");
  });

  it("prints its usage with --help and refuses unknown arguments with exit 2", async () => {
    const help = await runDemoCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--ledger URL");
    const bad = await runDemoCli(["--frobnicate"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown argument");
    const badUrl = await runDemoCli(["--ledger", "http://example.com"]);
    expect(badUrl.code).toBe(2);
  });

  it("exits non-zero when the Redis ledger cannot be reached", async () => {
    // Port 1 on loopback: nothing listens there.
    const run = await runDemoCli(["--json", "--ledger", "redis://127.0.0.1:1"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("ect-demo:");
  });
});

describe("ect-demo with the Redis ledger", () => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedisServer({ appendonly: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("runs the same workflow and attacks against a private redis-server", async () => {
    const run = await runDemoCli(["--json", "--ledger", server.url]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as DemoReport;
    assertReport(report, "redis");
    expect(report.ledger.location).toContain(`127.0.0.1:${server.port}`);
  });

  it("leaves no keys behind", async () => {
    expect(await server.command("DBSIZE")).toMatch(/^:0\r?\n?$/);
  });
});

describe("ect-demo with the PostgreSQL ledger", () => {
  let server: PostgresServerHandle;
  beforeAll(async () => {
    server = await startPostgresServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("runs the same workflow and attacks against a private PostgreSQL server, and leaves no rows behind", async () => {
    const run = await runDemoCli(["--json", "--ledger", server.connectionString]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as DemoReport;
    assertReport(report, "postgres");
    expect(report.ledger.location).toMatch(/^postgresql:.* ledger ect-demo-/);
    const pg = (await import("pg")).default;
    const client = new pg.Client({ connectionString: server.connectionString });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT count(*)::int AS n FROM ect.ledger_entries");
      expect(rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  });
});
