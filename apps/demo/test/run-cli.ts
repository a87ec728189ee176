// Runs the built demo as a child process, the way `pnpm demo:run` does.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The demo app's directory. */
export const appDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const mainJs = join(appDir, "dist", "main.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Compiles the demo when `dist` is missing or older than `src`, so the test always runs what the
 * sources say (its dependencies are built by turbo before tests).
 */
export function ensureBuilt(): void {
  if (existsSync(mainJs) && statSync(mainJs).mtimeMs >= newestMtime(join(appDir, "src"))) return;
  const tsc = createRequire(join(appDir, "package.json")).resolve("typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
    cwd: appDir,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`building the demo failed:\n${result.stdout}${result.stderr}`);
}

/** What a run printed and how it ended. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/main.js ...args` with a clean colour environment plus `env`. */
export function runDemoCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (env.NO_COLOR === undefined) delete childEnv.NO_COLOR;
  delete childEnv.FORCE_COLOR;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mainJs, ...args], { cwd: appDir, env: childEnv });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
