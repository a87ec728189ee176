import assert from "node:assert/strict";
import type { AppendResult } from "ect-core";
import { exportLedgerJsonl, importLedgerJsonl, type TransparencyLedger } from "ect-ledger";
import type { ConformanceCheck, ConformanceContext } from "../conformance-check.js";
import { collect, expectAppended, sameStoreLedger } from "./assertions.js";

const group = "DAG rules over entries the rules did not admit (profile §6 note)";

const uuid = () => globalThis.crypto.randomUUID();

/** Asserts a rejection with exactly these violations (code and member, in order). */
function expectViolations(
  result: AppendResult,
  expected: readonly { code: string; member: string }[],
  what: string,
): void {
  assert.equal(result.status, "rejected", `${what}: expected "rejected", got ${result.status}`);
  if (result.status !== "rejected") return;
  assert.deepEqual(
    result.violations.map((v) => ({ code: v.code, member: v.member })),
    expected,
    what,
  );
}

const IAT = 1_767_225_600;

/**
 * `child` has exactly `ancestors` distinct ancestors in `ledger`'s store: a ledger over that store
 * with `maxTraversal: ancestors` appends it, one with `ancestors - 1` refuses it with
 * ECT_DAG_TRAVERSAL_LIMIT (profile §6.5).
 */
async function expectTraversalBoundary(
  context: ConformanceContext,
  ledger: TransparencyLedger,
  child: string,
  ancestors: number,
): Promise<void> {
  expectViolations(
    await sameStoreLedger(context, ledger, { maxTraversal: ancestors - 1 }).append(child),
    [{ code: "ECT_DAG_TRAVERSAL_LIMIT", member: "pred" }],
    `${ancestors} ancestors, maxTraversal ${ancestors - 1}`,
  );
  expectAppended(
    await sameStoreLedger(context, ledger, { maxTraversal: ancestors }).append(child),
    `${ancestors} ancestors, maxTraversal ${ancestors}`,
  );
}

/**
 * A root `r`, then `a` naming `r` and the not-yet-stored `b`, admitted by `admitDangling`; then `c`
 * naming `a` through `rules`. Returns the ids; `b` naming `c` would close the cycle b -> c -> a -> b.
 */
async function danglingChain(
  context: ConformanceContext,
  rules: TransparencyLedger,
  admitDangling: TransparencyLedger,
) {
  const wid = uuid();
  const [r, a, b, c] = [uuid(), uuid(), uuid(), uuid()];
  const issue = (jti: string, pred: string[], iat: number) => context.issuer.issue({ wid, jti, pred, iat });
  expectAppended(await rules.append(await issue(r, [], IAT)), "root r");
  expectAppended(await admitDangling.append(await issue(a, [r, b], IAT + 1)), "a, naming the absent b");
  expectAppended(await rules.append(await issue(c, [a], IAT + 2)), "c, naming a");
  return { wid, r, a, b, c, issue };
}

/**
 * profile §6's note lets a store skip the cycle walk over entries whose predecessors all existed
 * when they were appended. These checks store an entry the rules did not admit that way (rules off,
 * `"allow"` with a missing predecessor, an import) and prove a later token that closes a cycle
 * through it, or exceeds `maxTraversal`, is still refused with the exact code.
 */
