import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The built entry a child process imports: child processes run the package as built (`dist`), as a
 * user's process would. The test scripts build first (`turbo run build` before `vitest run`); a
 * missing build fails loudly here rather than running something else.
 */
export function builtEntry(): string {
  const entry = join(packageDir, "dist", "index.js");
  if (!existsSync(entry)) throw new Error("dist/index.js is missing: run pnpm build");
  return pathToFileURL(entry).href;
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
