/**
 * Forged predecessors (SPEC 6) through the way an integrator wires them: `dagCheck` over the
 * ledger as a verifier check (fast, not atomic) plus the ledger's own DAG validator (atomic with
 * the append), and L3 acceptance. Whatever the interleaving, the ledger never stores a violation.
 */
import type { DagRuleOptions } from "ect-core";
import { createAuditVerifier } from "ect-crypto";
import { dagCheck } from "ect-dag";
import { auditLedger } from "ect-ledger";
import { MemoryLedger } from "ect-ledger-memory";
import { describe, expect, it } from "vitest";
import {
  C,
  claimsOf,
  claimsTextOf,
  expectRefused,
  headerText,
  ISS_B,
  makeWorld,
  mint,
  randomUUID,
  signRaw,
  T0,
  type World,
} from "./support/world.js";

type Rules = DagRuleOptions;

/** An L3 verifier whose ledger runs the DAG rules atomically, with dagCheck in front. */
function wire(w: World, rules: Rules = {}, withCheck = true) {
  const ledger = new MemoryLedger({ dag: rules });
  const checks = withCheck ? [dagCheck({ store: ledger, ...rules })] : [];
  return { ledger, verifier: () => w.verifier({ ledger, checks }) };
}

const jtiOf = (token: string): string => JSON.parse(claimsTextOf(token)).jti;

describe("predecessors in another workflow", () => {
  it.each([true, false])(
    "are refused with ECT_DAG_WORKFLOW_MISMATCH (dagCheck in front: %s), even under allow",
    async (withCheck) => {
      const w = await makeWorld();
      for (const rules of [{}, { unresolvedPredecessors: "allow" as const }]) {
        const { ledger, verifier } = wire(w, rules, withCheck);
        const w1 = randomUUID();
        const parent = await mint(w.keyA, { wid: w1 });
        await verifier().verify(parent);
        const cases = [
          { wid: randomUUID(), pred: [jtiOf(parent)] },
          { wid: randomUUID(), pred: [jtiOf(parent).toUpperCase()] },
          { pred: [jtiOf(parent)] }, // a child without wid naming a workflow's task
        ];
        for (const c of cases) {
          await expectRefused(
            verifier().verify(await mint(w.keyB, { iss: ISS_B, ...c })),
            C.DAG_WORKFLOW_MISMATCH,
          );
        }
        expect(await ledger.size()).toBe(1);
        // The same child in the parent's own workflow (wid in another case) is fine.
        const ok = await verifier().verify(
          await mint(w.keyB, { iss: ISS_B, wid: w1.toUpperCase(), pred: [jtiOf(parent)] }),
        );
        expect(ok.level).toBe(3);
      }
    },
  );
});

describe("temporal order against the time window", () => {
  it("a parent issued at the max-future boundary may be named by a child issued up to skew earlier, not 1 s more", async () => {
    const w = await makeWorld();
    const { ledger, verifier } = wire(w);
    const wid = randomUUID();
    const parent = await mint(w.keyA, { wid, iat: T0 + 30, exp: T0 + 600 }); // iat = now + maxFuture
    await verifier().verify(parent);
    const onTime = await mint(w.keyB, { iss: ISS_B, wid, iat: T0, pred: [jtiOf(parent)] });
    const early = await mint(w.keyB, { iss: ISS_B, wid, iat: T0 - 1, pred: [jtiOf(parent)] });
    await expectRefused(verifier().verify(early), C.DAG_TEMPORAL_ORDER);
    // And without the check in front, the ledger alone refuses it too (nothing is stored).
    await expectRefused(w.verifier({ ledger }).verify(early), C.DAG_TEMPORAL_ORDER);
    expect((await verifier().verify(onTime)).level).toBe(3);
    expect(await ledger.size()).toBe(2);
  });

  it("a parent 31 s in the future cannot even be accepted, so it cannot be named", async () => {
    const w = await makeWorld();
    const { verifier } = wire(w);
    const wid = randomUUID();
    const parent = await mint(w.keyA, { wid, iat: T0 + 31, exp: T0 + 600 });
    await expectRefused(verifier().verify(parent), C.IAT_IN_FUTURE);
    await expectRefused(
      verifier().verify(await mint(w.keyB, { iss: ISS_B, wid, iat: T0 + 1, pred: [jtiOf(parent)] })),
      C.DAG_PRED_MISSING,
    );
  });
});

