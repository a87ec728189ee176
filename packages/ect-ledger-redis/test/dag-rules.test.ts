import { type DagRuleOptions, decodeEct, type EctClaims, EctErrorCodes } from "ect-core";
import { validateDag } from "ect-dag";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLedger } from "../src/index.js";
import { type RedisServerHandle, startRedisServer } from "../src/testing/index.js";
import { testIssuer } from "./support/tokens.js";

// SPEC 6 rules 2-6 run inside the append script (Lua). Each rule is broken on purpose with its exact
// code and member, and a property test checks the script against ect-dag's validateDag (the
// TypeScript rules) on the same stored state.

let server: RedisServerHandle;
const ledgers: RedisLedger[] = [];
const uuid = () => globalThis.crypto.randomUUID();
const T0 = 1_767_225_600;

function ledger(dag: DagRuleOptions | undefined, ledgerId = `dag-${uuid()}`): RedisLedger {
  const made = new RedisLedger({ url: server.url, ledgerId, ...(dag ? { dag } : {}) });
  ledgers.push(made);
  return made;
}

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  for (const l of ledgers) await l.close();
  await server?.stop();
});

async function violations(l: RedisLedger, token: string): Promise<[string, string | undefined][]> {
  const result = await l.append(token);
  if (result.status !== "rejected") return [];
  return result.violations.map((v) => [v.code, v.member]);
}

