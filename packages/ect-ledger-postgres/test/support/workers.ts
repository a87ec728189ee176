import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The built entry a child process imports. Child processes run the package as built (`dist`), as a
 * user's process would; a `dist` older than `src` would test stale code, so that fails loudly.
 */
export function builtEntry(): string {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : path.endsWith(".ts") ? [path] : [];
    });
  for (const source of walk(join(packageDir, "src"))) {
    const built = join(packageDir, "dist", relative(join(packageDir, "src"), source)).replace(/\.ts$/, ".js");
    let stale: boolean;
    try {
      stale = statSync(built).mtimeMs < statSync(source).mtimeMs;
    } catch {
      stale = true;
    }
    if (stale)
      throw new Error(`${relative(packageDir, built)} is missing or older than its source: run pnpm build`);
  }
  return pathToFileURL(join(packageDir, "dist", "index.js")).href;
}

/** One line a worker printed. */
export interface WorkerMessage {
  readonly ready?: true;
  readonly ack?: number;
  readonly status?: string;
  readonly index?: number | null;
  readonly failed?: number;
  readonly code?: string;
  readonly done?: true;
}

/** A running `append-worker.mjs` process. */
export interface AppendWorker {
  readonly child: ChildProcess;
  /** Every complete line it printed so far, parsed. */
  readonly messages: WorkerMessage[];
  /** Resolves when a printed message satisfies `predicate` (checked on each new line). */
  until(predicate: (messages: readonly WorkerMessage[]) => boolean): Promise<void>;
  /** Writes a word to its stdin ("go", "continue"). */
  tell(word: string): void;
  /** Resolves when it exited, with its exit code or signal. */
  readonly exited: Promise<number | string>;
}

/** Starts `test/fixtures/append-worker.mjs` with `input` (see the fixture for its members). */
export function startAppendWorker(input: Record<string, unknown>): AppendWorker {
  const dir = mkdtempSync(join(tmpdir(), "ect-pg-worker-"));
  const file = join(dir, "input.json");
  writeFileSync(file, JSON.stringify(input));
  const child = spawn(process.execPath, [join(packageDir, "test", "fixtures", "append-worker.mjs"), file], {
    stdio: ["pipe", "pipe", "pipe"],
    cwd: packageDir,
  });
  const messages: WorkerMessage[] = [];
  const watchers: { predicate: (m: readonly WorkerMessage[]) => boolean; resolve: () => void }[] = [];
  let buffer = "";
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout!.on("data", (d: Buffer) => {
    buffer += d.toString();
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      messages.push(JSON.parse(buffer.slice(0, newline)) as WorkerMessage);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
    }
    for (const w of [...watchers]) {
      if (w.predicate(messages)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      rmSync(dir, { recursive: true, force: true });
      resolve(code ?? signal ?? -1);
    });
  });
  return {
    child,
    messages,
    until: (predicate) =>
      predicate(messages)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            watchers.push({ predicate, resolve });
            void exited.then((how) => {
              if (!predicate(messages)) reject(new Error(`append worker exited (${how}): ${stderr}`));
            });
          }),
    tell: (word) => child.stdin!.write(`${word}\n`),
    exited,
  };
}
