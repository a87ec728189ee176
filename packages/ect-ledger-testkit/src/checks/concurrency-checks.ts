import assert from "node:assert/strict";
import type { ConformanceCheck } from "../conformance-check.js";
import { assertAuditClean } from "./assertions.js";

const group = "concurrent appends (profile §6, 7)";

function countBy<T extends { status: string }>(results: readonly T[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

/** Appends started together: identity and sequence must come out as if they ran one by one. */
export const concurrencyChecks: readonly ConformanceCheck[] = [
  {
    id: "concurrency.same-token-50",
    group,
    title: "50 concurrent appends of the same token: exactly one `appended`, 49 `duplicate`",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      const token = await issuer.issue({ wid: globalThis.crypto.randomUUID() });
      const results = await Promise.all(Array.from({ length: 50 }, () => ledger.append(token)));
      assert.deepEqual(countBy(results), { appended: 1, duplicate: 49 });
      for (const r of results)
        assert.equal(r.status !== "rejected" && r.status !== "conflict" && r.entry.index, 0);
      assert.equal(await ledger.size(), 1);
    },
  },
  {
    id: "concurrency.same-key-50",
    group,
    title:
      "50 concurrent appends of different tokens with the same (wid, jti): one `appended`, 49 `conflict`",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      const wid = globalThis.crypto.randomUUID();
      const jti = globalThis.crypto.randomUUID();
      const tokens = await Promise.all(
        Array.from({ length: 50 }, (_, i) => issuer.issue({ wid, jti, exec_act: `attempt.${i}` })),
      );
      const results = await Promise.all(tokens.map((t) => ledger.append(t)));
      assert.deepEqual(countBy(results), { appended: 1, conflict: 49 });
      const winner = results.find((r) => r.status === "appended");
      assert.ok(winner && winner.status === "appended");
      assert.equal((await ledger.get(wid, jti))?.token, winner.entry.token, "the stored token is the winner");
      const conflicts = await ledger.conflicts();
      assert.equal(conflicts.length, 49, "every loser is kept as evidence");
      assert.deepEqual(
        conflicts.map((c) => c.id),
        Array.from({ length: 49 }, (_, i) => i),
        "evidence ids are 0..48",
      );
      assert.ok(
        conflicts.every((c) => c.existingIndex === 0 && c.token !== winner.entry.token),
        `evidence names entry 0 and keeps the losing token: ${JSON.stringify(conflicts.map((c) => [c.existingIndex, c.token === winner.entry.token]))}`,
      );
      assert.equal(await ledger.size(), 1);
    },
  },
  {
    id: "concurrency.distinct-1000",
    group,
    title:
      "1000 concurrent appends of distinct tokens: indexes 0..999 each once, in order, and the audit is clean",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      const workflows = Array.from({ length: 10 }, () => globalThis.crypto.randomUUID());
      const tokens = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => issuer.issue(i % 11 === 0 ? {} : { wid: workflows[i % 10]! })),
      );
      const results = await Promise.all(tokens.map((t) => ledger.append(t)));
      assert.deepEqual(countBy(results), { appended: 1000 });
      const indexes = results
        .map((r) => (r.status === "appended" ? r.entry.index : -1))
        .sort((a, b) => a - b);
      assert.deepEqual(
        indexes,
        Array.from({ length: 1000 }, (_, i) => i),
        "every index exactly once",
      );
      const all = await ledger.range();
      assert.deepEqual(
        all.map((e) => e.index),
        indexes,
        "range() lists 0..999 in order",
      );
      const byIndex = new Map(
        results.map((r) => (r.status === "appended" ? [r.entry.index, r.entry.token] : [-1, ""])),
      );
      for (const e of all)
        assert.equal(e.token, byIndex.get(e.index), `entry ${e.index} holds the token its append returned`);
      await assertAuditClean(ledger, "after 1000 concurrent appends");
      assert.equal(await ledger.size(), 1000);
      let inWorkflows = 0;
      for (const wid of workflows) {
        const list = await ledger.listWorkflow(wid);
        inWorkflows += list.length;
        for (let i = 1; i < list.length; i++)
          assert.ok(list[i - 1]!.index < list[i]!.index, "listWorkflow in index order");
      }
      assert.equal(inWorkflows + (await ledger.listWorkflow(null)).length, 1000);
    },
  },
];
