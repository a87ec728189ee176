import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** `appendonly` (default `true`). */
  readonly appendonly?: boolean;
  /** `appendfsync` (default `"everysec"`; `"always"` for durability tests). */
  readonly appendfsync?: "always" | "everysec" | "no";
  /** Allow `DEBUG` (e.g. `DEBUG SLEEP`); Redis 7 refuses it by default. Default `false`. */
  readonly enableDebugCommand?: boolean;
  /** `maxmemory`, e.g. `"2mb"` (default: no limit). */
  readonly maxmemory?: string;
  /** `maxmemory-policy` (default: the server's, `noeviction`). */
  readonly maxmemoryPolicy?: string;
  /** Start as a Cluster node (`cluster-enabled yes`). */
  readonly clusterEnabled?: boolean;
  /** More `redis-server` arguments, e.g. `["--hz", "100"]`. */
  readonly extraArgs?: readonly string[];
  /** Most time to wait until the server answers `PING`, ms (default 10000). */
  readonly startTimeoutMs?: number;
}

/** A private `redis-server` process started by {@link startRedisServer}. */
export interface RedisServerHandle {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The TCP port it listens on. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Its private data directory (AOF, logs); removed by {@link RedisServerHandle.stop}. */
  readonly dir: string;
  /** PID of the running process (changes after {@link RedisServerHandle.restart}). */
  readonly pid: number;
  /** True while the process runs. */
  readonly running: boolean;
  /** Sends one command over a fresh connection and returns the raw RESP reply text. */
  command(...args: string[]): Promise<string>;
  /** `SIGKILL` (no shutdown, no final fsync) and wait for the exit; the data directory stays. */
  kill9(): Promise<void>;
  /** Starts the server again on the same port and directory (it reloads its AOF). */
  restart(): Promise<void>;
  /** Stops the server (`SIGTERM`, then `SIGKILL`) and removes its directory. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every server this process started, whatever happened (a failed test, an exception). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of running) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

/** A TCP port free on 127.0.0.1 (and `port + 10000` too when `withBus`, for a Cluster bus). */
export async function freePort(withBus = false): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
    });
    if (!withBus) return port;
    if (port + 10000 > 65535) continue;
    const busFree = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port + 10000, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (busFree) return port;
  }
  throw new Error("no free port pair found");
}

function encodeCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(""));
}

/** Length of one complete RESP reply at the start of `text`, or -1 when incomplete. */
function replyLength(text: string, at = 0): number {
  const eol = text.indexOf("\r\n", at);
  if (eol < 0) return -1;
  const type = text[at];
  if (type === "+" || type === "-" || type === ":") return eol + 2 - at;
  if (type === "$") {
    const len = Number(text.slice(at + 1, eol));
    if (len < 0) return eol + 2 - at;
    const end = eol + 2 + len + 2;
    return Buffer.byteLength(text) >= end ? end - at : -1;
  }
  if (type === "*") {
    const count = Number(text.slice(at + 1, eol));
    let pos = eol + 2;
    for (let i = 0; i < count; i++) {
      const n = replyLength(text, pos);
      if (n < 0) return -1;
      pos += n;
    }
    return pos - at;
  }
  return eol + 2 - at;
}

/**
 * Sends one command to `127.0.0.1:port` over a fresh connection and resolves with the raw RESP
 * reply (e.g. `"+PONG\r\n"`). Independent of node-redis, so the harness never relies on the code
 * under test.
 */
export function redisCommand(port: number, args: readonly string[], timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let data = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${port}: no reply to ${args[0]} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("data", (chunk) => {
      data += chunk.toString("latin1");
      if (replyLength(data) >= 0) {
        clearTimeout(timer);
        socket.destroy();
        resolve(data);
      }
    });
    socket.connect(port, "127.0.0.1", () => socket.write(encodeCommand(args)));
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitForPong(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server on port ${port} exited (${child.exitCode ?? child.signalCode})`);
    }
    try {
      const reply = await redisCommand(port, ["PING"], 1000);
      if (reply.startsWith("+PONG")) return;
      last = reply.trim(); // -LOADING while it replays its AOF
    } catch (error) {
      last = error;
    }
    await sleep(25);
  }
  throw new Error(`redis-server on port ${port} not ready within ${timeoutMs} ms (${String(last)})`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Starts a private `redis-server` (from `PATH`) for tests: its own temporary directory, a free port
 * on 127.0.0.1, no RDB snapshots (`--save ""`), AOF on by default. The process is stopped by PID
 * with {@link RedisServerHandle.stop}, and killed when this process exits even if a test failed.
 * Never touches a server someone else started.
 *
 * @example
 * ```ts
 * const server = await startRedisServer({ appendfsync: "always" });
 * try { ... new RedisLedger({ url: server.url, ledgerId: "t" }) ... } finally { await server.stop(); }
 * ```
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), "ect-redis-"));
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  let lastError: unknown;
  for (let tries = 0; tries < 5; tries++) {
    const port = await freePort(options.clusterEnabled === true);
    const args = [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      options.appendonly === false ? "no" : "yes",
      "--appendfsync",
      options.appendfsync ?? "everysec",
      "--logfile",
      join(dir, "redis.log"),
      "--daemonize",
      "no",
    ];
    if (options.enableDebugCommand) args.push("--enable-debug-command", "yes");
    if (options.maxmemory !== undefined) args.push("--maxmemory", options.maxmemory);
    if (options.maxmemoryPolicy !== undefined) args.push("--maxmemory-policy", options.maxmemoryPolicy);
    if (options.clusterEnabled) {
      args.push("--cluster-enabled", "yes", "--cluster-config-file", join(dir, "nodes.conf"));
      args.push("--cluster-node-timeout", "2000");
    }
    args.push(...(options.extraArgs ?? []));

    let child: ChildProcess | undefined;
    const launch = async () => {
      const started = spawn("redis-server", args, { stdio: "ignore" });
      running.add(started);
      started.once("exit", () => running.delete(started));
      started.once("error", () => running.delete(started));
      child = started;
      await waitForPong(port, started, timeoutMs);
    };
    try {
      await launch();
    } catch (error) {
      lastError = error;
      if (child) {
        child.kill("SIGKILL");
        await exited(child);
      }
      continue; // most likely the port was taken in between: try another
    }
    const handle: RedisServerHandle = {
      host: "127.0.0.1",
      port,
      url: `redis://127.0.0.1:${port}`,
      dir,
      get pid() {
        return child?.pid ?? -1;
      },
      get running() {
        return child !== undefined && child.exitCode === null && child.signalCode === null;
      },
      command: (...commandArgs: string[]) => redisCommand(port, commandArgs),
      async kill9() {
        if (child === undefined) return;
        child.kill("SIGKILL");
        await exited(child);
      },
      async restart() {
        if (handle.running) throw new Error("the server is still running");
        await launch();
      },
      async stop() {
        if (child !== undefined && handle.running) {
          const current = child;
          current.kill("SIGTERM");
          const timer = setTimeout(() => current.kill("SIGKILL"), 5000);
          await exited(current);
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return handle;
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`could not start redis-server: ${String(lastError)}`);
}
