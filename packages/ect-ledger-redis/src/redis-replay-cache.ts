import { EctConfigError, EctErrorCodes, type ReplayCache, type ReplayRecord } from "ect-core";
import { assertKnownOptions, assertReplayKey, ectKey, replayRecordTtlMs } from "ect-core/internal";
import {
  checkOnWarning,
  resolveStartupCheckMode,
  runRedisStartupCheck,
  type StartupCheckMode,
} from "./durability-check.js";
import {
  CONNECTION_OPTIONS,
  type RedisClientLike,
  RedisConnection,
  type RedisConnectionOptions,
} from "./redis-connection.js";

/** Options of {@link RedisReplayCache}. Give exactly one of `url`, `cluster` or `client`. */
export interface RedisReplayCacheOptions extends RedisConnectionOptions {
  /**
   * Separates the records of independent deployments sharing one Redis (default `"default"`):
   * keys are `ect:replay:<namespace>:<wid>|<jti>`. Same rules as a ledger id.
   */
  readonly namespace?: string;
  /**
   * At the first call, check that Redis keeps replay records (`noeviction`, AOF on):
   * `"warn"` (default), `"refuse"` or `"off"`, as for {@link RedisLedger}.
   */
  readonly startupCheck?: StartupCheckMode;
  /** Receives the startup check's warnings (default: `process.emitWarning`). */
  readonly onWarning?: (message: string) => void;
}

const REPLAY_CACHE_OPTIONS: readonly string[] = [
  "namespace",
  "startupCheck",
  "onWarning",
  ...CONNECTION_OPTIONS,
];

const NAMESPACE = /^[\x21-\x7a\x7c\x7e]{1,200}$/;

/**
 * A replay cache on Redis (SPEC 5.10) shared by any number of verifier processes: a token accepted
 * by one is refused as a replay by every other.
 *
 * `checkAndRecord` is one `SET key nonce NX PX <ttl> GET`: atomic (of two concurrent calls exactly
 * one records), keyed by ect-core's `ectKey(wid, jti)` (UUIDs case-insensitive), and idempotent
 * under retries (a retry whose first attempt did record finds its own nonce and still answers
 * `true`). The record lives `expiresAt - now` seconds (at least one), measured from the verifier's
 * clock rather than the server's, so a skewed or simulated verifier clock cannot make a record
 * expire at once. Records of different tokens spread over Cluster slots (no shared hash tag).
 *
 * @example
 * ```ts
 * import { RedisReplayCache } from "ect-ledger-redis";
 * import { createEctVerifier } from "ect-crypto";
 *
 * const replayCache = new RedisReplayCache({ url: "redis://127.0.0.1:6379" });
 * const verifier = createEctVerifier({ verifierId, keys, replayCache });
 * ```
 */
export class RedisReplayCache implements ReplayCache {
  /** The namespace of the keys. */
  readonly namespace: string;
  readonly #connection: RedisConnection;
  readonly #startupCheck: StartupCheckMode;
  readonly #onWarning: (message: string) => void;

  /**
   * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for an unknown option,
   *   a bad namespace or connection option.
   */
  constructor(options: RedisReplayCacheOptions) {
    assertKnownOptions(options, REPLAY_CACHE_OPTIONS);
    const namespace = options.namespace ?? "default";
    if (typeof namespace !== "string" || !NAMESPACE.test(namespace)) {
      throw new EctConfigError(
        "namespace",
        "must be 1-200 printable ASCII characters without spaces, '{' or '}'",
        {
          received: namespace,
        },
      );
    }
    checkOnWarning(options.onWarning);
    this.namespace = namespace;
    this.#startupCheck = resolveStartupCheckMode(options.startupCheck);
    this.#onWarning =
      options.onWarning ?? ((message) => process.emitWarning(message, { code: "ECT_REDIS_DURABILITY" }));
    this.#connection = new RedisConnection(
      options,
      this.#startupCheck === "off" ? {} : { check: (client: RedisClientLike) => this.#check(client) },
    );
  }

  /** The Redis key of a `(wid, jti)` pair. */
  keyOf(wid: string | null | undefined, jti: string): string {
    return `ect:replay:${this.namespace}:${ectKey(wid, jti)}`;
  }

  /**
   * Records `(wid, jti)` unless recorded and unexpired; `true` when recorded now, `false` for a
   * replay (SPEC 5.10).
   *
   * @throws {@link EctError} `ECT_LEDGER_UNAVAILABLE` when Redis cannot be reached within the budget
   *   (the verifier then refuses the token: fail closed).
   */
  async checkAndRecord(record: ReplayRecord): Promise<boolean> {
    const ttlMs = replayRecordTtlMs(record);
    const key = this.keyOf(record.wid, record.jti);
    const nonce = globalThis.crypto.randomUUID();
    const previous = await this.#connection.run(
      (target) =>
        target.send(["SET", key, nonce, "NX", "PX", String(ttlMs), "GET"], {
          firstKey: key,
          readonly: false,
        }),
      { what: "replay check", definiteCode: EctErrorCodes.LEDGER_UNAVAILABLE, writes: true },
    );
    // nil: the key was free and is now ours. Our own nonce: a retried attempt that had recorded.
    if (previous === null || previous === undefined) return true;
    return (typeof previous === "string" ? previous : String(previous)) === nonce;
  }

  /** Removes the record of `(wid, jti)` (a token refused after its replay check keeps its `jti`). */
  async release(key: { readonly wid: string | null | undefined; readonly jti: string }): Promise<void> {
    assertReplayKey(key);
    const redisKey = this.keyOf(key.wid, key.jti);
    await this.#connection.run(
      (target) => target.send(["DEL", redisKey], { firstKey: redisKey, readonly: false }),
      {
        what: "replay release",
        definiteCode: EctErrorCodes.LEDGER_UNAVAILABLE,
        writes: true,
      },
    );
  }

  /** Closes the connection the cache owns (a borrowed client is left open). */
  async close(): Promise<void> {
    await this.#connection.close();
  }

  async #check(client: RedisClientLike): Promise<void> {
    await runRedisStartupCheck(client, {
      purpose: "replay-cache",
      keeps: "replay records",
      mode: this.#startupCheck,
      onWarning: this.#onWarning,
    });
  }
}