export const closureChecks: readonly ConformanceCheck[] = [
  {
    id: "dag.cycle-after-rules-off",
    group,
    title:
      "after an append with the rules off (`dag: false`) stored a predecessor that did not exist, a token closing a cycle through it is ECT_DAG_CYCLE",
    async run(context) {
      const ledger = await context.newLedger();
      const chain = await danglingChain(context, ledger, sameStoreLedger(context, ledger));
      expectViolations(
        await ledger.append(await chain.issue(chain.b, [chain.c], IAT + 3)),
        [{ code: "ECT_DAG_CYCLE", member: "pred[0]" }],
        "b naming c (c -> a -> b)",
      );
      expectAppended(
        await ledger.append(await chain.issue(uuid(), [chain.r], IAT + 3)),
        "a child of the root only",
      );
    },
  },
  {
    id: "dag.cycle-after-allow",
    group,
    title:
      'after `unresolvedPredecessors: "allow"` stored an entry with a missing predecessor, a token closing a cycle through it is ECT_DAG_CYCLE',
    async run(context) {
      const ledger = await context.newLedger({ dag: { unresolvedPredecessors: "allow" } });
      const chain = await danglingChain(context, ledger, ledger);
      expectViolations(
        await ledger.append(await chain.issue(chain.b, [chain.c], IAT + 3)),
        [{ code: "ECT_DAG_CYCLE", member: "pred[0]" }],
        "b naming c (c -> a -> b)",
      );
      // The same store read by a ledger with "reject": the entry is still there, and so is the cycle.
      expectViolations(
        await sameStoreLedger(context, ledger, {}).append(await chain.issue(chain.b, [chain.c], IAT + 3)),
        [{ code: "ECT_DAG_CYCLE", member: "pred[0]" }],
        'b naming c, through a ledger with "reject" over the same store',
      );
    },
  },
  {
    id: "dag.cycle-after-import",
    group,
    title:
      "after an import of a log holding a predecessor that did not exist, a token closing a cycle through it is ECT_DAG_CYCLE",
    async run(context) {
      const source = await context.newLedger({ dag: false });
      const chain = await danglingChain(context, source, source);
      await source.integrate();
      const target = await context.newLedger();
      await importLedgerJsonl(target, await collect(exportLedgerJsonl(source)));
      expectViolations(
        await target.append(await chain.issue(chain.b, [chain.c], IAT + 3)),
        [{ code: "ECT_DAG_CYCLE", member: "pred[0]" }],
        "b naming c on the imported log",
      );
    },
  },
  {
    id: "dag.traversal-limit-over-admitted-chain",
    group,
    title:
      "over a chain the rules admitted, maxTraversal still holds exactly: n ancestors pass with maxTraversal n and are ECT_DAG_TRAVERSAL_LIMIT with n - 1",
    async run(context) {
      const ledger = await context.newLedger();
      const wid = uuid();
      let last: string | undefined;
      for (let i = 0; i < 6; i++) {
        const jti = uuid();
        expectAppended(
          await ledger.append(
            await context.issuer.issue({ wid, jti, pred: last === undefined ? [] : [last], iat: IAT + i }),
          ),
          `chain ${i}`,
        );
        last = jti;
      }
      // A child of the last has 6 ancestors.
      const child = await context.issuer.issue({ wid, pred: [last!], iat: IAT + 6 });
      await expectTraversalBoundary(context, ledger, child, 6);
    },
  },
  {
    id: "dag.traversal-limit-over-join",
    group,
    title:
      "over joins the rules admitted, a shared ancestor counts once: 4 distinct ancestors pass with maxTraversal 4",
    async run(context) {
      const ledger = await context.newLedger();
      const wid = uuid();
      const [r, a, b, j] = [uuid(), uuid(), uuid(), uuid()];
      const issue = (jti: string, pred: string[], iat: number) =>
        context.issuer.issue({ wid, jti, pred, iat });
      expectAppended(await ledger.append(await issue(r, [], IAT)), "r");
      expectAppended(await ledger.append(await issue(a, [r], IAT + 1)), "a");
      expectAppended(await ledger.append(await issue(b, [r], IAT + 1)), "b");
      expectAppended(await ledger.append(await issue(j, [a, b], IAT + 2)), "j, the join of a and b");
      // A child of j has the ancestors j, a, b, r: four, although r is reached twice.
      const child = await issue(uuid(), [j], IAT + 3);
      await expectTraversalBoundary(context, ledger, child, 4);
    },
  },
];
