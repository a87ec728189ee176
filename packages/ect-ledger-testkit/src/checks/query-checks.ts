import assert from "node:assert/strict";
import type { Ledger } from "ect-core";
import type { ConformanceCheck, ConformanceContext } from "../conformance-check.js";
import { assertEntryHolds, expectAppended } from "./assertions.js";

const group = "queries (SPEC 7)";

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

/** SPEC 7 queries: by identity, by workflow in order, by range, head, by seq. */
export const queryChecks: readonly ConformanceCheck[] = [
  {
    id: "queries.get-by-identity",
    group,
    title: "get(wid, jti) and getEct(wid, jti) return the stored entry; unknown identities return undefined",
    async run(context) {
      const ledger = await context.newLedger();
      const { tokens, widOf } = await fill(ledger, context, 6);
      for (let i = 0; i < tokens.length; i++) {
        const entry = await ledger.getBySeq(i + 1);
        assert.ok(entry);
        assertEntryHolds(await ledger.get(widOf[i], entry.jti), tokens[i]!, i + 1, `get #${i + 1}`);
        const stored = await ledger.getEct(widOf[i], entry.jti);
        assert.equal(stored?.token, tokens[i], `getEct #${i + 1}`);
        assert.deepEqual({ ...stored?.claims }, { ...entry.claims });
      }
      assert.equal(await ledger.get(null, globalThis.crypto.randomUUID()), undefined);
      const someJti = (await ledger.getBySeq(1))!.jti;
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
      "listWorkflow(wid) returns exactly that workflow's entries in sequence order; null lists tokens without wid",
    async run(context) {
      const ledger = await context.newLedger();
      const { w1, w2, widOf } = await fill(ledger, context, 10);
      const expectSeqs = (wid: string | null) => widOf.flatMap((w, i) => (w === wid ? [i + 1] : []));
      assert.deepEqual(
        (await ledger.listWorkflow(w1)).map((e) => e.seq),
        expectSeqs(w1),
        "workflow 1",
      );
      assert.deepEqual(
        (await ledger.listWorkflow(w2)).map((e) => e.seq),
        expectSeqs(w2),
        "workflow 2",
      );
      assert.deepEqual(
        (await ledger.listWorkflow(null)).map((e) => e.seq),
        expectSeqs(null),
        "no wid (null)",
      );
      assert.deepEqual(
        (await ledger.listWorkflow(undefined)).map((e) => e.seq),
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
    title: "range({ fromSeq, toSeq, limit }) returns that inclusive slice in order",
    async run(context) {
      const ledger = await context.newLedger();
      await fill(ledger, context, 9);
      const seqs = async (options?: Parameters<Ledger["range"]>[0]) =>
        (await ledger.range(options)).map((e) => e.seq);
      assert.deepEqual(await seqs(), [1, 2, 3, 4, 5, 6, 7, 8, 9], "default: everything");
      assert.deepEqual(await seqs({ fromSeq: 4 }), [4, 5, 6, 7, 8, 9], "fromSeq");
      assert.deepEqual(await seqs({ toSeq: 3 }), [1, 2, 3], "toSeq");
      assert.deepEqual(await seqs({ fromSeq: 3, toSeq: 6 }), [3, 4, 5, 6], "fromSeq..toSeq inclusive");
      assert.deepEqual(await seqs({ fromSeq: 2, limit: 3 }), [2, 3, 4], "limit");
      assert.deepEqual(await seqs({ fromSeq: 8, toSeq: 20 }), [8, 9], "toSeq past the head");
      assert.deepEqual(await seqs({ fromSeq: 10 }), [], "fromSeq past the head");
      assert.deepEqual(await seqs({ fromSeq: 5, toSeq: 5 }), [5], "a single entry");
      assert.deepEqual(await seqs({ fromSeq: 6, toSeq: 5 }), [], "an empty range");
    },
  },
  {
    id: "queries.head-and-get-by-seq",
    group,
    title: "head() is the last (seq, chainHash); getBySeq(n) is entry n, undefined outside 1..head",
    async run(context) {
      const ledger = await context.newLedger();
      const { tokens } = await fill(ledger, context, 4);
      const last = await ledger.getBySeq(4);
      assert.ok(last);
      assert.deepEqual({ ...(await ledger.head()) }, { seq: 4, chainHash: last.chainHash });
      for (let i = 0; i < 4; i++)
        assertEntryHolds(await ledger.getBySeq(i + 1), tokens[i]!, i + 1, `getBySeq(${i + 1})`);
      assert.equal(await ledger.getBySeq(0), undefined, "getBySeq(0)");
      assert.equal(await ledger.getBySeq(5), undefined, "getBySeq(head + 1)");
      assert.equal(await ledger.getBySeq(-1), undefined, "getBySeq(-1)");
    },
  },
];
