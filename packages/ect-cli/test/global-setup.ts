import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const DEPENDENCIES = ["ect-core", "ect-crypto", "ect-dag", "ect-ledger-memory", "ect-ledger-redis"];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The tests run `node packages/ect-cli/dist/bin.js` as a subprocess. The root test command builds
 * everything first (`turbo run build`); when the binary is missing or older than its sources (a
 * test run of this package alone, after an edit), it is built here, and a missing dependency build
 * fails with the command that fixes it.
 */
export default function setup(): void {
  const bin = join(packageDir, "dist", "bin.js");
  if (existsSync(bin) && statSync(bin).mtimeMs >= newestMtime(join(packageDir, "src"))) return;
  const missing = DEPENDENCIES.filter((dep) => !existsSync(join(packageDir, "..", dep, "dist", "index.js")));
  if (missing.length > 0) {
    throw new Error(
      `ect-cli tests need the built packages ${missing.join(", ")}: run 'pnpm turbo run build --filter=ect-cli...' first`,
    );
  }
  const tsc = createRequire(join(packageDir, "package.json")).resolve("typescript/bin/tsc");
  const build = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
    cwd: packageDir,
    encoding: "utf8",
  });
  if (build.status !== 0 || !existsSync(bin)) {
    throw new Error(
      `packages/ect-cli/dist/bin.js is missing and building it failed; run 'pnpm turbo run build --filter=ect-cli...':\n${build.stdout}${build.stderr}`,
    );
  }
  chmodSync(bin, 0o755);
}
