import { decodeEct, EctErrorCodes } from "ect-core";
import {
  type AuditProblem,
  auditLedger,
  base64urlDecode,
  base64urlEncode,
  chainHash,
  GENESIS_CHAIN_HASH,
  type LedgerEntryRecord,
  leafHash,
} from "ect-core/internal";
import {
  createAuditVerifier,
  createEct,
  type EctKeyPair,
  generateEctKeyPair,
  staticKeyResolver,
} from "ect-crypto";
import { createDagValidator } from "ect-dag";
import { beforeAll, describe, expect, it } from "vitest";
import { MemoryLedger } from "../src/index.js";
import { tamperMemoryLedger } from "../src/testing.js";

// auditLedger lives in ect-core (it needs only the Ledger interface); it is tested here, against a
// real ledger and real signatures.

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
  const ledger = new MemoryLedger({ clock: () => T0 * 1000 + 5_000 });
  for (const t of tokens) expect((await ledger.append(t)).status).toBe("appended");
  return ledger;
}

/** An export of `tokens` with correct hashes: the ledger imports it without checking signatures. */
async function exportOf(tokens: readonly string[]): Promise<string[]> {
  let previous = GENESIS_CHAIN_HASH;
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const claims = decodeEct(token).claims as { jti: string; wid?: string; iss: string };
    const leaf = await leafHash(token);
    previous = await chainHash(previous, leaf);
    const record: LedgerEntryRecord = {
      seq: i + 1,
      token,
      jti: claims.jti,
      wid: claims.wid ?? null,
      iss: claims.iss,
      ingestedAt: T0 * 1000 + i,
      leafHash: leaf,
      chainHash: previous,
    };
    out.push(JSON.stringify(record));
  }
  return out;
}

const summary = (problems: readonly AuditProblem[]) => problems.map((p) => `${p.seq}:${p.code}`);

