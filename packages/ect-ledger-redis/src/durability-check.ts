import { EctConfigError, EctError, EctErrorCodes } from "ect-core";
import { choiceOption } from "ect-core/internal";
import { ErrorReply } from "redis";
import type {
  RedisClientLike,
  RedisClusterClientLike,
  RedisStandaloneClientLike,
} from "./redis-connection.js";

/** What the startup check found on one Redis server (one master of a cluster). */
export interface RedisServerDurability {
  /** `host:port` of a cluster master; `""` for a standalone server. */
  readonly address: string;
  /** `aof_enabled` from `INFO persistence`. */
  readonly aofEnabled: boolean;
  /** `appendfsync` from `CONFIG GET` (`undefined` when `CONFIG` is not allowed). */
  readonly appendfsync: string | undefined;
  /** `maxmemory_policy` from `INFO memory`. */
  readonly maxmemoryPolicy: string;
  /** `maxmemory` in bytes (0 = no limit). */
  readonly maxmemory: number;
}

/** Outcome of {@link checkRedisDurability}. */
export interface RedisDurabilityReport {
  /** One item per server checked. */
  readonly servers: readonly RedisServerDurability[];
  /** Every problem found, one sentence each; empty when the configuration keeps the data. */
  readonly problems: readonly string[];
}

/** What the data is, which decides which eviction policies can lose it. */
export type RedisDataPurpose = "ledger" | "replay-cache";

/** Options of {@link checkRedisDurability}. */
export interface DurabilityCheckOptions {
  /**
   * `"ledger"` (keys without expiry: only `allkeys-*` policies evict them) or `"replay-cache"`
   * (keys with an expiry: every policy but `noeviction` may evict them early, silently re-opening
   * the replay window).
   */
  readonly purpose: RedisDataPurpose;
}

function infoField(info: string, name: string): string | undefined {
  const match = new RegExp(`^${name}:(.*)$`, "m").exec(info);
  return match?.[1]?.trim();
}

function asText(reply: unknown): string {
  if (typeof reply === "string") return reply;
  if (reply instanceof Uint8Array) return new TextDecoder().decode(reply);
  return String(reply);
}

async function checkServer(
  client: RedisStandaloneClientLike,
  address: string,
): Promise<RedisServerDurability> {
  const info =
    asText(await client.sendCommand(["INFO", "persistence"])) +
    asText(await client.sendCommand(["INFO", "memory"]));
  let appendfsync: string | undefined;
  try {
    const reply = (await client.sendCommand(["CONFIG", "GET", "appendfsync"])) as unknown;
    if (Array.isArray(reply) && reply.length >= 2) appendfsync = asText(reply[1]);
    else if (reply !== null && typeof reply === "object") {
      const value = (reply as Record<string, unknown>)["appendfsync"];
      if (value !== undefined) appendfsync = asText(value);
    }
  } catch {
    // CONFIG is often disabled on managed Redis; INFO is enough for the rest.
  }
  return {
    address,
    aofEnabled: infoField(info, "aof_enabled") === "1",
    appendfsync,
    maxmemoryPolicy: infoField(info, "maxmemory_policy") ?? "unknown",
    maxmemory: Number(infoField(info, "maxmemory") ?? "0"),
  };
}

function problemsOf(server: RedisServerDurability, purpose: RedisDataPurpose): string[] {
  const problems: string[] = [];
  const where = server.address === "" ? "Redis" : `Redis ${server.address}`;
  const policy = server.maxmemoryPolicy;
  if (purpose === "ledger" && policy.startsWith("allkeys-")) {
    problems.push(
      `${where}: maxmemory-policy ${policy} can evict ledger entries when memory is full; use noeviction`,
    );
  }
  if (purpose === "replay-cache" && policy !== "noeviction") {
    problems.push(
      `${where}: maxmemory-policy ${policy} can evict replay records before they expire, so a replay would be accepted; use noeviction`,
    );
  }
  if (!server.aofEnabled) {
    problems.push(
      `${where}: AOF is off (appendonly no), so acknowledged writes since the last snapshot are lost on a restart; set appendonly yes`,
    );
  }
  if (server.appendfsync === "no") {
    problems.push(
      `${where}: appendfsync no leaves acknowledged writes to the OS for up to ~30 s; use everysec or always`,
    );
  }
  return problems;
}

