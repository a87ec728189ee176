import { isEctError } from "ect-core";
import { auditLedger, entryLeafHash, MemoryMerkleTree } from "ect-ledger";
import pg from "pg";
import { expect } from "vitest";
import type { PostgresLedger } from "../../src/index.js";

/** How each append of a fault test ended. */
export interface AppendOutcomes {
  /** Tokens whose append resolved `appended` or `duplicate`: must be stored exactly once. */
  readonly acknowledged: readonly string[];
  /** Tokens whose append failed with an unknown outcome: stored at most once. */
  readonly unknown: readonly string[];
}

/** What a fault test appends through: the ledger's `append`, or a child process's. */
export type Append = (token: string) => Promise<{ readonly status: string }>;

/**
 * Appends `tokens` from `callers` concurrent loops and sorts each token into acknowledged /
 * unknown (`ECT_LEDGER_UNAVAILABLE`); any other failure fails the test. `onAcknowledged` sees the
 * running count: fault tests strike after N acknowledged appends, never after some time.
 */
export async function appendAll(
  append: Append,
  tokens: readonly string[],
  callers: number,
  onAcknowledged: (count: number) => void = () => undefined,
): Promise<AppendOutcomes> {
  const acknowledged: string[] = [];
  const unknown: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < tokens.length) {
        const token = tokens[next++]!;
        try {
          const result = await append(token);
          expect(["appended", "duplicate"]).toContain(result.status);
          acknowledged.push(token);
          onAcknowledged(acknowledged.length);
        } catch (error) {
          if (!isEctError(error) || error.code !== "ECT_LEDGER_UNAVAILABLE") throw error;
          unknown.push(token);
        }
      }
    }),
  );
  return { acknowledged, unknown };
}

/**
 * The end check of every fault test, through the backend contract's query methods, ect-ledger's
 * audit (the tree rebuilt and every stored checkpoint checked against it) and direct
 * reads of the tables (to see anything the API would hide): every acknowledged append is stored
 * exactly once, every unknown one at most once, nothing else; indexes are 0..n-1; every leaf hash
 * recomputes from its token and ingestion time; every stored checkpoint's root is the RFC 9162
 * root of its first `size` leaves and the stored tree nodes are the recomputed ones; nothing
 * half-written (no node or checkpoint beyond the entries, no conflict pointing nowhere).
 */
export async function assertLedgerInvariants(
  ledger: PostgresLedger,
  connectionString: string,
  outcomes: AppendOutcomes,
): Promise<void> {
  // Every acknowledged entry gets covered by a checkpoint: integrate what is pending now.
  await ledger.integrate();
  const backend = ledger.backend;
  const size = await backend.size();
  const entries = await backend.getEntries(0, size);
  expect(entries.map((e) => e.index)).toEqual(Array.from({ length: size }, (_, i) => i));
  const count = new Map<string, number>();
  for (const e of entries) count.set(e.token, (count.get(e.token) ?? 0) + 1);
  for (const token of outcomes.acknowledged) {
    expect(count.get(token), "an acknowledged append is stored exactly once").toBe(1);
  }
  for (const token of outcomes.unknown) expect(count.get(token) ?? 0).toBeLessThanOrEqual(1);
  const known = new Set([...outcomes.acknowledged, ...outcomes.unknown]);
  for (const e of entries) expect(known.has(e.token), `entry ${e.index} is one of ours`).toBe(true);

  const tree = new MemoryMerkleTree();
  const leaves = entries.map((e) => {
    const leafHash = entryLeafHash({ token: e.token, ingestedAt: e.ingestedAt, wit: e.wit });
    expect(e.leafHash, `leaf hash of entry ${e.index}`).toBe(leafHash);
    return Uint8Array.from(Buffer.from(leafHash, "hex"));
  });
  tree.append(leaves);
  const checkpoints = await backend.checkpoints();
  let previous = 0;
  for (const checkpoint of checkpoints) {
    expect(checkpoint.size).toBeGreaterThan(previous);
    expect(checkpoint.size).toBeLessThanOrEqual(size);
    expect(Buffer.from(checkpoint.root).toString("hex"), `root at ${checkpoint.size}`).toBe(
      Buffer.from(tree.root(checkpoint.size)).toString("hex"),
    );
    previous = checkpoint.size;
  }
  expect(previous, "the latest checkpoint covers every entry").toBe(size);
  const audit = await auditLedger({ ledger });
  expect(audit.problems).toEqual([]);
  expect(audit.valid).toBe(true);
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const schema = backend.schema;
    const nodes = await client.query(
      `SELECT level, idx, hash FROM ${schema}.ledger_nodes WHERE ledger_id = $1`,
      [backend.ledgerId],
    );
    for (const row of nodes.rows) {
      const level = Number(row.level);
      const index = Number(row.idx);
      // A node exists only for a subtree wholly inside the latest checkpoint (stored with it).
      expect((index + 1) * 2 ** level, `node ${level}/${index}`).toBeLessThanOrEqual(previous);
      const [expected] = tree.readNodes([{ level, index }]);
      expect(Buffer.from(row.hash).toString("hex"), `node ${level}/${index}`).toBe(
        Buffer.from(expected!).toString("hex"),
      );
    }
    const orphans = await client.query(
      `SELECT count(*)::int AS n FROM ${schema}.ledger_conflicts WHERE ledger_id = $1 AND existing_index >= $2`,
      [backend.ledgerId, size],
    );
    expect(orphans.rows[0].n).toBe(0);
  } finally {
    await client.end();
  }
}