describe("cycles raced through concurrent verifications", () => {
  it("two tokens naming each other, verified concurrently: exactly one stored, the other ECT_DAG_CYCLE", async () => {
    const w = await makeWorld();
    for (let round = 0; round < 10; round++) {
      const { ledger, verifier } = wire(w, { unresolvedPredecessors: "allow" });
      const wid = randomUUID();
      const x = randomUUID();
      const y = randomUUID();
      // One of the two names the other in upper case: identities compare case-insensitively.
      const tx = await mint(w.keyA, { wid, jti: x, pred: [round % 2 ? y.toUpperCase() : y] });
      const ty = await mint(w.keyB, { iss: ISS_B, wid: wid.toUpperCase(), jti: y, pred: [x] });
      const [rx, ry] = await Promise.all([verifier().safeVerify(tx), verifier().safeVerify(ty)]);
      const outcomes = [rx, ry].map((r) => (r.ok ? "ok" : r.error.code)).sort();
      expect(outcomes).toEqual([C.DAG_CYCLE, "ok"].sort());
      expect(await ledger.size()).toBe(1);
      // The refused one is not burnt: it is refused again for the cycle, not as a replay.
      const refused = rx.ok ? ty : tx;
      await expectRefused(verifier().verify(refused), C.DAG_CYCLE);
      const report = await auditLedger({ ledger, dag: { unresolvedPredecessors: "allow" } });
      expect(report.valid).toBe(true);
    }
  });

  it("a three-cycle raced by three verifier instances: two stored, the closing one ECT_DAG_CYCLE", async () => {
    const w = await makeWorld();
    const { ledger, verifier } = wire(w, { unresolvedPredecessors: "allow" });
    const wid = randomUUID();
    const [x, y, z] = [randomUUID(), randomUUID(), randomUUID()];
    const tokens = [
      await mint(w.keyA, { wid, jti: x, pred: [z] }),
      await mint(w.keyA, { wid, jti: y, pred: [x] }),
      await mint(w.keyA, { wid, jti: z, pred: [y] }),
    ];
    const results = await Promise.all(tokens.map((t) => verifier().safeVerify(t)));
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(results.flatMap((r) => (r.ok ? [] : [r.error.code]))).toEqual([C.DAG_CYCLE]);
    expect(await ledger.size()).toBe(2);
  });

  it("a self-loop written with another case is a claim-rule refusal, before any store", async () => {
    const w = await makeWorld();
    const { verifier } = wire(w);
    const jti = randomUUID();
    // createEct refuses it, so the attacker signs it by hand.
    const token = await signRaw(
      headerText(w.keyA),
      JSON.stringify(claimsOf({ jti, pred: [jti.toUpperCase()] })),
      w.keyA,
    );
    await expectRefused(verifier().verify(token), C.PRED_INVALID);
  });
});

