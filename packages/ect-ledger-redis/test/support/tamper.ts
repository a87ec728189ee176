import type { LedgerBackendEntry } from "ect-ledger";
import type { RedisLedger } from "../../src/index.js";

/** The raw commands the tamper hook needs (a node-redis client or cluster client). */
export interface RawRedis {
  hSet(key: string, fields: Record<string, string>): Promise<unknown>;
  del(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
}

/**
 * The conformance suite's tamper hook for Redis, the way an attacker with raw Redis access would
 * do it: rewrite the entry hashes by position (edit, reorder, drop), recomputing nothing.
 */
export async function tamperRedisLedger(
  admin: RawRedis,
  ledger: RedisLedger,
  change: (entries: LedgerBackendEntry[]) => void,
): Promise<void> {
  const before = (await ledger.backend.getEntries(0, await ledger.size())).map((e) => ({ ...e }));
  const after = before.map((e) => ({ ...e }));
  change(after);
  for (const [i, e] of after.entries()) {
    await admin.hSet(ledger.keys.entry(i), {
      x: String(i),
      t: e.token,
      j: e.jti,
      w: e.wid ?? "",
      i: e.iss,
      a: String(e.ingestedAt),
      v: e.wit ?? "",
      l: e.leafHash,
    });
  }
  for (let i = after.length; i < before.length; i++) await admin.del(ledger.keys.entry(i));
  await admin.set(ledger.keys.size, String(after.length));
}