describe("auditLedger", () => {
  it("finds nothing wrong in a sound ledger: chain, signatures and DAG all re-verified", async () => {
    const wid = uuid();
    const a = uuid();
    const b = uuid();
    const ledger = await ledgerOf([
      await ect({ wid, jti: a }),
      await ect({ wid, jti: b, pred: [a], iat: T0 + 10 }),
      await ect({ wid, pred: [a, b], iat: T0 + 20 }),
      await ect(),
    ]);
    const report = await auditLedger({ ledger, verifyToken });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({
      valid: true,
      entries: 4,
      signaturesVerified: true,
      dagChecked: true,
      conflicts: 0,
      chain: { valid: true },
    });
    expect(report.head).toEqual(await ledger.head());
  });

  it("re-verifies at ingestion time: long-expired tokens are not a problem (SPEC 5.11)", async () => {
    const ledger = await ledgerOf([await ect({ iat: 1_500_000_000 })]);
    expect((await auditLedger({ ledger, verifyToken })).problems).toEqual([]);
  });

  it("reports every token whose signature does not verify, each with its entry", async () => {
    const good = await ect();
    const unknownKey = await ect({}, stranger); // same kid, another key
    const flipped = await ect();
    const [h, p, s] = flipped.split(".") as [string, string, string];
    const sig = base64urlDecode(s);
    sig[10] = sig[10]! ^ 1;
    const badSig = `${h}.${p}.${base64urlEncode(sig)}`;
    const ledger = new MemoryLedger();
    await ledger.importJsonl(await exportOf([good, unknownKey, badSig]));
    const report = await auditLedger({ ledger, verifyToken });
    expect(report.valid).toBe(false);
    expect(summary(report.problems)).toEqual([
      `2:${EctErrorCodes.SIGNATURE_INVALID}`,
      `3:${EctErrorCodes.SIGNATURE_INVALID}`,
    ]);
    const second = report.problems[0]!;
    const claims = decodeEct(unknownKey).claims;
    expect(second).toMatchObject({ seq: 2, jti: claims["jti"], wid: null });
    expect(second.message.length).toBeGreaterThan(0);
    expect(report.chain.valid).toBe(true);
  });

  it("without a token verifier, re-checks header and claim rules and says signatures were not verified", async () => {
    const ledger = new MemoryLedger();
    const token = await ect();
    const [, p, s] = (await ect()).split(".") as [string, string, string];
    const jwtTyp = `${base64urlEncode(new TextEncoder().encode(JSON.stringify({ alg: "ES256", typ: "JWT", kid: "k" })))}.${p}.${s}`;
    await ledger.importJsonl(await exportOf([token, jwtTyp]));
    const report = await auditLedger({ ledger });
    expect(report.signaturesVerified).toBe(false);
    expect(summary(report.problems)).toEqual([`2:${EctErrorCodes.TYP_INVALID}`]);
  });

  it("reports every tampered entry, not just the first, and the ledger's own verdict", async () => {
    const tokens = await Promise.all(Array.from({ length: 6 }, () => ect()));
    const ledger = await ledgerOf(tokens);
    tamperMemoryLedger(ledger, 2, { chainHash: "c".repeat(64) });
    tamperMemoryLedger(ledger, 5, { token: await ect() });
    const report = await auditLedger({ ledger, verifyToken });
    expect(report.chain).toMatchObject({ valid: false, brokenAt: 2 });
    const chainProblems = report.problems.filter((p) => p.code === EctErrorCodes.LEDGER_CHAIN_BROKEN);
    // Entry 2's chain hash is wrong; entry 3 no longer follows from it; entry 5's token is not its
    // leaf, and its jti is not the entry's.
    expect(chainProblems.map((p) => p.seq)).toEqual([2, 3, 5, 5]);
    expect(report.problems.find((p) => p.seq === 5 && p.member === "jti")).toBeDefined();
  });

  it("reports an entry holding another entry's token: chain, identity fields and duplicate identity", async () => {
    const tokens = await Promise.all(Array.from({ length: 3 }, () => ect()));
    const ledger = await ledgerOf(tokens);
    tamperMemoryLedger(ledger, 3, { token: tokens[0]!, leafHash: await leafHash(tokens[0]!) });
    const report = await auditLedger({ ledger, verifyToken });
    const codes = report.problems.filter((p) => p.seq === 3).map((p) => p.code);
    expect(codes).toContain(EctErrorCodes.LEDGER_CHAIN_BROKEN);
    expect(codes).toContain(EctErrorCodes.DAG_DUPLICATE_JTI);
  });

  it("re-checks the DAG: missing, later, cross-workflow, out-of-order and policy-refused predecessors", async () => {
    const wid = uuid();
    const other = uuid();
    const later = uuid();
    const elsewhere = uuid();
    const parent = uuid();
    const rejected = uuid();
    const ledger = await ledgerOf([
      await ect({ wid: other, jti: elsewhere }), // 1
      await ect({ wid, pred: [uuid()] }), // 2: missing
      await ect({ wid, pred: [later] }), // 3: stored only at 4
      await ect({ wid, jti: later }), // 4
      await ect({ wid, pred: [elsewhere] }), // 5: another workflow
      await ect({ wid, jti: parent, iat: T0 + 100 }), // 6
      await ect({ wid, pred: [parent], iat: T0 + 100 - 31 }), // 7: parent issued after it (skew 30)
      await ect({ wid, jti: rejected, ect_ext: { pol: "p", pol_decision: "rejected" } }), // 8
      await ect({ wid, pred: [rejected] }), // 9: parent refused by policy
      await ect({ wid, pred: [parent], iat: T0 + 100 }), // 10: fine
    ]);
    const report = await auditLedger({ ledger, verifyToken });
    expect(summary(report.problems)).toEqual([
      `2:${EctErrorCodes.DAG_PRED_MISSING}`,
      `3:${EctErrorCodes.DAG_PRED_MISSING}`,
      `5:${EctErrorCodes.DAG_WORKFLOW_MISMATCH}`,
      `7:${EctErrorCodes.DAG_TEMPORAL_ORDER}`,
      `9:${EctErrorCodes.DAG_PRED_POLICY}`,
    ]);
    expect(report.problems[0]).toMatchObject({ member: "pred[0]", wid });
    // Rule options are honoured.
    const lenient = await auditLedger({
      ledger,
      verifyToken,
      dag: { unresolvedPredecessors: "allow", clockSkewSec: 60, predecessorPolicy: false },
    });
    expect(summary(lenient.problems)).toEqual([`5:${EctErrorCodes.DAG_WORKFLOW_MISMATCH}`]);
    expect(lenient.unresolvedPredecessors.map((u) => u.seq)).toEqual([2, 3]);
  });

  it("finds a cycle closed through a forward reference (possible only when unresolved preds were allowed)", async () => {
    const wid = uuid();
    const a = uuid();
    const b = uuid();
    const ledger = await ledgerOf([
      await ect({ wid, jti: a, pred: [b] }),
      await ect({ wid, jti: b, pred: [a] }),
    ]);
    const report = await auditLedger({ ledger, verifyToken, dag: { unresolvedPredecessors: "allow" } });
    expect(summary(report.problems)).toEqual([`1:${EctErrorCodes.DAG_CYCLE}`]);
    const strict = await auditLedger({ ledger, verifyToken });
    expect(summary(strict.problems)).toEqual([`1:${EctErrorCodes.DAG_PRED_MISSING}`]);
  });

  it("runs a DagValidator (ect-dag) against the entries before each one", async () => {
    const wid = uuid();
    const a = uuid();
    const ledger = await ledgerOf([
      await ect({ wid, pred: [a] }), // 1: a comes later
      await ect({ wid, jti: a }), // 2
      await ect({ wid, pred: [a], iat: T0 + 1 }), // 3: fine
    ]);
    const report = await auditLedger({ ledger, verifyToken, dag: createDagValidator() });
    expect(summary(report.problems)).toEqual([`1:${EctErrorCodes.DAG_PRED_MISSING}`]);
    expect(report.dagChecked).toBe(true);
  });

  it("skips the DAG with dag: false", async () => {
    const ledger = await ledgerOf([await ect({ pred: [uuid()] })]);
    const report = await auditLedger({ ledger, verifyToken, dag: false });
    expect(report).toMatchObject({ valid: true, dagChecked: false });
  });

  it("reads page by page with the same result", async () => {
    const wid = uuid();
    const tokens = [await ect({ wid, pred: [uuid()] })];
    for (let i = 0; i < 6; i++) tokens.push(await ect({ wid }));
    tokens.push(await ect({ wid, pred: [uuid()] }));
    const ledger = await ledgerOf(tokens);
    tamperMemoryLedger(ledger, 4, { leafHash: "d".repeat(64) });
    const whole = await auditLedger({ ledger, verifyToken });
    const paged = await auditLedger({ ledger, verifyToken, pageSize: 3 });
    expect(paged.problems).toEqual(whole.problems);
    expect(summary(whole.problems)).toEqual([
      `1:${EctErrorCodes.DAG_PRED_MISSING}`,
      `4:${EctErrorCodes.LEDGER_CHAIN_BROKEN}`,
      `4:${EctErrorCodes.LEDGER_CHAIN_BROKEN}`,
      `8:${EctErrorCodes.DAG_PRED_MISSING}`,
    ]);
  });

  it("counts conflicts kept as evidence without calling them problems", async () => {
    const jti = uuid();
    const ledger = await ledgerOf([await ect({ jti })]);
    await ledger.append(await ect({ jti, iat: T0 + 1 }));
    const report = await auditLedger({ ledger, verifyToken });
    expect(report).toMatchObject({ valid: true, conflicts: 1 });
  });

  it("does not trust the backend's head or range: missing entries, a wrong head, a range that does not advance", async () => {
    const ledger = await ledgerOf(await Promise.all(Array.from({ length: 5 }, () => ect())));
    const head = await ledger.head();
    const withHead = (fake: Partial<typeof head>) =>
      new Proxy(ledger, {
        get: (target, name) =>
          name === "head"
            ? async () => ({ ...head, ...fake })
            : Reflect.get(target, name, target).bind(target),
      });
    const longer = await auditLedger({ ledger: withHead({ seq: 7 }), verifyToken });
    expect(longer.problems.map((p) => [p.seq, p.code, p.message])).toEqual([
      [6, EctErrorCodes.LEDGER_CHAIN_BROKEN, "entries 6 to 7 are missing"],
    ]);
    const otherHash = await auditLedger({ ledger: withHead({ chainHash: "e".repeat(64) }), verifyToken });
    expect(summary(otherHash.problems)).toEqual([`5:${EctErrorCodes.LEDGER_CHAIN_BROKEN}`]);
    const stuck = new Proxy(ledger, {
      get: (target, name) =>
        name === "range"
          ? () => target.range({ fromSeq: 1, limit: 2 })
          : Reflect.get(target, name, target).bind(target),
    });
    const report = await auditLedger({ ledger: stuck, verifyToken, pageSize: 2 });
    expect(report.valid).toBe(false);
    expect(report.problems.some((p) => p.message.includes("returned earlier entries"))).toBe(true);
  });

  it("refuses invalid options with ECT_CONFIG_INVALID", async () => {
    const ledger = new MemoryLedger();
    const invalid = expect.objectContaining({ code: EctErrorCodes.CONFIG_INVALID });
    await expect(auditLedger({ ledger: {} as never })).rejects.toThrowError(invalid);
    await expect(auditLedger({ ledger, pageSize: 0 })).rejects.toThrowError(invalid);
    await expect(auditLedger({ ledger, verifyToken: 1 as never })).rejects.toThrowError(invalid);
    await expect(
      auditLedger({ ledger, dag: { unresolvedPredecessors: "maybe" as never } }),
    ).rejects.toThrowError(invalid);
    await expect(auditLedger({ ledger, dag: { maxTraversal: -1 } })).rejects.toThrowError(invalid);
  });
});
