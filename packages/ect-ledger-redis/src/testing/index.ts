/**
 * `ect-ledger-redis/testing`: a harness for tests, benchmarks and demos that need real Redis
 * without touching anyone else's: private `redis-server` processes (standalone or a local
 * Cluster) in temporary directories on free loopback ports, stopped by PID and killed when the
 * process exits, plus a fault-injecting TCP proxy. Needs `redis-server` and `redis-cli` on `PATH`.
 *
 * @packageDocumentation
 */
export { type RedisClusterHandle, type RedisClusterOptions, startRedisCluster } from "./redis-cluster.js";
export {
  freePort,
  type RedisServerHandle,
  type RedisServerOptions,
  redisCommand,
  startRedisServer,
} from "./redis-server.js";
export { type AfterLostReply, startTcpProxy, type TcpProxy, type TcpProxyOptions } from "./tcp-proxy.js";
