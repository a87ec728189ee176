// Every publishable package packs to a tarball with only what it needs, an exports map that
// resolves types and code for ESM, real dependency versions, README and LICENSE; publint --strict
// and are-the-types-wrong find nothing (ISSUE: packages users can pick a la carte).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { describe, expect, inject, it } from "vitest";
import { publishablePackages, repoRoot, run, tarballFiles, tarballManifest } from "./support.js";

const packages = publishablePackages();
const tarballs = new Map(Object.entries(inject("tarballs")));

describe.each(packages.map((p) => [p.name, p] as const))("%s tarball", (name, pkg) => {
  it("holds dist, README, LICENSE and package.json, and no tests or configs", () => {
    const files = tarballFiles(tarballs.get(name)!);
    for (const required of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]) {
      expect(files, `${name} lacks ${required}`).toContain(required);
    }
    const stray = files.filter((f) =>
      /^(test|bench|node_modules)\/|vitest\.config|tsconfig|\.test\./.test(f),
    );
    expect(stray).toEqual([]);
  });

  it("has an ESM exports map with types and default for every entry, and package.json exported", () => {
    const manifest = tarballManifest(tarballs.get(name)!);
    expect(manifest.type).toBe("module");
    expect(manifest.sideEffects).toBe(false);
    const exportsMap = manifest.exports as Record<string, unknown>;
    expect(exportsMap["./package.json"]).toBe("./package.json");
    for (const [entry, target] of Object.entries(exportsMap)) {
      if (entry === "./package.json") continue;
      const conditions = target as Record<string, unknown>;
      expect(Object.keys(conditions), `${name} ${entry}`).toContain("types");
      expect(Object.keys(conditions), `${name} ${entry}`).toContain("default");
    }
  });

  it("depends on real versions, never workspace: or catalog:", () => {
    const manifest = tarballManifest(tarballs.get(name)!);
    const deps = { ...(manifest.dependencies as object), ...(manifest.peerDependencies as object) };
    for (const [dep, range] of Object.entries(deps)) {
      expect(String(range), `${name} -> ${dep}`).not.toMatch(/^(workspace|catalog):/);
    }
    const ours = Object.keys((manifest.dependencies as object) ?? {}).filter((d) => d.startsWith("ect-"));
    for (const dep of ours) {
      const version = packages.find((p) => p.name === dep)?.version;
      expect((manifest.dependencies as Record<string, string>)[dep]).toBe(version);
    }
    expect(pkg.manifest.license).toBe("Apache-2.0");
  });

  it("passes publint --strict", async () => {
    const tarball = readFileSync(tarballs.get(name)!);
    const { messages, pkg: packed } = await publint({
      pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
      strict: true,
      level: "suggestion",
    });
    const text = messages.map((m) => `${m.type}: ${formatMessage(m, packed) ?? m.code}`);
    expect(text).toEqual([]);
  });

  it("passes are-the-types-wrong (ESM-only profile)", () => {
    const attw = join(repoRoot, "e2e/packaging/node_modules/.bin/attw");
    // Exits non-zero and prints the problems table when any resolution is wrong.
    run(attw, [tarballs.get(name)!, "--profile", "esm-only", "--format", "table-flipped"], repoRoot);
  });
});
