// The audit ledger: in memory by default, Redis with `--ledger redis://host:port`, PostgreSQL with
// `--ledger postgres://user@host/db`. Each needs a way
// to tamper with a stored entry for the demo's last attack, which the library's API never offers.
import { randomUUID } from "node:crypto";
import type { Ed25519NoteSigner } from "ect-crypto";
import { auditLedger, type TransparencyLedger } from "ect-ledger";
import { MemoryLedger } from "ect-ledger-memory";
import { tamperMemoryLedger } from "ect-ledger-memory/testing";

/** A ledger and the demo's hooks around it. */
export interface LedgerBackend {
  /** The ledger the agents append to. */
  readonly ledger: TransparencyLedger;
  /** `memory`, `redis` or `postgres`. */
  readonly kind: "memory" | "redis" | "postgres";
  /** Where it lives, for people (no password). */
  readonly location: string;
  /** The ledger's published note verifier key: all a third party needs to check its receipts. */
  readonly vkey: string;
  /** Overwrites the stored token of entry `seq` behind the ledger's back (the insider attack). */
  tamperToken(seq: number, token: string): Promise<void>;
  /** Releases it (Redis, PostgreSQL: deletes the demo's records and disconnects). */
  close(): Promise<void>;
}

/** What checking the log against itself found (profile §7 audit without tokens and DAG). */
export type LogVerification =
  | { readonly valid: true; readonly entries: number }
  | {
      readonly valid: false;
      readonly brokenAt: number;
      readonly error: { readonly code: string; readonly message: string };
    };

/**
 * Integrates what is pending, then rebuilds the Merkle tree from the stored tokens and compares it
 * with every signed checkpoint (profile §7); `brokenAt` is the first bad entry's seq (index + 1).
 */
export async function verifyLog(ledger: TransparencyLedger): Promise<LogVerification> {
  await ledger.integrate();
  const report = await auditLedger({ ledger, dag: false });
  const first = report.problems[0];
  if (first === undefined) return { valid: true, entries: report.entries };
  return {
    valid: false,
    brokenAt: (report.firstBadIndex ?? first.index) + 1,
    error: { code: first.code, message: first.message },
  };
}

/** The in-memory ledger; it runs the DAG rules atomically with every append by default (profile §6). */
export function memoryBackend(noteSigner: Ed25519NoteSigner): LedgerBackend {
  const ledger = new MemoryLedger({ origin: noteSigner.name, noteSigner });
  return {
    ledger,
    kind: "memory",
    location: "in-process",
    vkey: noteSigner.vkey,
    tamperToken: async (seq, token) =>
      tamperMemoryLedger(ledger, (entries) => {
        entries[seq - 1] = { ...entries[seq - 1]!, token };
      }),
    close: async () => undefined,
  };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "the ledger URL";
  }
}

/**
 * A Redis ledger under a fresh id (so runs never mix), with the DAG rules inside its append
 * script; a second plain client does the tampering and the clean-up.
 */
export async function redisBackend(
  url: string,
  onWarning: (message: string) => void,
  noteSigner: Ed25519NoteSigner,
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
  const ledger = new RedisLedger({ url, ledgerId, origin: noteSigner.name, noteSigner, onWarning });
  const keys = redisLedgerKeys(ledgerId);
  return {
    ledger,
    kind: "redis",
    location: `${redactUrl(url)} ledger ${ledgerId}`,
    vkey: noteSigner.vkey,
    tamperToken: async (seq, token) => {
      await raw.hSet(keys.entry(seq - 1), "t", token);
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

/**
 * A PostgreSQL ledger under a fresh id (so runs never mix), with the DAG rules inside its append
 * transaction; its tables come from the ledger's idempotent migration. A second plain pool does the
 * tampering and deletes the demo's rows at the end.
 */
export async function postgresBackend(
  url: string,
  onWarning: (message: string) => void,
  noteSigner: Ed25519NoteSigner,
): Promise<LedgerBackend> {
  // Loaded only when asked for: the memory run starts faster without pg.
  const [{ PostgresLedger }, { tamperPostgresLedger }, { default: pg }] = await Promise.all([
    import("ect-ledger-postgres"),
    import("ect-ledger-postgres/testing"),
    import("pg"),
  ]);
  const ledgerId = `ect-demo-${randomUUID()}`;
  // Fail fast when nothing listens, instead of retrying for the default budget.
  const ledger = new PostgresLedger({
    connectionString: url,
    ledgerId,
    origin: noteSigner.name,
    noteSigner,
    retryBudgetMs: 3000,
    onWarning,
  });
  try {
    await ledger.migrate();
  } catch (error) {
    await ledger.close().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot reach the PostgreSQL ledger at ${redactUrl(url)}: ${reason}`);
  }
  return {
    ledger,
    kind: "postgres",
    location: `${redactUrl(url)} ledger ${ledgerId}`,
    vkey: noteSigner.vkey,
    tamperToken: (seq, token) =>
      tamperPostgresLedger(ledger, (entries) => {
        entries[seq - 1] = { ...entries[seq - 1]!, token };
      }),
    close: async () => {
      await ledger.close();
      const raw = new pg.Pool({ connectionString: url, max: 1 });
      try {
        for (const table of ["ledger_entries", "ledger_conflicts", "ledger_nodes", "ledger_checkpoints"]) {
          await raw.query(`DELETE FROM ${ledger.backend.schema}.${table} WHERE ledger_id = $1`, [ledgerId]);
        }
      } finally {
        await raw.end();
      }
    },
  };
}
