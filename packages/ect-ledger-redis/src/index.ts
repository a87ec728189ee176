/**
 * `ect-ledger-redis`: the ECT audit ledger (SPEC 7) and a shared replay cache (SPEC 5.10) on
 * Redis, with node-redis v5. Every append is one atomic server-side script; all keys of a ledger
 * share one hash tag, so it runs unchanged on Redis Cluster.
 *
 * @packageDocumentation
 */
export {
  checkRedisDurability,
  type DurabilityCheckOptions,
  type RedisDataPurpose,
  type RedisDurabilityReport,
  type RedisServerDurability,
} from "./durability-check.js";
export { type RedisLedgerKeys, redisLedgerKeys } from "./ledger-keys.js";
export type {
  RedisClientLike,
  RedisClusterClientLike,
  RedisCommandOptionsLike,
  RedisConnectionOptions,
  RedisStandaloneClientLike,
} from "./redis-connection.js";
export { RedisLedger, type RedisLedgerOptions, type StartupCheckMode } from "./redis-ledger.js";
export { RedisReplayCache, type RedisReplayCacheOptions } from "./redis-replay-cache.js";