describe("each DAG rule in the append script", () => {
  it("rule 2: a missing predecessor is ECT_DAG_PRED_MISSING (member pred[i]); allowed and reported under allow", async () => {
    const issuer = await testIssuer();
    const wid = uuid();
    const missing = uuid();
    const strict = ledger({});
    const parent = uuid();
    await strict.append(await issuer.issue({ wid, jti: parent, iat: T0 }));
    expect(await violations(strict, await issuer.issue({ wid, pred: [parent, missing], iat: T0 }))).toEqual([
      [EctErrorCodes.DAG_PRED_MISSING, "pred[1]"],
    ]);
    const lenient = ledger({ unresolvedPredecessors: "allow" });
    const result = await lenient.append(await issuer.issue({ wid, pred: [missing.toUpperCase()], iat: T0 }));
    expect(result.status).toBe("appended");
    if (result.status === "appended") expect(result.unresolvedPredecessors).toEqual([missing.toUpperCase()]);
    // The unresolved list is kept with the entry: a retried append reports it again.
    expect(await lenient.head()).toMatchObject({ seq: 1 });
  });

  it("rule 3: a predecessor stored in another workflow (or without wid) is ECT_DAG_WORKFLOW_MISMATCH, even under allow", async () => {
    const issuer = await testIssuer();
    const l = ledger({ unresolvedPredecessors: "allow" });
    const inOther = uuid();
    const noWid = uuid();
    await l.append(await issuer.issue({ wid: uuid(), jti: inOther, iat: T0 }));
    await l.append(await issuer.issue({ jti: noWid, iat: T0 }));
    const child = await issuer.issue({ wid: uuid(), pred: [inOther, noWid], iat: T0 });
    expect(await violations(l, child)).toEqual([
      [EctErrorCodes.DAG_WORKFLOW_MISMATCH, "pred[0]"],
      [EctErrorCodes.DAG_WORKFLOW_MISMATCH, "pred[1]"],
    ]);
    // A child without wid naming a workflow's task: mismatch too.
    expect(await violations(l, await issuer.issue({ pred: [inOther], iat: T0 }))).toEqual([
      [EctErrorCodes.DAG_WORKFLOW_MISMATCH, "pred[0]"],
    ]);
  });

  it("rule 4: a predecessor issued after the child + skew is ECT_DAG_TEMPORAL_ORDER", async () => {
    const issuer = await testIssuer();
    const l = ledger({ clockSkewSec: 5 });
    const wid = uuid();
    const parent = uuid();
    await l.append(await issuer.issue({ wid, jti: parent, iat: T0 + 100 }));
    expect(await violations(l, await issuer.issue({ wid, pred: [parent], iat: T0 + 94 }))).toEqual([
      [EctErrorCodes.DAG_TEMPORAL_ORDER, "pred[0]"],
    ]);
    expect((await l.append(await issuer.issue({ wid, pred: [parent], iat: T0 + 95 }))).status).toBe(
      "appended",
    );
  });

  it("rule 5: an ancestor naming the new token is ECT_DAG_CYCLE", async () => {
    const issuer = await testIssuer();
    const l = ledger({ unresolvedPredecessors: "allow" });
    const wid = uuid();
    const [a, b, c] = [uuid(), uuid(), uuid()];
    // a names c (not stored yet, allowed); b names a; c naming b closes c -> b -> a -> c.
    await l.append(await issuer.issue({ wid, jti: a, pred: [c], iat: T0 }));
    await l.append(await issuer.issue({ wid, jti: b, pred: [a], iat: T0 }));
    expect(await violations(l, await issuer.issue({ wid, jti: c, pred: [b], iat: T0 }))).toEqual([
      [EctErrorCodes.DAG_CYCLE, "pred[0]"],
    ]);
  });

  it("rule 5: stored ancestors that already form a cycle (written without the rules) are ECT_DAG_CYCLE", async () => {
    const issuer = await testIssuer();
    const id = `dag-${uuid()}`;
    const unchecked = ledger(undefined, id);
    const checked = ledger({ unresolvedPredecessors: "allow" }, id);
    const wid = uuid();
    const [a, b] = [uuid(), uuid()];
    await unchecked.append(await issuer.issue({ wid, jti: a, pred: [b], iat: T0 }));
    await unchecked.append(await issuer.issue({ wid, jti: b, pred: [a], iat: T0 }));
    expect(await violations(checked, await issuer.issue({ wid, pred: [a], iat: T0 }))).toEqual([
      [EctErrorCodes.DAG_CYCLE, "pred[0]"],
    ]);
  });

  it("rule 5: more than maxTraversal ancestors fails closed with ECT_DAG_TRAVERSAL_LIMIT", async () => {
    const issuer = await testIssuer();
    const id = `dag-${uuid()}`;
    const wid = uuid();
    const chain = [uuid(), uuid(), uuid(), uuid()];
    const builder = ledger({}, id);
    for (let i = 0; i < chain.length; i++) {
      await builder.append(
        await issuer.issue({ wid, jti: chain[i]!, pred: i ? [chain[i - 1]!] : [], iat: T0 }),
      );
    }
    // A child of the last node has 4 ancestors: 4 is allowed, 3 is not.
    const child = await issuer.issue({ wid, pred: [chain[3]!], iat: T0 });
    expect(await violations(ledger({ maxTraversal: 3 }, id), child)).toEqual([
      [EctErrorCodes.DAG_TRAVERSAL_LIMIT, "pred"],
    ]);
    expect((await ledger({ maxTraversal: 4 }, id).append(child)).status).toBe("appended");
  });

  it("rule 6: rejected and pending predecessors are ECT_DAG_PRED_POLICY unless the options allow them", async () => {
    const issuer = await testIssuer();
    const id = `dag-${uuid()}`;
    const wid = uuid();
    const [rejected, pending] = [uuid(), uuid()];
    const l = ledger({}, id);
    await l.append(
      await issuer.issue({
        wid,
        jti: rejected,
        iat: T0,
        extra: { ect_ext: { pol: "p", pol_decision: "rejected" } },
      }),
    );
    await l.append(
      await issuer.issue({
        wid,
        jti: pending,
        iat: T0,
        extra: { ect_ext: { pol: "p", pol_decision: "pending_human_review" } },
      }),
    );
    const child = () => issuer.issue({ wid, pred: [rejected, pending], iat: T0 });
    expect(await violations(l, await child())).toEqual([
      [EctErrorCodes.DAG_PRED_POLICY, "pred[0]"],
      [EctErrorCodes.DAG_PRED_POLICY, "pred[1]"],
    ]);
    expect(await violations(ledger({ allowPendingPredecessors: true }, id), await child())).toEqual([
      [EctErrorCodes.DAG_PRED_POLICY, "pred[0]"],
    ]);
    expect((await ledger({ predecessorPolicy: false }, id).append(await child())).status).toBe("appended");
  });

  it("every violation is reported, in rule order, and nothing is written", async () => {
    const issuer = await testIssuer();
    const l = ledger({ clockSkewSec: 0 });
    const wid = uuid();
    const [late, bad] = [uuid(), uuid()];
    await l.append(await issuer.issue({ wid, jti: late, iat: T0 + 50 }));
    await l.append(
      await issuer.issue({
        wid,
        jti: bad,
        iat: T0,
        extra: { ect_ext: { pol: "p", pol_decision: "rejected" } },
      }),
    );
    const child = await issuer.issue({ wid, pred: [bad, uuid(), late], iat: T0 });
    expect(await violations(l, child)).toEqual([
      [EctErrorCodes.DAG_PRED_MISSING, "pred[1]"],
      [EctErrorCodes.DAG_TEMPORAL_ORDER, "pred[2]"],
      [EctErrorCodes.DAG_PRED_POLICY, "pred[0]"],
    ]);
    expect((await l.head()).seq).toBe(2);
  });

  it("a ledger without DAG options runs no DAG rule", async () => {
    const issuer = await testIssuer();
    const l = ledger(undefined);
    expect((await l.append(await issuer.issue({ wid: uuid(), pred: [uuid()] }))).status).toBe("appended");
  });
});

