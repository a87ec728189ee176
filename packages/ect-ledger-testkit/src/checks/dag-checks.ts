import assert from "node:assert/strict";
import { decodeEct, EctErrorCodes } from "ect-core";
import type { ConformanceCheck } from "../conformance-check.js";
import {
  assertAuditClean,
  assertEmpty,
  expectAppended,
  expectConflict,
  expectRejected,
} from "./assertions.js";

const group = "DAG rules atomic with the append (profile §6)";

const uuid = () => globalThis.crypto.randomUUID();

/** profile §6: "The check and the append of a ledger are one atomic step". */
export const dagChecks: readonly ConformanceCheck[] = [
  {
    id: "dag.valid-graph-appended",
    group,
    title: "with DAG rules, a root and its descendants (preds stored, same wid, in time order) are appended",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      const wid = uuid();
      const root = uuid();
      const left = uuid();
      const right = uuid();
      const r1 = expectAppended(
        await ledger.append(await issuer.issue({ wid, jti: root, iat: 1_767_225_600 })),
        "root",
      );
      assert.deepEqual([...r1.unresolvedPredecessors], []);
      expectAppended(
        await ledger.append(await issuer.issue({ wid, jti: left, pred: [root], iat: 1_767_225_610 })),
        "left",
      );
      expectAppended(
        await ledger.append(
          await issuer.issue({ wid, jti: right, pred: [root.toUpperCase()], iat: 1_767_225_610 }),
        ),
        "right, upper-case pred",
      );
      const join = await ledger.append(await issuer.issue({ wid, pred: [left, right], iat: 1_767_225_620 }));
      expectAppended(join, "join of left and right");
      assert.equal(await ledger.size(), 4);
    },
  },
  {
    id: "dag.missing-pred-rejected",
    group,
    title:
      "a missing predecessor is `rejected` (ECT_DAG_PRED_MISSING) and writes nothing; the next append gets the next index",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      const wid = uuid();
      const orphan = await issuer.issue({ wid, pred: [uuid()] });
      expectRejected(await ledger.append(orphan), EctErrorCodes.DAG_PRED_MISSING, "orphan");
      await assertEmpty(ledger, "after a rejected append");
      assert.equal((await ledger.conflicts()).length, 0, "a rejection is not a conflict");
      const orphanJti = decodeEct(orphan).claims["jti"] as string;
      assert.equal(await ledger.get(wid, orphanJti), undefined, "the rejected token is not stored");
      const ok = expectAppended(await ledger.append(await issuer.issue({ wid })), "append after a rejection");
      assert.equal(ok.entry.index, 0, "a rejection burns no index");
      expectRejected(await ledger.append(orphan), EctErrorCodes.DAG_PRED_MISSING, "orphan again");
      assert.equal(await ledger.size(), 1);
      await assertAuditClean(ledger, "audit");
    },
  },
  {
    id: "dag.temporal-order",
    group,
    title:
      "a predecessor issued later than the child (beyond the skew) is `rejected` (ECT_DAG_TEMPORAL_ORDER)",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger({ dag: { clockSkewSec: 30 } });
      const wid = uuid();
      const parent = uuid();
      expectAppended(await ledger.append(await issuer.issue({ wid, jti: parent, iat: 1_767_226_000 })));
      const early = await issuer.issue({ wid, pred: [parent], iat: 1_767_226_000 - 31 });
      expectRejected(
        await ledger.append(early),
        EctErrorCodes.DAG_TEMPORAL_ORDER,
        "child 31 s before its parent",
      );
      const withinSkew = await issuer.issue({ wid, pred: [parent], iat: 1_767_226_000 - 30 });
      expectAppended(await ledger.append(withinSkew), "child 30 s before its parent (within skew)");
      assert.equal(await ledger.size(), 2);
    },
  },
  {
    id: "dag.unresolved-allowed",
    group,
    title: 'with unresolvedPredecessors "allow", a missing predecessor is appended and reported',
    async run({ newLedger, issuer }) {
      const ledger = await newLedger({ dag: { unresolvedPredecessors: "allow" } });
      const wid = uuid();
      const elsewhere = uuid();
      const result = expectAppended(await ledger.append(await issuer.issue({ wid, pred: [elsewhere] })));
      assert.deepEqual(
        result.unresolvedPredecessors.map((p) => p.toLowerCase()),
        [elsewhere],
        "the unresolved predecessor is reported",
      );
    },
  },
  {
    id: "dag.concurrent-cycle",
    group,
    title:
      "two concurrent appends cannot jointly create a cycle (A pred B, B pred A: one is rejected ECT_DAG_CYCLE)",
    async run({ newLedger, issuer }) {
      // "allow" so that neither is refused for a missing predecessor: only the cycle rule can stop them.
      const ledger = await newLedger({ dag: { unresolvedPredecessors: "allow" } });
      const pairs = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const wid = uuid();
          const a = uuid();
          const b = uuid();
          return [
            await issuer.issue({ wid, jti: a, pred: [b], iat: 1_767_225_600 }),
            await issuer.issue({ wid, jti: b, pred: [a], iat: 1_767_225_600 }),
          ] as const;
        }),
      );
      const results = await Promise.all(pairs.flatMap(([a, b]) => [ledger.append(a), ledger.append(b)]));
      for (let i = 0; i < pairs.length; i++) {
        const pair = [results[2 * i]!, results[2 * i + 1]!];
        const statuses = pair.map((r) => r.status).sort();
        assert.deepEqual(
          statuses,
          ["appended", "rejected"],
          `pair ${i + 1}: exactly one of A, B is appended`,
        );
        const rejected = pair.find((r) => r.status === "rejected")!;
        expectRejected(rejected, EctErrorCodes.DAG_CYCLE, `pair ${i + 1}: the second closes a cycle`);
      }
      assert.equal(await ledger.size(), 20, "one entry per pair");
      await assertAuditClean(ledger, "audit");
    },
  },
  {
    id: "dag.concurrent-duplicate",
    group,
    title: "with DAG rules, concurrent appends of one (wid, jti) with different claims store exactly one",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      const wid = uuid();
      const jti = uuid();
      const tokens = await Promise.all(
        Array.from({ length: 20 }, (_, i) => issuer.issue({ wid, jti, exec_act: `racer.${i}` })),
      );
      const results = await Promise.all(tokens.map((t) => ledger.append(t)));
      assert.equal(results.filter((r) => r.status === "appended").length, 1, "exactly one appended");
      for (const r of results) if (r.status !== "appended") expectConflict(r, "a loser");
      assert.equal(await ledger.size(), 1);
    },
  },
  {
    id: "dag.concurrent-child-and-missing-parent",
    group,
    title: "a child appended concurrently with its parent is appended only if the parent is already stored",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      const wid = uuid();
      const parent = uuid();
      const parentToken = await issuer.issue({ wid, jti: parent, iat: 1_767_225_600 });
      const childToken = await issuer.issue({ wid, pred: [parent], iat: 1_767_225_600 });
      const [p, c] = await Promise.all([ledger.append(parentToken), ledger.append(childToken)]);
      expectAppended(p, "parent");
      if (c.status !== "appended")
        expectRejected(c, EctErrorCodes.DAG_PRED_MISSING, "child before its parent");
      assert.equal(await ledger.size(), c.status === "appended" ? 2 : 1);
      // Whatever the interleaving, every stored child comes after its stored parent.
      if (c.status === "appended") assert.ok(c.entry.index > (await ledger.get(wid, parent))!.index);
    },
  },
];
