// The audit ledger: in memory by default, Redis with `--ledger redis://host:port`. Both need a way
// to tamper with a stored entry for the demo's last attack, which the library's API never offers.
import { randomUUID } from "node:crypto";
import type { Ledger } from "ect-core";
import { createDagValidator } from "ect-dag";
import { MemoryLedger } from "ect-ledger-memory";
import { tamperMemoryLedger } from "ect-ledger-memory/testing";

/** A ledger and the demo's hooks around it. */
export interface LedgerBackend {
  /** The ledger the agents append to. */
  readonly ledger: Ledger;
  /** `memory` or `redis`. */
  readonly kind: "memory" | "redis";
  /** Where it lives, for people (no password). */
  readonly location: string;
  /** Overwrites the stored token of entry `seq` behind the ledger's back (the insider attack). */
  tamperToken(seq: number, token: string): Promise<void>;
  /** Releases it (Redis: deletes the demo's keys and disconnects). */
  close(): Promise<void>;
}

/** The in-memory ledger, with the DAG rules run atomically with every append (SPEC 6). */
export function memoryBackend(): LedgerBackend {
  const ledger = new MemoryLedger({ dag: createDagValidator() });
  return {
    ledger,
    kind: "memory",
    location: "in-process",
    tamperToken: async (seq, token) => tamperMemoryLedger(ledger, seq, { token }),
    close: async () => undefined,
  };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "redis";
  }
}

/**
 * A Redis ledger under a fresh id (so runs never mix), with the DAG rules inside its append
 * script; a second plain client does the tampering and the clean-up.
 */
export async function redisBackend(
  url: string,
  onWarning: (message: string) => void,
): Promise<LedgerBackend> {
  // Loaded only when asked for: the memory run starts faster without the Redis client.
  const [{ RedisLedger, redisLedgerKeys }, { createClient }] = await Promise.all([
    import("ect-ledger-redis"),
    import("redis"),
  ]);
  const ledgerId = `ect-demo-${randomUUID()}`;
  // Fail fast when nothing listens, instead of reconnecting forever.
  const raw = createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  raw.on("error", () => undefined);
  try {
    await raw.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot reach the Redis ledger at ${redactUrl(url)}: ${reason}`);
  }
  const ledger = new RedisLedger({ url, ledgerId, dag: {}, onWarning });
  const keys = redisLedgerKeys(ledgerId);
  return {
    ledger,
    kind: "redis",
    location: `${redactUrl(url)} ledger ${ledgerId}`,
    tamperToken: async (seq, token) => {
      await raw.hSet(keys.entry(seq), "t", token);
    },
    close: async () => {
      try {
        const doomed: string[] = [];
        for await (const batch of raw.scanIterator({ MATCH: `${keys.prefix}*`, COUNT: 200 })) {
          doomed.push(...(Array.isArray(batch) ? batch : [batch]));
        }
        if (doomed.length > 0) await raw.del(doomed);
      } finally {
        await raw.quit().catch(() => undefined);
        await ledger.close();
      }
    },
  };
}
