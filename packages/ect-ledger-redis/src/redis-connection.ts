import { EctConfigError, EctError, type EctErrorCode, EctErrorCodes, isEctError } from "ect-core";
import { assertKnownOptions } from "ect-core/internal";
import { createClient, createCluster, ErrorReply } from "redis";
import type { LuaScript } from "./lua-scripts.js";

/** Per-command options the ledger passes to node-redis (a subset of its `CommandOptions`). */
export interface RedisCommandOptionsLike {
  /** Aborts the command while it is still queued (node-redis does not abort a written command). */
  readonly abortSignal?: AbortSignal;
}

/**
 * The part of a node-redis v5 standalone client (`createClient`) the ledger uses. Any client made
 * by `createClient` from `redis` or `@redis/client` fits, whatever its modules or RESP version.
 */
export interface RedisStandaloneClientLike {
  /** Sends one raw command. */
  sendCommand(args: readonly string[], options?: RedisCommandOptionsLike): Promise<unknown>;
  /** Connects (resolves when ready). */
  connect(): Promise<unknown>;
  /** True while the client is open (connecting or connected). */
  readonly isOpen: boolean;
  /** Closes the socket at once, failing pending commands. */
  destroy(): void;
}

/** The part of a node-redis v5 cluster client (`createCluster`) the ledger uses. */
export interface RedisClusterClientLike {
  /** Sends one raw command to the node owning `firstKey`'s slot. */
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: readonly string[],
    options?: RedisCommandOptionsLike,
  ): Promise<unknown>;
  /** The master nodes of the cluster (used to check every master's configuration). */
  readonly masters: readonly unknown[];
  /** A client connected to one node of {@link RedisClusterClientLike.masters}. */
  nodeClient(node: never): Promise<RedisStandaloneClientLike> | RedisStandaloneClientLike;
  /** Discovers the topology and connects. */
  connect(): Promise<unknown>;
  /** True while the client is open. */
  readonly isOpen: boolean;
  /** Closes every socket at once. */
  destroy(): void;
}

/** A node-redis v5 client: standalone or cluster. */
export type RedisClientLike = RedisStandaloneClientLike | RedisClusterClientLike;

/**
 * How to reach Redis. Give exactly one of `url`, `cluster` or `client`.
 *
 * Timeouts are bounded everywhere: a call (an append, a read) never takes much longer than
 * `retryBudgetMs`; each attempt is bounded by `commandTimeoutMs` (and connecting by
 * `connectTimeoutMs`); past the budget it fails with `ECT_LEDGER_UNAVAILABLE`.
 */
export interface RedisConnectionOptions {
  /**
   * `redis://[[user]:password@]host[:port][/db]` (or `rediss://`) of a standalone server. The
   * ledger creates, owns and closes the client, and replaces its connection after a lost reply.
   */
  readonly url?: string;
  /** Root node URLs of a Redis Cluster; the ledger creates and owns a node-redis cluster client. */
  readonly cluster?: {
    /** `redis://host:port` URLs of one or more Cluster nodes; the rest of the Cluster is discovered. */
    readonly rootNodes: readonly string[];
  };
  /**
   * A node-redis v5 client (`createClient` / `createCluster`), or a function creating one.
   *
   * - A function: the ledger owns what it returns (connects it, closes it in `close()`, and calls
   *   it again for a fresh connection when a reply was lost). Use this for TLS, ACL users, etc.
   * - An instance: borrowed. The ledger connects it if needed but never closes or replaces it, so
   *   after a lost reply (a hung connection) later calls keep timing out until the client itself
   *   reconnects. Prefer a function.
   */
  readonly client?: RedisClientLike | (() => RedisClientLike);
  /** Most time to wait for a connection, ms (default 2000). */
  readonly connectTimeoutMs?: number;
  /** Most time one command may take before it is abandoned and retried, ms (default 2000). */
  readonly commandTimeoutMs?: number;
  /** Most time one call may take in total, retries included, ms (default 10000). */
  readonly retryBudgetMs?: number;
}

