import { spawn } from "node:child_process";
import { type RedisServerHandle, type RedisServerOptions, startRedisServer } from "./redis-server.js";

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions extends Omit<RedisServerOptions, "clusterEnabled"> {
  /** Number of masters (default 3, the minimum Redis accepts). */
  readonly masters?: number;
  /** Most time to wait for `cluster_state:ok` on every node, ms (default 20000). */
  readonly readyTimeoutMs?: number;
}

/** A local Redis Cluster made of private processes, from {@link startRedisCluster}. */
export interface RedisClusterHandle {
  /** The master processes. */
  readonly nodes: readonly RedisServerHandle[];
  /** Their URLs, for node-redis `createCluster({ rootNodes })` or `RedisLedger({ cluster })`. */
  readonly rootNodes: readonly string[];
  /** Stops every node and removes their directories. */
  stop(): Promise<void>;
}

function run(command: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${output}`));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts a Redis Cluster of `masters` private `redis-server` processes (no replicas) on free local
 * ports and joins them with `redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes`;
 * resolves once every node reports `cluster_state:ok`. Stopped by {@link RedisClusterHandle.stop}
 * (and killed when this process exits).
 *
 * @example
 * ```ts
 * const cluster = await startRedisCluster();
 * const ledger = new RedisLedger({ cluster: { rootNodes: cluster.rootNodes }, ledgerId: "t" });
 * ```
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const count = options.masters ?? 3;
  const nodes: RedisServerHandle[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < count; i++) nodes.push(await startRedisServer({ ...options, clusterEnabled: true }));
    await run(
      "redis-cli",
      [
        "--cluster",
        "create",
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        "--cluster-replicas",
        "0",
        "--cluster-yes",
      ],
      30_000,
    );
    const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
    for (const node of nodes) {
      for (;;) {
        const info = await node.command("CLUSTER", "INFO");
        if (info.includes("cluster_state:ok")) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${node.port} not ok: ${info}`);
        await sleep(50);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, rootNodes: nodes.map((n) => n.url), stop };
}
