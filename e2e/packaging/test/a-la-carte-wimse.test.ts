// ect-wimse picked a la carte: installed from its tarball (with ect-core and ect-crypto) into an
// empty project outside the workspace, type-checked against the installed types and run.
import { copyFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, inject, it } from "vitest";
import { compileStrictConsumer, repoRoot, run, tempDir } from "./support.js";

const fixture = "wimse-verify.ts";
const tarballs = new Map(Object.entries(inject("tarballs")));

it("ect-wimse with ect-core and ect-crypto only: WIT, WPT and WIT-bound ECT verified, a replayed WPT refused", () => {
  const dir = tempDir("ect-a-la-carte-wimse");
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "app", version: "1.0.0", private: true, type: "module" }),
  );
  const ours = ["ect-core", "ect-crypto", "ect-wimse"].map((name) => tarballs.get(name)!);
  run("npm", ["install", "--no-audit", "--no-fund", ...ours], dir);
  const installed = readdirSync(join(dir, "node_modules")).filter((d) => d.startsWith("ect-"));
  expect(installed.sort()).toEqual(["ect-core", "ect-crypto", "ect-wimse"]);

  copyFileSync(join(repoRoot, "e2e/packaging/fixtures/a-la-carte", fixture), join(dir, fixture));
  compileStrictConsumer(dir, fixture);
  const out = run(process.execPath, [join(dir, "out", "wimse-verify.js")], dir);
  expect(JSON.parse(out.trim().split("\n").at(-1)!)).toEqual({
    iss: "wimse://example.org/agent-a",
    alg: "EdDSA",
    refused: "ECT_WPT_REPLAY",
  });
});
