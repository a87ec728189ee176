import assert from "node:assert/strict";
import type { ConformanceCheck } from "../conformance-check.js";
import {
  assertAuditClean,
  assertDeepFrozen,
  expectAppended,
  expectConflict,
  expectDuplicate,
  recordOf,
} from "./assertions.js";

const group = "append-only: returned values are immutable (profile §7)";

/** Tries to change `target[key]`; in strict mode a frozen object throws, which is fine. */
function tryMutate(action: () => void) {
  try {
    action();
  } catch {
    // A frozen object refuses the change: that is the point.
  }
}

/** profile §7 append-only: nothing a caller gets back can change what the ledger holds. */
export const immutabilityChecks: readonly ConformanceCheck[] = [
  {
    id: "immutability.frozen-results",
    group,
    title: "entries (with their claims), receipts and conflict evidence are deeply frozen",
    async run({ newLedger, issuer }) {
      // No DAG rules: the token names a predecessor this check does not store.
      const ledger = await newLedger({ dag: false });
      const wid = globalThis.crypto.randomUUID();
      const jti = globalThis.crypto.randomUUID();
      const parent = globalThis.crypto.randomUUID();
      const token = await issuer.issue({
        wid,
        jti,
        pred: [parent],
        aud: ["a", "b"],
        extra: { ect_ext: { k: [1, { x: 2 }] } },
      });
      const appended = expectAppended(await ledger.append(token));
      assertDeepFrozen(appended.entry, "appended.entry");
      assertDeepFrozen(appended.receipt, "appended.receipt");
      assertDeepFrozen(expectDuplicate(await ledger.append(token)).entry, "duplicate.entry");
      const conflict = expectConflict(await ledger.append(await issuer.issue({ wid, jti })));
      assertDeepFrozen(conflict.evidence, "conflict.evidence");
      assertDeepFrozen(conflict.existing, "conflict.existing");
      assertDeepFrozen(await ledger.get(wid, jti), "get()");
      assertDeepFrozen(await ledger.getByIndex(0), "getByIndex()");
      assertDeepFrozen((await ledger.getEct(wid, jti))?.claims, "getEct().claims");
      for (const e of await ledger.listWorkflow(wid)) assertDeepFrozen(e, "listWorkflow()[i]");
      for (const e of await ledger.range()) assertDeepFrozen(e, "range()[i]");
      for (const c of await ledger.conflicts()) assertDeepFrozen(c, "conflicts()[i]");
    },
  },
  {
    id: "immutability.mutation-has-no-effect",
    group,
    title: "mutating a returned entry, claims or list does not change the ledger",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      const wid = globalThis.crypto.randomUUID();
      const token = await issuer.issue({ wid, pred: [] });
      const { entry } = expectAppended(await ledger.append(token));
      const before = recordOf(entry);
      const claimsBefore = JSON.stringify(entry.claims);
      const e = entry as unknown as Record<string, unknown>;
      const claims = entry.claims as unknown as Record<string, unknown>;
      tryMutate(() => {
        e["index"] = 99;
      });
      tryMutate(() => {
        e["token"] = "forged";
      });
      tryMutate(() => {
        e["leafHash"] = "0".repeat(64);
      });
      tryMutate(() => {
        claims["exec_act"] = "forged";
      });
      tryMutate(() => void (entry.claims.pred as string[]).push(globalThis.crypto.randomUUID()));
      const fetched = await ledger.get(wid, entry.jti);
      assert.ok(fetched);
      assert.deepEqual(recordOf(fetched), before, "the stored entry is unchanged");
      assert.equal(JSON.stringify(fetched.claims), claimsBefore, "the stored claims are unchanged");
      await assertAuditClean(ledger, "audit");

      const list = (await ledger.listWorkflow(wid)) as unknown as unknown[];
      tryMutate(() => void list.push(entry));
      tryMutate(() => void list.pop());
      assert.equal(
        (await ledger.listWorkflow(wid)).length,
        1,
        "listWorkflow is not affected by changing its result",
      );
      const all = (await ledger.range()) as unknown as unknown[];
      tryMutate(() => void all.splice(0, 1));
      assert.equal((await ledger.range()).length, 1, "range is not affected by changing its result");
      const conflicts = (await ledger.conflicts()) as unknown as unknown[];
      tryMutate(() => void conflicts.push({}));
      assert.equal((await ledger.conflicts()).length, 0, "conflicts is not affected by changing its result");
    },
  },
];
