import assert from "node:assert/strict";
import type { Ledger } from "ect-core";
import type { ConformanceCheck, ConformanceContext } from "../conformance-check.js";
import { assertEntryHolds, expectAppended } from "./assertions.js";

const group = "queries (profile §7)";

/** Appends `count` tokens spread over two workflows and no workflow; returns the tokens by seq. */
async function fill(ledger: Ledger, { issuer }: ConformanceContext, count: number) {
  const w1 = globalThis.crypto.randomUUID();
  const w2 = globalThis.crypto.randomUUID();
  const tokens: string[] = [];
  const widOf: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    const wid = i % 3 === 0 ? w1 : i % 3 === 1 ? w2 : null;
    const token = await issuer.issue(wid === null ? {} : { wid });
    expectAppended(await ledger.append(token));
    tokens.push(token);
    widOf.push(wid);
  }
  return { w1, w2, tokens, widOf };
}

/** profile §7 queries: by identity, by workflow in order, by range, size, by index. */
export const queryChecks: readonly ConformanceCheck[] = [
  {
    id: "queries.get-by-identity",
    group,
    title: "get(wid, jti) and getEct(wid, jti) return the stored entry; unknown identities return undefined",
    async run(context) {
      const ledger = await context.newLedger();
      const { tokens, widOf } = await fill(ledger, context, 6);
      for (let i = 0; i < tokens.length; i++) {
        const entry = await ledger.getByIndex(i);
        assert.ok(entry);
        assertEntryHolds(await ledger.get(widOf[i], entry.jti), tokens[i]!, i, `get #${i}`);
        const stored = await ledger.getEct(widOf[i], entry.jti);
        assert.equal(stored?.token, tokens[i], `getEct #${i + 1}`);
        assert.deepEqual({ ...stored?.claims }, { ...entry.claims });
      }
      assert.equal(await ledger.get(null, globalThis.crypto.randomUUID()), undefined);
      const someJti = (await ledger.getByIndex(0))!.jti;
      assert.equal(
        await ledger.get(null, someJti),
        undefined,
        "a wid-scoped entry is not found without its wid",
      );
    },
  },
  {
    id: "queries.list-workflow",
    group,
    title:
      "listWorkflow(wid) returns exactly that workflow's entries in index order; null lists tokens without wid",
    async run(context) {
      const ledger = await context.newLedger();
      const { w1, w2, widOf } = await fill(ledger, context, 10);
      const expectSeqs = (wid: string | null) => widOf.flatMap((w, i) => (w === wid ? [i] : []));
      assert.deepEqual(
        (await ledger.listWorkflow(w1)).map((e) => e.index),
        expectSeqs(w1),
        "workflow 1",
      );
      assert.deepEqual(
        (await ledger.listWorkflow(w2)).map((e) => e.index),
        expectSeqs(w2),
        "workflow 2",
      );
      assert.deepEqual(
        (await ledger.listWorkflow(null)).map((e) => e.index),
        expectSeqs(null),
        "no wid (null)",
      );
      assert.deepEqual(
        (await ledger.listWorkflow(undefined)).map((e) => e.index),
        expectSeqs(null),
        "no wid (undefined)",
      );
      assert.deepEqual(
        [...(await ledger.listWorkflow(globalThis.crypto.randomUUID()))],
        [],
        "unknown workflow",
      );
      for (const e of await ledger.listWorkflow(w1)) assert.equal(e.wid, w1);
    },
  },
  {
    id: "queries.range",
    group,
    title: "range({ start, end, limit }) returns that half-open slice in order",
    async run(context) {
      const ledger = await context.newLedger();
      await fill(ledger, context, 9);
      const indexes = async (options?: Parameters<Ledger["range"]>[0]) =>
        (await ledger.range(options)).map((e) => e.index);
      assert.deepEqual(await indexes(), [0, 1, 2, 3, 4, 5, 6, 7, 8], "default: everything");
      assert.deepEqual(await indexes({ start: 4 }), [4, 5, 6, 7, 8], "start");
      assert.deepEqual(await indexes({ end: 3 }), [0, 1, 2], "end (exclusive)");
      assert.deepEqual(await indexes({ start: 3, end: 6 }), [3, 4, 5], "start..end");
      assert.deepEqual(await indexes({ start: 2, limit: 3 }), [2, 3, 4], "limit");
      assert.deepEqual(await indexes({ start: 8, end: 20 }), [8], "end past the size");
      assert.deepEqual(await indexes({ start: 9 }), [], "start at the size");
      assert.deepEqual(await indexes({ start: 5, end: 6 }), [5], "a single entry");
      assert.deepEqual(await indexes({ start: 6, end: 5 }), [], "an empty range");
    },
  },
  {
    id: "queries.size-and-get-by-index",
    group,
    title: "size() is the number of entries; getByIndex(i) is entry i, undefined outside 0..size-1",
    async run(context) {
      const ledger = await context.newLedger();
      const { tokens } = await fill(ledger, context, 4);
      assert.equal(await ledger.size(), 4);
      for (let i = 0; i < 4; i++)
        assertEntryHolds(await ledger.getByIndex(i), tokens[i]!, i, `getByIndex(${i})`);
      assert.equal(await ledger.getByIndex(4), undefined, "getByIndex(size)");
      assert.equal(await ledger.getByIndex(-1), undefined, "getByIndex(-1)");
      assert.equal(await ledger.getByIndex(1.5), undefined, "getByIndex(1.5)");
    },
  },
];