describe("predecessor policy", () => {
  it("a child of a rejected parent is refused, by dagCheck and by the ledger alone, whatever the jti case", async () => {
    const w = await makeWorld();
    const { ledger, verifier } = wire(w);
    const wid = randomUUID();
    const parent = await mint(w.keyA, { wid, ect_ext: { pol: "loan-policy", pol_decision: "rejected" } });
    expect((await verifier().verify(parent)).level).toBe(3); // recording a rejection is legitimate
    for (const pred of [jtiOf(parent), jtiOf(parent).toUpperCase()]) {
      const child = await mint(w.keyB, { iss: ISS_B, wid, pred: [pred] });
      await expectRefused(verifier().verify(child), C.DAG_PRED_POLICY);
      await expectRefused(w.verifier({ ledger }).verify(child), C.DAG_PRED_POLICY);
    }
    // Mixing it with an approved parent does not launder it.
    const approved = await mint(w.keyA, { wid, ect_ext: { pol: "loan-policy", pol_decision: "approved" } });
    await verifier().verify(approved);
    await expectRefused(
      verifier().verify(await mint(w.keyB, { iss: ISS_B, wid, pred: [jtiOf(approved), jtiOf(parent)] })),
      C.DAG_PRED_POLICY,
    );
    expect(await ledger.size()).toBe(2);
  });

  it("re-issuing the rejected parent as approved under the same jti is a conflict, and the child stays refused", async () => {
    const w = await makeWorld();
    const { ledger, verifier } = wire(w);
    const wid = randomUUID();
    const jti = randomUUID();
    const rejected = await mint(w.keyA, { wid, jti, ect_ext: { pol: "p", pol_decision: "rejected" } });
    const approved = await mint(w.keyA, { wid, jti, ect_ext: { pol: "p", pol_decision: "approved" } });
    await verifier().verify(rejected);
    // The ledger enforces the DAG rules, so the verifier leaves uniqueness to its identity step.
    await expectRefused(verifier().verify(approved), C.LEDGER_CONFLICT);
    await expectRefused(w.verifier({ ledger }).verify(approved), C.LEDGER_CONFLICT);
    const child = await mint(w.keyB, { iss: ISS_B, wid, pred: [jti] });
    await expectRefused(verifier().verify(child), C.DAG_PRED_POLICY);
    expect((await ledger.get(wid, jti))?.token).toBe(rejected);
  });

  it("a pending parent blocks its child by default and not with allowPendingPredecessors; rejected still blocks", async () => {
    const w = await makeWorld();
    const wid = randomUUID();
    const strict = wire(w);
    const lenient = wire(w, { allowPendingPredecessors: true });
    for (const { verifier } of [strict, lenient]) {
      await verifier().verify(
        await mint(w.keyA, {
          wid,
          jti: PENDING,
          ect_ext: { pol: "p", pol_decision: "pending_human_review" },
        }),
      );
      await verifier().verify(
        await mint(w.keyA, { wid, jti: REJECTED, ect_ext: { pol: "p", pol_decision: "rejected" } }),
      );
    }
    const child = await mint(w.keyB, { iss: ISS_B, wid, pred: [PENDING] });
    await expectRefused(strict.verifier().verify(child), C.DAG_PRED_POLICY);
    expect((await lenient.verifier().verify(child)).level).toBe(3);
    await expectRefused(
      lenient.verifier().verify(await mint(w.keyB, { iss: ISS_B, wid, pred: [REJECTED] })),
      C.DAG_PRED_POLICY,
    );
  });

  it("a participant who learns a jti first can claim it (SPEC 7 identity has no iss): the ledger keeps the victim's token as evidence", async () => {
    // SPEC-level weakness, asserted as specified: identity is (wid, jti), so issuer B, on seeing
    // A's token (e.g. as its audience) before the ledger does, can append its own token under A's
    // task id, here with an approving policy decision A never made.
    const w = await makeWorld();
    const { ledger, verifier } = wire(w);
    const wid = randomUUID();
    const jti = randomUUID();
    const fromA = await mint(w.keyA, { wid, jti, ect_ext: { pol: "p", pol_decision: "rejected" } });
    const squat = await mint(w.keyB, {
      iss: ISS_B,
      wid,
      jti,
      ect_ext: { pol: "p", pol_decision: "approved" },
    });
    await verifier().verify(squat);
    await expectRefused(w.verifier({ ledger }).verify(fromA), C.LEDGER_CONFLICT);
    // The child of "A's" task now passes the policy rule on B's word...
    expect((await verifier().verify(await mint(w.keyB, { iss: ISS_B, wid, pred: [jti] }))).level).toBe(3);
    // ...and what is left for an auditor: the entry names B as issuer, A's token is evidence.
    expect((await ledger.get(wid, jti))?.iss).toBe(ISS_B);
    const evidence = await ledger.conflicts();
    expect(evidence.map((c) => [c.token, c.existingIndex])).toEqual([[fromA, 0]]);
    expect((await auditLedger({ ledger })).conflicts).toBe(1);
  });

  it("the audit verifier and auditLedger find nothing wrong in what the wired verifier let in", async () => {
    const w = await makeWorld();
    const { ledger, verifier } = wire(w);
    const wid = randomUUID();
    const root = await mint(w.keyA, { wid });
    await verifier().verify(root);
    await verifier().verify(await mint(w.keyB, { iss: ISS_B, wid, pred: [jtiOf(root)] }));
    await expectRefused(
      verifier().verify(await mint(w.keyB, { iss: ISS_B, wid, pred: [randomUUID()] })),
      C.DAG_PRED_MISSING,
    );
    const report = await auditLedger({ ledger, verifyToken: createAuditVerifier({ keys: w.keys }) });
    expect(report.problems).toEqual([]);
    expect(report.signaturesVerified).toBe(true);
  });
});

const PENDING = randomUUID();
const REJECTED = randomUUID();