/** What the run loop learnt about one failed attempt. */
type AttemptFailure =
  /** The command never reached the server (refused offline, aborted while queued, refused by a busy server). */
  | { readonly kind: "not-sent"; readonly error: unknown }
  /** The command may have run: connection lost or no reply in time. */
  | { readonly kind: "unknown"; readonly error: unknown; readonly resetConnection: boolean }
  /** The server answered with an error that retrying will not change. */
  | { readonly kind: "definite"; readonly error: unknown };

/** Server replies meaning "not now, nothing was done": the command is retried. */
const RETRYABLE_REPLIES = [
  "LOADING",
  "BUSY",
  "TRYAGAIN",
  "CLUSTERDOWN",
  "MASTERDOWN",
  "READONLY",
  "NOREPLICAS",
  "MOVED",
  "ASK",
];

const NOT_SENT_ERRORS = new Set(["AbortError", "ClientOfflineError", "ClientClosedError", "TimeoutError"]);

class AttemptTimeout extends Error {
  constructor(
    readonly ms: number,
    readonly abortedWhileQueued: boolean,
  ) {
    super(`no reply within ${ms} ms`);
    this.name = "AttemptTimeout";
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.constructor.name || error.name : typeof error;
}

function classify(error: unknown): AttemptFailure {
  if (error instanceof AttemptTimeout) {
    return error.abortedWhileQueued
      ? { kind: "not-sent", error }
      : { kind: "unknown", error, resetConnection: true };
  }
  if (error instanceof ErrorReply) {
    const word = error.message.split(" ", 1)[0] ?? "";
    if (RETRYABLE_REPLIES.includes(word)) return { kind: "not-sent", error };
    return { kind: "definite", error };
  }
  if (NOT_SENT_ERRORS.has(errorName(error))) return { kind: "not-sent", error };
  return { kind: "unknown", error, resetConnection: false };
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${errorName(error)}: ${error.message}`;
  return String(error);
}

function isCluster(client: RedisClientLike): client is RedisClusterClientLike {
  return "masters" in client;
}

function positiveMs(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new EctConfigError(name, "must be a positive number of milliseconds", { received: value });
  }
  return value;
}

/**
 * The names of {@link RedisConnectionOptions}, for the option checks of the ledger and the replay
 * cache (an unknown option is refused, profile §4).
 *
 * @internal
 */
export const CONNECTION_OPTIONS: readonly (keyof RedisConnectionOptions)[] = [
  "url",
  "cluster",
  "client",
  "connectTimeoutMs",
  "commandTimeoutMs",
  "retryBudgetMs",
];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What {@link RedisConnection} does with each new connection and before the first command. */
export interface ConnectionSetup {
  /** Scripts to load on every new connection. */
  readonly preload?: readonly LuaScript[];
  /** A check run once (until it passes) before the first command, e.g. the durability check. */
  readonly check?: (client: RedisClientLike) => Promise<void>;
}

/** One connected client and the generation it belongs to (a reset starts a new generation). */
interface Connection {
  readonly client: RedisClientLike;
  readonly generation: number;
  ready: Promise<void> | undefined;
  connected: boolean;
  /** Scripts being loaded after a NOSCRIPT reply, by `sha:routing key`. */
  readonly loading: Map<string, Promise<void>>;
}

/** What a single attempt runs against: the live connection. */
export interface CommandTarget {
  /** True for a Redis Cluster client. */
  readonly cluster: boolean;
  /** Sends a raw command routed by `firstKey` (cluster) or to the one server. */
  send(args: readonly string[], route: { firstKey?: string; readonly?: boolean }): Promise<unknown>;
  /** EVALSHA, with EVAL when the server answers NOSCRIPT (after a restart or SCRIPT FLUSH). */
  evalScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly string[],
    readonly: boolean,
  ): Promise<unknown>;
  /** The underlying client (for the startup configuration check). */
  readonly client: RedisClientLike;
}

/** Options of {@link RedisConnection.run}. */
export interface RunOptions {
  /** What the call is, for error messages (`"append"`, `"range"`). */
  readonly what: string;
  /** Error code for a definite server refusal (e.g. `ECT_LEDGER_APPEND_FAILED` for an append). */
  readonly definiteCode: EctErrorCode;
  /** True when the operation writes: the final error then says whether it may have happened. */
  readonly writes: boolean;
  /** Added to the final error when a write may have happened (what the caller can safely do). */
  readonly unknownOutcomeHint?: string;
}

/**
 * A managed connection to Redis with bounded timeouts and retries, shared by {@link RedisLedger}
 * and {@link RedisReplayCache}. Every call is retried inside a total budget; a call whose reply was
 * lost replaces an owned connection, so a hung socket never blocks later calls.
 *
 * @internal
 */
export class RedisConnection {
  readonly #factory: (() => RedisClientLike) | undefined;
  readonly #borrowed: RedisClientLike | undefined;
  readonly #connectTimeoutMs: number;
  readonly #commandTimeoutMs: number;
  readonly #retryBudgetMs: number;
  #current: Connection | undefined;
  #generation = 0;
  #lastClientError: unknown;
  #closed = false;

  readonly #preload: readonly LuaScript[];
  readonly #check: ((client: RedisClientLike) => Promise<void>) | undefined;
  #checkPassed = false;
  #checking: Promise<void> | undefined;

  /**
   * @param options - How to connect.
   * @param setup - `preload`: scripts loaded (`SCRIPT LOAD`) on every new connection, on every
   *   master of a cluster, so the first calls do not all meet NOSCRIPT at once. `check`: run once
   *   before the first command (within that call's budget) until it passes; an `EctError` it
   *   throws fails the call as is.
   */
  constructor(options: RedisConnectionOptions, setup: ConnectionSetup = {}) {
    this.#preload = setup.preload ?? [];
    this.#check = setup.check;
    const given = [options.url, options.cluster, options.client].filter((v) => v !== undefined).length;
    if (given !== 1) {
      throw new EctConfigError(
        "url",
        "must be given, or cluster or client instead: exactly one of the three",
      );
    }
    this.#connectTimeoutMs = positiveMs(options.connectTimeoutMs, 2000, "connectTimeoutMs");
    this.#commandTimeoutMs = positiveMs(options.commandTimeoutMs, 2000, "commandTimeoutMs");
    this.#retryBudgetMs = positiveMs(options.retryBudgetMs, 10_000, "retryBudgetMs");
    const socket = {
      connectTimeout: this.#connectTimeoutMs,
      // Keep reconnecting (a restarted server comes back); every call has its own deadline.
      reconnectStrategy: (retries: number) =>
        Math.min(20 * 2 ** retries, 500) + Math.floor(Math.random() * 50),
    };
    if (options.url !== undefined) {
      const url = options.url;
      if (typeof url !== "string" || !/^rediss?:\/\//.test(url)) {
        throw new EctConfigError("url", "must be a redis:// or rediss:// URL", { received: url });
      }
      this.#factory = () =>
        createClient({ url, socket, disableOfflineQueue: true }) as unknown as RedisStandaloneClientLike;
    } else if (options.cluster !== undefined) {
      assertKnownOptions(options.cluster, ["rootNodes"], "cluster.");
      const rootNodes = options.cluster.rootNodes;
      if (!Array.isArray(rootNodes) || rootNodes.length === 0) {
        throw new EctConfigError("cluster.rootNodes", "must list at least one URL", { received: rootNodes });
      }
      this.#factory = () =>
        createCluster({
          rootNodes: rootNodes.map((url) => ({ url })),
          defaults: { socket, disableOfflineQueue: true },
        }) as unknown as RedisClusterClientLike;
    } else if (typeof options.client === "function") {
      this.#factory = options.client;
    } else if (options.client !== null && typeof options.client === "object") {
      this.#borrowed = options.client;
    } else {
      throw new EctConfigError("client", "must be a node-redis client or a function returning one", {
        received: options.client,
      });
    }
  }

  /** The total budget of one call, ms. */
  get retryBudgetMs(): number {
    return this.#retryBudgetMs;
  }

  /**
   * Runs `attempt` until it succeeds, fails definitely, or the budget is spent. Each attempt gets
   * at most `commandTimeoutMs`; an attempt without a reply in time is abandoned (and an owned
   * connection replaced, since a lost reply leaves the socket unusable).
   *
   * @throws {@link EctError} `ECT_LEDGER_UNAVAILABLE` past the budget, `options.definiteCode` when
   *   the server refuses for good, `ECT_CONFIG_INVALID` after `close()`.
   */
  async run<T>(attempt: (target: CommandTarget) => Promise<T>, options: RunOptions): Promise<T> {
    const deadline = Date.now() + this.#retryBudgetMs;
    let maybeSent = false;
    let lastError: unknown;
    for (let tries = 0; ; tries++) {
      if (this.#closed) {
        throw new EctError(
          EctErrorCodes.LEDGER_UNAVAILABLE,
          `${options.what}: the Redis connection is closed`,
        );
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      let connection: Connection;
      try {
        connection = await this.#connected(Math.min(remaining, this.#connectTimeoutMs));
      } catch (error) {
        lastError = error;
        await sleep(Math.min(backoff(tries), Math.max(0, deadline - Date.now())));
        continue;
      }
      const target = this.#target(connection);
      const timeoutMs = Math.min(this.#commandTimeoutMs, Math.max(1, deadline - Date.now()));
      let failure: AttemptFailure;
      if (this.#check !== undefined && !this.#checkPassed) {
        try {
          await withTimeout(() => this.#runCheck(connection.client), timeoutMs);
        } catch (error) {
          if (isEctError(error)) throw error;
          lastError = error;
          if (error instanceof AttemptTimeout) this.#reset(connection.generation);
          await sleep(Math.min(backoff(tries), Math.max(0, deadline - Date.now())));
          continue; // nothing of the call was sent yet
        }
      }
      try {
        return await withTimeout((signal) => attempt(target.withSignal(signal)), timeoutMs);
      } catch (error) {
        if (isEctError(error)) throw error;
        failure = classify(error);
      }
      lastError = failure.error;
      if (failure.kind === "definite") {
        throw new EctError(
          options.definiteCode,
          `${options.what}: Redis refused the command (${describe(failure.error)})${options.writes ? "; nothing was written" : ""}`,
          { cause: failure.error },
        );
      }
      if (failure.kind === "unknown") {
        maybeSent = true;
        if (failure.resetConnection) this.#reset(connection.generation);
      }
      await sleep(Math.min(backoff(tries), Math.max(0, deadline - Date.now())));
    }
    const outcome = !options.writes
      ? ""
      : maybeSent
        ? `; the write may or may not have happened${options.unknownOutcomeHint ?? ""}`
        : "; nothing was written";
    throw new EctError(
      EctErrorCodes.LEDGER_UNAVAILABLE,
      `${options.what}: Redis unavailable for ${this.#retryBudgetMs} ms (${describe(lastError ?? this.#lastClientError)})${outcome}`,
      { cause: lastError ?? this.#lastClientError },
    );
  }

  /** Runs the setup check once for all concurrent callers. */
  #runCheck(client: RedisClientLike): Promise<void> {
    this.#checking ??= this.#check!(client)
      .then(() => {
        this.#checkPassed = true;
      })
      .finally(() => {
        this.#checking = undefined;
      });
    return this.#checking;
  }

