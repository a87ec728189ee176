// The release flow a maintainer runs: `pnpm changeset` writes a changeset, `pnpm version-packages`
// (changeset version) applies it, and a dry-run publish of the packed tarballs succeeds. Run in a
// clone so the workspace is never modified.
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { publishablePackages, repoRoot, run, runAsync, tempDir } from "./support.js";

const changesetBin = join(repoRoot, "node_modules/@changesets/cli/bin.js");

function manifest(dir: string, rel: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, rel, "package.json"), "utf8"));
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

describe("release flow", () => {
  let clone: string;

  beforeAll(() => {
    clone = join(tempDir("ect-release"), "repo");
    run("git", ["clone", "--quiet", repoRoot, clone], repoRoot);
    // The changelog generator is resolved from the clone; reuse the workspace's install.
    symlinkSync(join(repoRoot, "node_modules"), join(clone, "node_modules"), "dir");
  });

  it("versions packages independently from changesets and never versions the apps", () => {
    const before = Object.fromEntries(publishablePackages().map((p) => [p.name, p.version]));
    const appsDir = join(clone, "apps");
    const appsBefore = existsSync(appsDir)
      ? readdirSync(appsDir).map((a) => [a, manifest(clone, `apps/${a}`).version] as const)
      : [];
    writeFileSync(
      join(clone, ".changeset/release-flow-test.md"),
      '---\n"ect-dag": minor\n"ect-core": patch\n---\n\nRelease-flow test change.\n',
    );
    run(process.execPath, [changesetBin, "status"], clone);
    run(process.execPath, [changesetBin, "version"], clone);

    const bump = (v: string, kind: "minor" | "patch") => {
      const [major, minor, patch] = v.split(".").map(Number) as [number, number, number];
      return kind === "minor" ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
    };
    const dag = manifest(clone, "packages/ect-dag").version as string;
    const core = manifest(clone, "packages/ect-core").version as string;
    // Other changesets already in the repo may bump further; never less.
    expect(compareVersions(dag, bump(before["ect-dag"]!, "minor"))).toBeGreaterThanOrEqual(0);
    expect(compareVersions(core, bump(before["ect-core"]!, "patch"))).toBeGreaterThanOrEqual(0);
    // A dependent of a changed package gets a patch bump, so its exact published dependency moves too.
    const crypto = manifest(clone, "packages/ect-crypto").version as string;
    expect(compareVersions(crypto, bump(before["ect-crypto"]!, "patch"))).toBeGreaterThanOrEqual(0);
    expect(readFileSync(join(clone, "packages/ect-dag/CHANGELOG.md"), "utf8")).toContain(
      "Release-flow test change.",
    );
    expect(existsSync(join(clone, ".changeset/release-flow-test.md"))).toBe(false);
    // Apps are private: never versioned, no changelog.
    for (const [app, version] of appsBefore) {
      expect(manifest(clone, `apps/${app}`).version).toBe(version);
      expect(existsSync(join(clone, `apps/${app}/CHANGELOG.md`))).toBe(false);
    }
    // Internal dependencies stay workspace links in the repo (pnpm rewrites them when packing).
    expect((manifest(clone, "packages/ect-crypto").dependencies as Record<string, string>)["ect-core"]).toBe(
      "workspace:*",
    );
  });

  it("dry-run publishes every packed package", async () => {
    const results = await Promise.all(
      Object.entries(inject("tarballs")).map(async ([name, tarball]) => {
        const out = await runAsync("npm", ["publish", "--dry-run", "--ignore-scripts", tarball], repoRoot);
        return [name, out] as const;
      }),
    );
    for (const [name, out] of results) expect(out, name).toContain(`+ ${name}@`);
  });
});
