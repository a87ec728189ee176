import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageDir } from "./support/cli.js";

// The root README says: after setup, `pnpm ect --help` runs the command from the root of the clone
// (the root depends on ect-cli, whose committed bin/ect.mjs launcher pnpm links at install time).
describe("pnpm ect from the repository root", () => {
  it("runs the ect command as the README documents", () => {
    const run = spawnSync("pnpm", ["ect", "--help"], { cwd: join(packageDir, "..", ".."), encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ect \d+\.\d+\.\d+: /);
    expect(run.stdout).toContain("Usage: ect <command> [options]");
  });
});
