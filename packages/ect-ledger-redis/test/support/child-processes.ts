import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Transpiles this package's `src` to JavaScript (no type check) under `node_modules/.cache`, so a
 * child process runs the code under test whether or not `dist` is built. Bare imports (`ect-core`,
 * `redis`, `ect-crypto`) resolve through the package's own `node_modules`. Returns the entry's path.
 */
export function buildForChildProcesses(): string {
  const out = join(packageDir, "node_modules", ".cache", `ect-ledger-redis-test-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts")) {
        const { outputText } = ts.transpileModule(readFileSync(path, "utf8"), {
          compilerOptions: {
            module: ts.ModuleKind.ESNext,
            target: ts.ScriptTarget.ES2022,
            verbatimModuleSyntax: true,
          },
        });
        const target = join(out, relative(packageDir, path)).replace(/\.ts$/, ".js");
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, outputText);
      }
    }
  };
  walk(join(packageDir, "src"));
  return join(out, "src", "index.js");
}

/** Removes what {@link buildForChildProcesses} wrote. */
export function removeChildBuild(entry: string): void {
  rmSync(dirname(dirname(entry)), { recursive: true, force: true });
}

/**
 * Starts one Node process per input running `fixture` (a file in test/fixtures), hands each its
 * input as JSON on stdin, waits until every one printed `{"ready":true}`, then writes `go` to all
 * at once (a barrier, so their work really overlaps) and resolves with each one's final JSON line.
 */
export async function runWorkers(
  fixture: string,
  inputs: readonly unknown[],
  timeoutMs = 30_000,
): Promise<unknown[]> {
  const script = join(packageDir, "test", "fixtures", fixture);
  const children = inputs.map((input) => {
    const child = spawn(process.execPath, [script], { stdio: ["pipe", "pipe", "pipe"], cwd: packageDir });
    child.stdin.write(`${JSON.stringify(input)}\n`);
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('{"ready":true}')) resolve();
      });
      child.once("exit", (code) => reject(new Error(`${fixture} exited ${code} before ready: ${stderr}`)));
    });
    const done = new Promise<unknown>((resolve, reject) => {
      child.once("exit", (code) => {
        const last = stdout.trim().split("\n").pop() ?? "";
        if (code === 0) resolve(JSON.parse(last));
        else reject(new Error(`${fixture} exited ${code}: ${stderr}`));
      });
    });
    return { child, ready, done };
  });
  const timer = setTimeout(() => {
    for (const { child } of children) child.kill("SIGKILL");
  }, timeoutMs);
  try {
    await Promise.all(children.map((c) => c.ready));
    for (const { child } of children) child.stdin.end("go\n");
    return await Promise.all(children.map((c) => c.done));
  } finally {
    clearTimeout(timer);
    for (const { child } of children) if (child.exitCode === null) child.kill("SIGKILL");
  }
}