/**
 * Reads the configuration that decides whether Redis keeps the data (SPEC 7: "acknowledged appends
 * survive a server restart when Redis runs with AOF") and lists every problem: AOF off,
 * `appendfsync no`, and an eviction policy that can drop the keys (`allkeys-*` for a ledger, anything
 * but `noeviction` for a replay cache). On a cluster every master is checked.
 *
 * Uses `INFO` (allowed on managed services) and, when permitted, `CONFIG GET appendfsync`.
 *
 * @example
 * ```ts
 * const report = await checkRedisDurability(client, { purpose: "ledger" });
 * for (const problem of report.problems) console.warn(problem);
 * ```
 */
export async function checkRedisDurability(
  client: RedisClientLike,
  options: DurabilityCheckOptions,
): Promise<RedisDurabilityReport> {
  const servers: RedisServerDurability[] = [];
  if ("masters" in client) {
    const cluster = client as RedisClusterClientLike;
    for (const master of cluster.masters) {
      const node = master as { host?: string; port?: number };
      const nodeClient = await cluster.nodeClient(master as never);
      servers.push(await checkServer(nodeClient, `${node.host ?? "?"}:${node.port ?? "?"}`));
    }
  } else {
    servers.push(await checkServer(client as RedisStandaloneClientLike, ""));
  }
  return Object.freeze({
    servers: Object.freeze(servers.map((s) => Object.freeze(s))),
    problems: Object.freeze(servers.flatMap((s) => problemsOf(s, options.purpose))),
  });
}

/** What the startup configuration check does with a problem it finds. */
export type StartupCheckMode = "warn" | "refuse" | "off";

const STARTUP_CHECK_MODES: readonly StartupCheckMode[] = ["warn", "refuse", "off"];

/**
 * Checks the `onWarning` option: absent or a function.
 *
 * @throws {@link EctConfigError} (code `ECT_CONFIG_INVALID`) for anything else.
 */
export function checkOnWarning(onWarning: unknown): void {
  if (onWarning !== undefined && typeof onWarning !== "function") {
    throw new EctConfigError("onWarning", "must be a function", { received: onWarning });
  }
}

/**
 * Reads the `startupCheck` option (default `"warn"`).
 *
 * @throws {@link EctConfigError} (code `ECT_CONFIG_INVALID`) for any other value.
 */
export function resolveStartupCheckMode(value: StartupCheckMode | undefined): StartupCheckMode {
  return choiceOption(value, STARTUP_CHECK_MODES, "startupCheck");
}

/**
 * The startup check the ledger and the replay cache run before their first command: problems are
 * refused (`"refuse"`) or reported to `onWarning`; a server that refuses `INFO` (an ACL) is reported
 * once and not checked.
 *
 * @param keeps - what Redis must keep, for the messages: `"the ledger"`, `"replay records"`.
 */
export async function runRedisStartupCheck(
  client: RedisClientLike,
  options: {
    readonly purpose: "ledger" | "replay-cache";
    readonly keeps: string;
    readonly mode: StartupCheckMode;
    readonly onWarning: (message: string) => void;
  },
): Promise<void> {
  let report: RedisDurabilityReport;
  try {
    report = await checkRedisDurability(client, { purpose: options.purpose });
  } catch (error) {
    if (!(error instanceof ErrorReply)) throw error;
    options.onWarning(
      `could not check the Redis configuration (${error.message}); make sure it keeps ${options.keeps}`,
    );
    return;
  }
  if (report.problems.length > 0 && options.mode === "refuse") {
    throw new EctError(
      EctErrorCodes.CONFIG_INVALID,
      `Redis would not keep ${options.keeps}: ${report.problems.join("; ")}`,
    );
  }
  for (const problem of report.problems) options.onWarning(problem);
}