  /** Closes an owned client (a borrowed one is left alone). Later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const current = this.#current;
    this.#current = undefined;
    if (current !== undefined && this.#borrowed === undefined) destroyQuietly(current.client);
  }

  async #connected(timeoutMs: number): Promise<Connection> {
    let connection = this.#current;
    if (connection === undefined) {
      const client = this.#borrowed ?? this.#create();
      connection = {
        client,
        generation: ++this.#generation,
        ready: undefined,
        connected: false,
        loading: new Map(),
      };
      this.#current = connection;
    }
    if (connection.connected) return connection;
    if (connection.ready === undefined) {
      const c = connection;
      c.ready = (async () => {
        if (!c.client.isOpen) await c.client.connect();
        await this.#loadScripts(c.client).catch(() => undefined); // NOSCRIPT handling covers a failure
        c.connected = true;
      })();
      // A failed connect is forgotten so the next call starts over with a fresh client.
      c.ready.catch((error: unknown) => {
        this.#lastClientError = error;
        if (this.#current === c) {
          c.ready = undefined;
          if (this.#borrowed === undefined) this.#reset(c.generation);
        }
      });
    }
    await withTimeout(() => connection.ready!, timeoutMs).catch((error: unknown) => {
      throw error instanceof AttemptTimeout
        ? new Error(`could not connect within ${timeoutMs} ms (${describe(this.#lastClientError)})`)
        : error;
    });
    return connection;
  }

  async #loadScripts(client: RedisClientLike): Promise<void> {
    if (this.#preload.length === 0) return;
    const nodes: RedisStandaloneClientLike[] = [];
    if (isCluster(client)) {
      for (const master of client.masters) nodes.push(await client.nodeClient(master as never));
    } else {
      nodes.push(client);
    }
    await Promise.all(
      nodes.flatMap((node) =>
        this.#preload.map((script) => node.sendCommand(["SCRIPT", "LOAD", script.source])),
      ),
    );
  }

  #create(): RedisClientLike {
    const client = this.#factory!();
    const emitter = client as unknown as { on?: (event: string, listener: (e: unknown) => void) => void };
    // node-redis emits "error" on every failed (re)connect; without a listener Node would crash.
    emitter.on?.("error", (error) => {
      this.#lastClientError = error;
    });
    return client;
  }

  /** Drops an owned connection of `generation` (not a newer one), failing its pending commands. */
  #reset(generation: number): void {
    const current = this.#current;
    if (current === undefined || current.generation !== generation || this.#borrowed !== undefined) return;
    this.#current = undefined;
    destroyQuietly(current.client);
  }

