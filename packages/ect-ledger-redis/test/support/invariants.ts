import { decodeEct, isEctError, type Ledger } from "ect-core";
import { auditLedger, type TransparencyLedger } from "ect-ledger";
import { expect } from "vitest";

/** How each append of a fault test ended. */
export interface AppendOutcomes {
  /** Tokens whose append resolved `appended` or `duplicate`: must be stored exactly once. */
  readonly acknowledged: readonly string[];
  /** Tokens whose append failed (unknown outcome): stored at most once. */
  readonly unknown: readonly string[];
}

/** Appends `tokens` from `callers` concurrent loops and sorts each token into acknowledged / unknown; any other failure is rethrown. */
export async function appendAll(
  ledger: Ledger,
  tokens: readonly string[],
  callers: number,
  onAcknowledged: (token: string) => void | Promise<void> = () => undefined,
): Promise<AppendOutcomes> {
  const acknowledged: string[] = [];
  const unknown: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < tokens.length) {
        const token = tokens[next++]!;
        try {
          const result = await ledger.append(token);
          expect(["appended", "duplicate"]).toContain(result.status);
          acknowledged.push(token);
          // Awaited: a fault injected here lands while the other callers' appends are in flight.
          await onAcknowledged(token);
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
 * The end check of every fault test: every acknowledged append is stored exactly once, every
 * unknown-outcome append at most once, nothing else is stored, the indexes are contiguous and the
 * audit (leaves, tree, checkpoints) is clean.
 */
export async function assertLedgerInvariants(
  ledger: TransparencyLedger,
  outcomes: AppendOutcomes,
  { integrate = true }: { readonly integrate?: boolean } = {},
): Promise<void> {
  const entries = await ledger.range();
  const size = await ledger.size();
  expect(entries.map((e) => e.index)).toEqual(Array.from({ length: size }, (_, i) => i));
  const count = new Map<string, number>();
  for (const e of entries) count.set(e.token, (count.get(e.token) ?? 0) + 1);
  for (const token of outcomes.acknowledged) {
    expect(count.get(token), `acknowledged ${jtiOf(token)} stored exactly once`).toBe(1);
  }
  for (const token of outcomes.unknown) expect(count.get(token) ?? 0).toBeLessThanOrEqual(1);
  const known = new Set([...outcomes.acknowledged, ...outcomes.unknown]);
  for (const e of entries) expect(known.has(e.token), `entry ${e.index} is one of ours`).toBe(true);
  if (integrate) await ledger.integrate();
  const report = await auditLedger({ ledger, dag: false });
  expect(report.problems).toEqual([]);
}

function jtiOf(token: string): string {
  return String(decodeEct(token).claims["jti"]);
}
