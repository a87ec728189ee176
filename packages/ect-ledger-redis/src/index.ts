/**
 * `ect-ledger-redis`: the Redis backend of the ECT audit ledger (profile §7: storage and atomicity
 * under `ect-ledger`'s transparency log) and a shared replay cache (profile §5 step 10), with
 * node-redis v5. Every sequencing step is one atomic server-side script; all keys of a ledger share
 * one hash tag, so it runs unchanged on Redis Cluster.
 *
 * @packageDocumentation
 */
export {
  checkRedisDurability,
  type DurabilityCheckOptions,
  type RedisDataPurpose,
  type RedisDurabilityReport,
  type RedisServerDurability,
  type StartupCheckMode,
} from "./durability-check.js";
export { type RedisLedgerKeys, redisLedgerKeys } from "./ledger-keys.js";
export type {
  RedisClientLike,
  RedisClusterClientLike,
  RedisCommandOptionsLike,
  RedisConnectionOptions,
  RedisStandaloneClientLike,
} from "./redis-connection.js";
export {
  RedisLedger,
  RedisLedgerBackend,
  type RedisLedgerBackendOptions,
  type RedisLedgerOptions,
} from "./redis-ledger.js";
export { RedisReplayCache, type RedisReplayCacheOptions } from "./redis-replay-cache.js";
