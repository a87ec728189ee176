// `ect-demo --wimse` as a user runs it: the built CLI against real servers on loopback, every
// outcome asserted from its `--json` document (profile §9).
import { beforeAll, describe, expect, it } from "vitest";
import type { WimseDemoReport } from "../src/wimse-demo.js";
import { ensureBuilt, runDemoCli } from "./run-cli.js";

/** What each WIMSE attack must produce: written here, independently of the demo's own expectations. */
const EXPECTED_REFUSALS: Record<string, { status: number | undefined; code: string }> = {
  "iss-not-wit-sub": { status: 403, code: "ECT_WIT_SUBJECT_MISMATCH" },
  "untrusted-domain": { status: 400, code: "ECT_WIT_UNTRUSTED" },
  "replayed-wpt": { status: 400, code: "ECT_WPT_REPLAY" },
  "oth-mismatch": { status: 400, code: "ECT_WPT_OTH_MISMATCH" },
  "wit-swapped": { status: undefined, code: "ECT_LEDGER_TREE_MISMATCH" },
};

beforeAll(() => ensureBuilt());

describe("ect-demo --wimse", () => {
  it("runs the workflow with WIT + WPT + ECT on every hop and refuses each WIMSE attack with its code", async () => {
    const run = await runDemoCli(["--wimse", "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as WimseDemoReport;
    expect(report.mode).toBe("wimse");
    expect(report.checks.filter((c) => !c.passed)).toEqual([]);
    expect((report.workflow.result as { decision: string }).decision).toBe("approved");
    const actual = Object.fromEntries(
      report.attacks.map((a) => [a.id, { status: a.actual.status, code: a.actual.code }]),
    );
    expect(actual).toEqual(EXPECTED_REFUSALS);
    // every agent holds a WIT of the bank's trust domain for its own Ed25519 key
    expect(report.agents.map((a) => a.id)).toEqual([
      "wimse://bank.example/agent/intake",
      "wimse://bank.example/agent/credit-check",
      "wimse://bank.example/agent/underwriting",
    ]);
    expect(report.agents.every((a) => a.alg === "EdDSA")).toBe(true);
    expect(report.ok).toBe(true);
  });

  it("prints the attacks for people", async () => {
    const run = await runDemoCli(["--wimse", "--no-color"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("refused 400 ECT_WPT_OTH_MISMATCH");
    expect(run.stdout).toMatch(/All 10 expected outcomes happened/);
  });
});
