import { EctConfigError, EctErrorCodes } from "ect-core";
import {
  createAuditVerifier,
  createEct,
  type EctKeyPair,
  generateEctKeyPair,
  staticKeyResolver,
} from "ect-crypto";
import { type AuditProblem, auditLedger } from "ect-ledger";
import { beforeAll, describe, expect, it } from "vitest";
import { MemoryLedger } from "../src/index.js";

// auditLedger lives in ect-ledger; it is tested here, against a real ledger and real signatures.

const T0 = 1_767_225_600; // seconds
const ISS = "spiffe://example.org/agent";
const uuid = () => globalThis.crypto.randomUUID();

let agent: EctKeyPair;
let stranger: EctKeyPair;
let verifyToken: ReturnType<typeof createAuditVerifier>;

beforeAll(async () => {
  agent = await generateEctKeyPair({ kid: "agent-1" });
  stranger = await generateEctKeyPair({ kid: "agent-1" });
  verifyToken = createAuditVerifier({ keys: staticKeyResolver([{ iss: ISS, key: agent }]) });
});

interface Claims {
  wid?: string;
  jti?: string;
  pred?: string[];
  iat?: number;
  ect_ext?: Record<string, string>;
}

function ect(claims: Claims = {}, key: EctKeyPair = agent) {
  const iat = claims.iat ?? T0;
  return createEct(
    {
      iss: ISS,
      aud: "spiffe://example.org/ledger",
      exec_act: "task.run",
      pred: [],
      ...claims,
      iat,
      exp: iat + 600,
    },
    key,
    { clock: () => iat * 1000 },
  );
}

/** A ledger holding exactly `tokens`, in order, whatever they are (no DAG rules at append). */
async function ledgerOf(tokens: readonly string[]): Promise<MemoryLedger> {
  const ledger = new MemoryLedger({ clock: () => T0 * 1000 + 300_000, dag: false });
  for (const t of tokens) expect((await ledger.append(t)).status).toBe("appended");
  await ledger.integrate();
  return ledger;
}

const summary = (problems: readonly AuditProblem[]) => problems.map((p) => `${p.index}:${p.code}`);

describe("auditLedger", () => {
  it("finds nothing wrong in a sound ledger: leaves, tree, checkpoints, signatures and DAG", async () => {
    const wid = uuid();
    const root = uuid();
    const ledger = await ledgerOf([
      await ect({ wid, jti: root }),
      await ect({ wid, pred: [root], iat: T0 + 1 }),
    ]);
    const report = await auditLedger({ ledger, verifyToken });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({
      valid: true,
      entries: 2,
      checkpointSize: 2,
      signaturesVerified: true,
      dagChecked: true,
    });
  });

  it("reports a token whose signature does not verify, with its index", async () => {
    const ledger = await ledgerOf([await ect(), await ect({}, stranger), await ect()]);
    const report = await auditLedger({ ledger, verifyToken });
    expect(summary(report.problems)).toEqual([`1:${EctErrorCodes.SIGNATURE_INVALID}`]);
  });

  it("hands the verifier the entry's ingestion time and WIT (profile §5 step 11, §9 step 4)", async () => {
    const ledger = new MemoryLedger({ clock: () => T0 * 1000 + 7, dag: false });
    await ledger.append(await ect(), { wit: "eyJ0eXAiOiJ3aXQrand0In0.e30.c2ln" });
    const seen: unknown[] = [];
    await auditLedger({
      ledger,
      verifyToken: async (token, context) => {
        seen.push(context);
        return verifyToken(token, context);
      },
    });
    expect(seen).toEqual([{ ingestedAt: T0 * 1000 + 7, wit: "eyJ0eXAiOiJ3aXQrand0In0.e30.c2ln" }]);
  });

  it("re-checks the DAG through ect-dag: missing, cross-workflow, out-of-order and policy-refused predecessors", async () => {
    const wid = uuid();
    const late = uuid();
    const other = uuid();
    const refused = uuid();
    const tokens = [
      await ect({ wid, pred: [uuid()] }), // 0: missing
      await ect({ wid: uuid(), jti: other }),
      await ect({ wid, pred: [other] }), // 2: another workflow
      await ect({ wid, jti: late, iat: T0 + 100 }),
      await ect({ wid, pred: [late], iat: T0 }), // 4: parent issued 100 s later
      await ect({ wid, jti: refused, ect_ext: { pol: "policy-1", pol_decision: "rejected" } }),
      await ect({ wid, pred: [refused] }), // 6: policy
    ];
    const report = await auditLedger({ ledger: await ledgerOf(tokens), verifyToken });
    expect(summary(report.problems)).toEqual([
      `0:${EctErrorCodes.DAG_PRED_MISSING}`,
      `2:${EctErrorCodes.DAG_WORKFLOW_MISMATCH}`,
      `4:${EctErrorCodes.DAG_TEMPORAL_ORDER}`,
      `6:${EctErrorCodes.DAG_PRED_POLICY}`,
    ]);
  });

  it("skips the DAG with dag: false", async () => {
    const report = await auditLedger({ ledger: await ledgerOf([await ect({ pred: [uuid()] })]), dag: false });
    expect(report).toMatchObject({ valid: true, dagChecked: false, signaturesVerified: false });
  });

  it("reads page by page with the same result", async () => {
    const tokens = await Promise.all(Array.from({ length: 7 }, () => ect()));
    const ledger = await ledgerOf(tokens);
    const a = await auditLedger({ ledger, verifyToken, pageSize: 2 });
    const b = await auditLedger({ ledger, verifyToken });
    expect(a.valid && b.valid).toBe(true);
    expect(Buffer.from(a.root).toString("hex")).toBe(Buffer.from(b.root).toString("hex"));
  });

  it("counts conflicts kept as evidence without calling them problems", async () => {
    const jti = uuid();
    const ledger = await ledgerOf([await ect({ jti })]);
    await ledger.append(await ect({ jti, iat: T0 + 1 }));
    const report = await auditLedger({ ledger, verifyToken });
    expect(report).toMatchObject({ valid: true, conflicts: 1 });
  });

  it("refuses unknown and invalid options with ECT_CONFIG_INVALID, DAG options included", async () => {
    const ledger = await ledgerOf([]);
    for (const [bad, option] of [
      [{ ledger, dag: { maxTraversl: 5 } }, "dag.maxTraversl"],
      [{ ledger, dag: null }, "dag"],
      [{ ledger, pageSize: 0 }, "pageSize"],
      [{ ledger, verifyToken: 5 }, "verifyToken"],
      [{ ledger, verifyTokne: verifyToken }, "verifyTokne"],
      [{ ledger: {} }, "ledger"],
      [null, "options"],
    ] as const) {
      const rejected = auditLedger(bad as never);
      await expect(rejected, option).rejects.toBeInstanceOf(EctConfigError);
      await expect(rejected).rejects.toBeInstanceOf(TypeError);
      await expect(rejected).rejects.toMatchObject({ code: EctErrorCodes.CONFIG_INVALID, option });
    }
  });
});
