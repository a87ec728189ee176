import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// The README's newcomer command, `npm run demo`, goes through two wrappers (the root package.json
// script and scripts/bootstrap.mjs): the demo's own arguments must reach it, and relative paths in
// them are the user's (the directory npm was started in), not the root's.
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const dir = mkdtempSync(join(tmpdir(), "ect-npm-run-demo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function npmRunDemo(args: readonly string[]) {
  // Started in `dir`, as a user in another directory would (npm runs the script from the root and
  // records where it was started in INIT_CWD).
  return spawnSync("npm", ["--prefix", root, "run", "--silent", "demo", "--", ...args], {
    cwd: dir,
    // The workspace is installed and built (the root test command builds first): skip those steps,
    // which would rewrite files other tests are reading at the same time.
    env: { ...process.env, NO_COLOR: "1", ECT_SETUP_SKIP: "1" },
    encoding: "utf8",
  });
}

describe("npm run demo -- ARGS", () => {
  it("passes --json and --out through every wrapper: one JSON document on stdout, the report where the user is", () => {
    const run = npmRunDemo(["--json", "--out", "report.html"]);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean };
    expect(report.ok).toBe(true);
    expect(existsSync(join(dir, "report.html"))).toBe(true);
    expect(readFileSync(join(dir, "report.html"), "utf8")).toMatch(/^<!doctype html>/i);
    expect(existsSync(join(root, "report.html"))).toBe(false);
  });

  it("passes --help through", () => {
    const run = npmRunDemo(["--help"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Usage: ect-demo/);
  });
});
