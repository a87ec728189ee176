import assert from "node:assert/strict";
import {
  type AppendResult,
  type DagRuleOptions,
  decodeEct,
  type EctErrorCode,
  isEctError,
  type Ledger,
  type LedgerEntry,
} from "ect-core";
import { auditLedger, TransparencyLedger } from "ect-ledger";
import type { ConformanceContext } from "../conformance-check.js";

type Appended = Extract<AppendResult, { status: "appended" }>;
type Duplicate = Extract<AppendResult, { status: "duplicate" }>;
type Conflict = Extract<AppendResult, { status: "conflict" }>;
type Rejected = Extract<AppendResult, { status: "rejected" }>;

function describeResult(result: AppendResult): string {
  if (result.status === "rejected") return `rejected (${result.violations.map((v) => v.code).join(", ")})`;
  return result.status;
}

/** Asserts the append result is `appended` and returns it narrowed. */
export function expectAppended(result: AppendResult, what = "append"): Appended {
  assert.equal(result.status, "appended", `${what}: expected "appended", got ${describeResult(result)}`);
  return result as Appended;
}

/** Asserts the append result is `duplicate` and returns it narrowed. */
export function expectDuplicate(result: AppendResult, what = "append"): Duplicate {
  assert.equal(result.status, "duplicate", `${what}: expected "duplicate", got ${describeResult(result)}`);
  return result as Duplicate;
}

/** Asserts the append result is `conflict` and returns it narrowed. */
export function expectConflict(result: AppendResult, what = "append"): Conflict {
  assert.equal(result.status, "conflict", `${what}: expected "conflict", got ${describeResult(result)}`);
  return result as Conflict;
}

/** Asserts the append result is `rejected` with a violation of `code`, and returns it narrowed. */
export function expectRejected(result: AppendResult, code: EctErrorCode, what = "append"): Rejected {
  assert.equal(
    result.status,
    "rejected",
    `${what}: expected "rejected" (${code}), got ${describeResult(result)}`,
  );
  const rejected = result as Rejected;
  assert.ok(
    rejected.violations.some((v) => isEctError(v) && v.code === code),
    `${what}: expected a violation ${code}, got ${rejected.violations.map((v) => v.code).join(", ")}`,
  );
  return rejected;
}

/** What `action` throws or rejects with, `undefined` when it succeeds. */
export async function thrownBy(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Asserts `action` rejects (or throws) an `EctError` with exactly `code`. */
export async function expectEctError(action: () => Promise<unknown>, code: EctErrorCode, what: string) {
  const thrown = await thrownBy(action);
  assert.ok(thrown !== undefined, `${what}: expected an EctError ${code}, but it succeeded`);
  assert.ok(isEctError(thrown), `${what}: expected an EctError ${code}, got ${String(thrown)}`);
  assert.equal(thrown.code, code, `${what}: expected ${code}, got ${thrown.code}: ${thrown.message}`);
}

/** The stored fields of an entry, without its decoded claims. */
export function recordOf(entry: LedgerEntry): Omit<LedgerEntry, "claims"> {
  const { index, token, jti, wid, iss, ingestedAt, wit, leafHash } = entry;
  return { index, token, jti, wid, iss, ingestedAt, wit, leafHash };
}

/** Asserts an entry is consistent with the token it holds and has the expected index. */
export function assertEntryHolds(entry: LedgerEntry | undefined, token: string, index: number, what: string) {
  assert.ok(entry, `${what}: entry ${index} is missing`);
  assert.equal(entry.index, index, `${what}: index`);
  assert.equal(entry.token, token, `${what}: the token must be stored exactly as received`);
  const claims = decodeEct(token).claims;
  assert.equal(entry.jti, claims["jti"], `${what}: jti`);
  assert.equal(entry.wid, (claims["wid"] as string | undefined) ?? null, `${what}: wid (null when absent)`);
  assert.equal(entry.iss, claims["iss"], `${what}: iss`);
  assert.deepEqual({ ...entry.claims }, { ...claims }, `${what}: claims must be the decoded claims`);
}

/** Asserts the ledger is still empty (nothing was written). */
export async function assertEmpty(ledger: Ledger, what: string) {
  assert.equal(await ledger.size(), 0, `${what}: the ledger must stay empty`);
  assert.equal((await ledger.range()).length, 0, `${what}: range() must be empty`);
}

/** Asserts `value` and everything reachable from it is frozen. */
export function assertDeepFrozen(value: unknown, path: string, seen = new Set<unknown>()) {
  if (value === null || typeof value !== "object" || seen.has(value)) return;
  seen.add(value);
  assert.ok(Object.isFrozen(value), `${path} must be frozen`);
  for (const key of Object.keys(value)) {
    assertDeepFrozen((value as Record<string, unknown>)[key], `${path}.${key}`, seen);
  }
}

/** Collects an async iterable of lines. */
export async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

/**
 * Integrates what is pending, then asserts the audit (profile §7: leaves, tree, checkpoints) finds
 * nothing wrong. DAG rules are not re-run here (the DAG checks assert them on their own).
 */
export async function assertAuditClean(ledger: TransparencyLedger, what: string) {
  await ledger.integrate();
  const report = await auditLedger({ ledger, dag: false });
  assert.deepEqual(
    report.problems.map((p) => `${p.index} ${p.code} ${p.message}`),
    [],
    `${what}: the audit must find nothing`,
  );
}

/**
 * A second ledger over the same storage, by default without DAG rules: another integrator racing
 * the first, or a writer of state the rules would not have let in (a DAG vector's past); with `dag`
 * options, the same store under other rules.
 */
export function sameStoreLedger(
  context: ConformanceContext,
  ledger: TransparencyLedger,
  dag: DagRuleOptions | false = false,
): TransparencyLedger {
  return new TransparencyLedger({
    backend: ledger.backend,
    origin: ledger.origin,
    noteSigner: context.noteSigner,
    dag,
    scheduler: context.scheduler,
    clock: context.clock,
  });
}
