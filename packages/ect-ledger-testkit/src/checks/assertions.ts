import assert from "node:assert/strict";
import {
  type AppendResult,
  decodeEct,
  type EctErrorCode,
  isEctError,
  type Ledger,
  type LedgerEntry,
} from "ect-core";
import type { LedgerEntryRecord } from "ect-core/internal";

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

/** Asserts `action` rejects (or throws) an `EctError` with exactly `code`. */
export async function expectEctError(action: () => Promise<unknown>, code: EctErrorCode, what: string) {
  let thrown: unknown;
  try {
    await action();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown !== undefined, `${what}: expected an EctError ${code}, but it succeeded`);
  assert.ok(isEctError(thrown), `${what}: expected an EctError ${code}, got ${String(thrown)}`);
  assert.equal(thrown.code, code, `${what}: expected ${code}, got ${thrown.code}: ${thrown.message}`);
}

/** The eight exported fields of an entry. */
export function recordOf(entry: LedgerEntry): LedgerEntryRecord {
  const { seq, token, jti, wid, iss, ingestedAt, leafHash, chainHash } = entry;
  return { seq, token, jti, wid, iss, ingestedAt, leafHash, chainHash };
}

/** Asserts an entry is consistent with the token it holds and has the expected seq. */
export function assertEntryHolds(entry: LedgerEntry | undefined, token: string, seq: number, what: string) {
  assert.ok(entry, `${what}: entry ${seq} is missing`);
  assert.equal(entry.seq, seq, `${what}: seq`);
  assert.equal(entry.token, token, `${what}: the token must be stored exactly as received`);
  const claims = decodeEct(token).claims;
  assert.equal(entry.jti, claims["jti"], `${what}: jti`);
  assert.equal(entry.wid, (claims["wid"] as string | undefined) ?? null, `${what}: wid (null when absent)`);
  assert.equal(entry.iss, claims["iss"], `${what}: iss`);
  assert.deepEqual({ ...entry.claims }, { ...claims }, `${what}: claims must be the decoded claims`);
}

/** Asserts the ledger is still empty (nothing was written). */
export async function assertEmpty(ledger: Ledger, what: string) {
  const head = await ledger.head();
  assert.equal(head.seq, 0, `${what}: the ledger must stay empty`);
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