  #target(connection: Connection): CommandTarget & { withSignal(signal: AbortSignal): CommandTarget } {
    const make = (signal: AbortSignal | undefined): CommandTarget => {
      const client = connection.client;
      const options = signal === undefined ? undefined : { abortSignal: signal };
      const send = (args: readonly string[], route: { firstKey?: string; readonly?: boolean }) =>
        isCluster(client)
          ? client.sendCommand(route.firstKey, route.readonly ?? false, args, options)
          : client.sendCommand(args, options);
      return {
        cluster: isCluster(client),
        client,
        send,
        async evalScript(script, keys, args, readonly) {
          const route = { firstKey: keys[0]!, readonly };
          const tail = [String(keys.length), ...keys, ...args];
          try {
            return await send(["EVALSHA", script.sha, ...tail], route);
          } catch (error) {
            // NOSCRIPT means the script did not run (a restarted server, SCRIPT FLUSH): load it
            // once for every caller waiting on it, then run it by SHA again; EVAL as a last resort.
            if (!(error instanceof ErrorReply && error.message.startsWith("NOSCRIPT"))) throw error;
            const slot = `${script.sha}:${route.firstKey}`;
            let loading = connection.loading.get(slot);
            if (loading === undefined) {
              loading = send(["SCRIPT", "LOAD", script.source], route).then(() => undefined);
              connection.loading.set(slot, loading);
              loading.then(
                () => connection.loading.delete(slot),
                () => connection.loading.delete(slot),
              );
            }
            try {
              await loading;
              return await send(["EVALSHA", script.sha, ...tail], route);
            } catch (retry) {
              if (!(retry instanceof ErrorReply && retry.message.startsWith("NOSCRIPT"))) throw retry;
              return await send(["EVAL", script.source, ...tail], route);
            }
          }
        },
      };
    };
    return Object.assign(make(undefined), { withSignal: (signal: AbortSignal) => make(signal) });
  }
}

function backoff(tries: number): number {
  return Math.min(10 * 2 ** tries, 250) + Math.floor(Math.random() * 20);
}

function destroyQuietly(client: RedisClientLike): void {
  try {
    client.destroy();
  } catch {
    // already closed
  }
}

/**
 * Runs `work` with an abort signal and a deadline. On time-out the signal is aborted (node-redis
 * drops a still-queued command, rejecting it with `AbortError`) and an {@link AttemptTimeout}
 * says whether that happened (then the command was never sent).
 */
function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let abortedWhileQueued = false;
    const timer = setTimeout(() => {
      controller.abort();
      // Let the abort's rejection (if the command was still queued) be observed first.
      setImmediate(() => {
        if (settled) return;
        settled = true;
        reject(new AttemptTimeout(ms, abortedWhileQueued));
      });
    }, ms);
    work(controller.signal).then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (controller.signal.aborted && errorName(error) === "AbortError") {
          abortedWhileQueued = true;
          return;
        }
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
