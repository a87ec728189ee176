// A private redis-server for the Redis benchmarks: its own temp dir, a free port on 127.0.0.1,
// stopped by its PID when the bench ends, fails, or gets SIGINT/SIGTERM. It is started with
// ect-ledger-redis's own test harness (`ect-ledger-redis/testing`, AOF on with fsync every second,
// the configuration the ledger's startup check asks for) when that is built, else by the minimal
// launcher below (no persistence). Both sides of every Redis comparison use the same server.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const running = new Set();

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1", () => {
      socket.end();
      resolve(true);
    });
  });
}

function killAll(signal) {
  for (const server of running) {
    try {
      process.kill(server.pid, signal);
    } catch {
      // already gone
    }
    rmSync(server.dir, { recursive: true, force: true });
  }
}

let hooked = false;
function hookProcessExit() {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => killAll("SIGKILL"));
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      for (const server of running)
        process.stderr.write(`\n${signal}: stopping redis-server pid ${server.pid}\n`);
      killAll("SIGTERM");
      process.exit(130);
    });
  }
}

/**
 * Starts a private server: `{ url, port, pid, harness, stop() }`. `stop()` is also called on
 * SIGINT/SIGTERM while the server runs.
 */
export async function startPrivateRedis() {
  hookProcessExit();
  let testing;
  try {
    testing = await import("ect-ledger-redis/testing");
  } catch {
    testing = undefined;
  }
  if (typeof testing?.startRedisServer !== "function") {
    const server = await startRedisServer();
    return { ...server, harness: "bench/lib/redis-server.mjs (no persistence)" };
  }
  const handle = await testing.startRedisServer({ appendonly: true, appendfsync: "everysec" });
  const entry = { pid: handle.pid, dir: handle.dir };
  running.add(entry);
  const info = await handle.command("INFO", "server");
  return {
    url: handle.url,
    port: handle.port,
    pid: handle.pid,
    version: /redis_version:([\d.]+)/.exec(info)?.[1],
    harness: "ect-ledger-redis/testing startRedisServer (appendonly yes, appendfsync everysec)",
    async stop() {
      running.delete(entry);
      await handle.stop();
    },
  };
}

/**
 * Starts redis-server (`REDIS_SERVER` or `redis-server` on PATH) and resolves when it accepts
 * connections: `{ url, port, pid, stop() }`. `stop()` sends SIGTERM to that PID and waits for exit.
 */
export async function startRedisServer({ binary = process.env.REDIS_SERVER ?? "redis-server" } = {}) {
  hookProcessExit();
  const dir = mkdtempSync(join(tmpdir(), "ect-bench-redis-"));
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code ?? 0)));
    const spawnError = new Promise((_, reject) => child.once("error", reject));
    const entry = { pid: child.pid, dir };
    running.add(entry);
    const ready = (async () => {
      for (let i = 0; i < 200; i++) {
        if (await canConnect(port)) return true;
        await new Promise((r) => setTimeout(r, 25));
      }
      return false;
    })();
    const outcome = await Promise.race([ready, exited.then(() => "exited"), spawnError]);
    if (outcome === true) {
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        pid: child.pid,
        version: /version=([\d.]+)/.exec(output)?.[1],
        async stop() {
          running.delete(entry);
          if (child.exitCode === null) {
            child.kill("SIGTERM");
            await exited;
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    running.delete(entry);
    if (child.exitCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    // Lost the port to someone else between probing and binding: try another one.
    if (!/Address already in use/i.test(output)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start on port ${port}:\n${output.slice(-2000)}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error("redis-server: no free port after 5 attempts");
}
