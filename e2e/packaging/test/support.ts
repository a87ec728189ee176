// Shared helpers of the packaging tests: the repository layout, packing, running commands.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export interface PublishablePackage {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly manifest: Record<string, unknown>;
}

/** Every non-private package under packages/. */
export function publishablePackages(): PublishablePackage[] {
  const dir = join(repoRoot, "packages");
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((pkgDir) => ({ pkgDir, manifest: JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ pkgDir, manifest }) => ({
      name: manifest.name,
      version: manifest.version,
      dir: pkgDir,
      manifest,
    }));
}

/** A fresh temporary directory outside the workspace. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** Runs a command, returning its output; throws with stdout and stderr on a non-zero exit. */
export function run(
  cmd: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const res = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${res.status}\n${res.stdout}\n${res.stderr}`);
  }
  return res.stdout;
}

/** Like {@link run}, without blocking the event loop, so several commands can run at once. */
export function runAsync(cmd: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${cmd} ${args.join(" ")} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * Packs every publishable package into `dest` with the README's own command (`pnpm pack:packages
 * DIR`: pnpm pack, workspace and catalog versions rewritten), so the tests install exactly what a
 * reader of "From a clone" installs.
 */
export function packAll(dest: string): Map<string, string> {
  const out = execFileSync(process.execPath, [join(repoRoot, "scripts/pack-packages.mjs"), dest, "--json"], {
    cwd: repoRoot,
    env: { ...process.env, INIT_CWD: repoRoot },
    encoding: "utf8",
  });
  return new Map(Object.entries(JSON.parse(out) as Record<string, string>));
}

/** The file list of a tarball (paths without the `package/` prefix). */
export function tarballFiles(tarball: string): string[] {
  return execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ""));
}

/** The package.json inside a tarball. */
export function tarballManifest(tarball: string): Record<string, unknown> {
  return JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }));
}

/**
 * Type-checks `fixture` (already copied into `project`) the way a strict consumer's project would
 * (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess, the packages' own .d.ts checked)
 * and compiles it to `project/out`. `types` decides whether Node's types are visible, `lib` the DOM's.
 */
export function compileStrictConsumer(
  project: string,
  fixture: string,
  { types = [], lib = ["ES2022", "DOM"] }: { types?: string[]; lib?: string[] } = {},
): void {
  const compilerOptions = {
    target: "ES2022",
    lib,
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    types,
    outDir: "out",
  };
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({ compilerOptions, files: [fixture] }, null, 2),
  );
  run(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], project);
}
