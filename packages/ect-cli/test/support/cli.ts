import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type EctKeyPair, exportJwks, exportPrivateJwk, generateEctKeyPair } from "ect-crypto";

/** The package directory and its built binary. */
export const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = join(packageDir, "dist", "bin.js");

/** What one run of the binary did. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link ect}. */
export interface RunOptions {
  readonly cwd: string;
  readonly stdin?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Keep stdin open (only {@link startEct}), so the command waits for more input. */
  readonly keepStdinOpen?: boolean;
}

/** The environment without any ECT_* variable of the machine running the tests. */
function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("ECT_")) env[name] = value;
  return { ...env, ...extra };
}

/** Runs `node dist/bin.js ...args` as a subprocess, stdin closed unless given. */
export function ect(args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { readonly dir: string; readonly remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `ect-cli-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A key pair written the way `ect keygen` writes it (private JWK 0600 + public JWK Set), made in-process. */
export async function writeKeyFiles(
  dir: string,
  name: string,
  options: { readonly alg?: "ES256" | "Ed25519"; readonly kid?: string } = {},
): Promise<{ readonly key: EctKeyPair; readonly keyFile: string; readonly jwksFile: string }> {
  const key = await generateEctKeyPair({ extractable: true, ...options });
  const keyFile = join(dir, `${name}.key.json`);
  const jwksFile = join(dir, `${name}.jwks.json`);
  writeFileSync(keyFile, JSON.stringify(await exportPrivateJwk(key)), { mode: 0o600 });
  writeFileSync(jwksFile, JSON.stringify(await exportJwks([key])));
  return { key, keyFile, jwksFile };
}

/** The decoded claims of a JWS (no verification: for assertions only). */
export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

/** A Python 3 that has PyJWT (Debian's python3-jwt lives in /usr/bin/python3, a pyenv shim may hide it). */
export function pythonWithJwt(): string {
  for (const python of ["python3", "/usr/bin/python3"]) {
    const probe = spawnSync(python, ["-c", "import jwt, cryptography"], { encoding: "utf8" });
    if (probe.status === 0) return python;
  }
  throw new Error("no python3 with the jwt (PyJWT) module: install python3-jwt");
}

/** A running `ect` process: wait for text on its stderr while it runs, then for its result. */
export interface RunningEct {
  /** Resolves once stderr contains `text`. */
  stderrContains(text: string): Promise<void>;
  readonly result: Promise<RunResult & { readonly signal: NodeJS.Signals | null }>;
  /** Sends a signal to the process. */
  kill(signal: NodeJS.Signals): void;
}

/** Starts `node dist/bin.js ...args` and returns while it runs. */
export function startEct(args: readonly string[], options: RunOptions): RunningEct {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: cleanEnv(options.env) });
  let stdout = "";
  let stderr = "";
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    for (const waiter of waiters.filter((w) => stderr.includes(w.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  const result = new Promise<RunResult & { readonly signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  if (options.keepStdinOpen) child.stdin.write(options.stdin ?? "");
  else child.stdin.end(options.stdin ?? "");
  return {
    result,
    kill: (signal) => child.kill(signal),
    stderrContains: (text) =>
      stderr.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ text, resolve });
            void result.then((r) =>
              reject(
                new Error(`ect exited (${r.code}) before writing ${JSON.stringify(text)}:\n${r.stderr}`),
              ),
            );
          }),
  };
}