describe("the script agrees with ect-dag's validateDag", () => {
  it("on random graphs (shared ids, workflows, times, policies, cycles written around the rules)", async () => {
    const issuer = await testIssuer();
    const node = fc.record({
      jti: fc.nat(7),
      wid: fc.nat(2),
      iat: fc.integer({ min: -40, max: 40 }),
      pred: fc.uniqueArray(fc.nat(7), { maxLength: 3 }),
      decision: fc.constantFrom(undefined, "approved", "rejected", "pending_human_review"),
      unchecked: fc.boolean(),
    });
    const options = fc.record({
      unresolvedPredecessors: fc.constantFrom("reject" as const, "allow" as const),
      maxTraversal: fc.integer({ min: 0, max: 8 }),
      clockSkewSec: fc.constantFrom(0, 10, 30),
      predecessorPolicy: fc.boolean(),
      allowPendingPredecessors: fc.boolean(),
    });
    let compared = 0;
    let rejections = 0;
    const codes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(node, { minLength: 1, maxLength: 10 }), options, async (nodes, dag) => {
        const id = `dag-prop-${uuid()}`;
        const checked = ledger(dag, id);
        const unchecked = ledger(undefined, id);
        const jtis = Array.from({ length: 8 }, uuid);
        const wids = [uuid(), uuid(), undefined];
        try {
          for (const n of nodes) {
            const wid = wids[n.wid];
            const token = await issuer.issue({
              jti: jtis[n.jti]!,
              ...(wid ? { wid } : {}),
              iat: T0 + n.iat,
              pred: n.pred.filter((p) => p !== n.jti).map((p) => jtis[p]!),
              ...(n.decision ? { extra: { ect_ext: { pol: "p", pol_decision: n.decision } } } : {}),
            });
            if (n.unchecked && !n.pred.includes(n.jti)) {
              await unchecked.append(token);
              continue;
            }
            const claims = decodeEct(token).claims as unknown as EctClaims;
            if ((await checked.get(claims.wid, claims.jti)) !== undefined) continue; // identity, not DAG
            const expected = await validateDag(claims, checked, dag);
            const result = await checked.append(token);
            compared++;
            if (expected.valid) {
              expect(result.status).toBe("appended");
              if (result.status === "appended") {
                expect([...result.unresolvedPredecessors]).toEqual([...expected.unresolvedPredecessors]);
              }
            } else {
              rejections++;
              for (const v of expected.violations) codes.add(v.code);
              expect(result.status).toBe("rejected");
              if (result.status === "rejected") {
                expect(result.violations.map((v) => [v.code, v.member])).toEqual(
                  expected.violations.map((v) => [v.code, v.member]),
                );
              }
            }
          }
        } finally {
          await checked.close();
          await unchecked.close();
        }
      }),
      { numRuns: 120, seed: 20260101 },
    );
    // The comparison is not vacuous: many appends, many rejections, every rule's code seen.
    expect(compared).toBeGreaterThan(300);
    expect(rejections).toBeGreaterThan(60);
    expect([...codes].sort()).toEqual(
      [
        EctErrorCodes.DAG_CYCLE,
        EctErrorCodes.DAG_PRED_MISSING,
        EctErrorCodes.DAG_PRED_POLICY,
        EctErrorCodes.DAG_TEMPORAL_ORDER,
        EctErrorCodes.DAG_TRAVERSAL_LIMIT,
        EctErrorCodes.DAG_WORKFLOW_MISMATCH,
      ].sort(),
    );
  }, 60_000);
});
