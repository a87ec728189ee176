import { readdirSync, readFileSync } from "node:fs";
import { EctConfigError, EctError, EctErrorCodes } from "ect-core";
import { fromHex, type JwsSigner } from "ect-core/internal";
import { createEct, createJwsSigner, type EctKeyPair, generateEctKeyPair, verifyReceipt } from "ect-crypto";
import { parseCheckpoint, verifyInclusion } from "ect-ledger";
import { beforeAll, describe, expect, it } from "vitest";
import { MemoryLedger } from "../src/index.js";

const NOW = 1_767_225_600_000;
const clock = () => NOW;
const uuid = () => globalThis.crypto.randomUUID();
const ISS = "spiffe://example.org/agent";

let agent: EctKeyPair;
let ledgerKey: EctKeyPair;

beforeAll(async () => {
  agent = await generateEctKeyPair({ kid: "agent-1" });
  ledgerKey = await generateEctKeyPair({ kid: "ledger-1" });
});

function ect(claims: { wid?: string; jti?: string; pred?: string[]; iat?: number; exec_act?: string } = {}) {
  return createEct(
    { iss: ISS, aud: "spiffe://example.org/ledger", exec_act: "task.run", pred: [], ...claims },
    agent,
    { clock, config: { maxPredLength: 0 } },
  );
}

const code = (c: string) => expect.objectContaining({ code: c });

describe("MemoryLedger enforces the DAG rules by default (profile §6)", () => {
  it("new MemoryLedger() refuses a token whose predecessor is missing with ECT_DAG_PRED_MISSING", async () => {
    const ledger = new MemoryLedger({ clock });
    expect(ledger.enforcesDagRules).toBe(true);
    const result = await ledger.append(await ect({ pred: [uuid()] }));
    expect(result.status).toBe("rejected");
    if (result.status === "rejected")
      expect(result.violations[0]).toEqual(code(EctErrorCodes.DAG_PRED_MISSING));
    expect(await ledger.size()).toBe(0);
  });

  it("turning the rules off is an explicit option (dag: false)", async () => {
    const ledger = new MemoryLedger({ clock, dag: false });
    expect(ledger.enforcesDagRules).toBe(false);
    expect((await ledger.append(await ect({ pred: [uuid()] }))).status).toBe("appended");
  });

  it("refuses a misspelt DAG option at construction", () => {
    expect(() => new MemoryLedger({ dag: { maxTraversl: 5 } as never })).toThrow(
      code(EctErrorCodes.CONFIG_INVALID),
    );
  });

  it("tells a predecessor stored in another workflow (ECT_DAG_WORKFLOW_MISMATCH)", async () => {
    const ledger = new MemoryLedger({ clock });
    const parent = uuid();
    expect((await ledger.append(await ect({ wid: uuid(), jti: parent }))).status).toBe("appended");
    const result = await ledger.append(await ect({ wid: uuid(), pred: [parent] }));
    expect(result.status === "rejected" && result.violations[0]!.code).toBe(
      EctErrorCodes.DAG_WORKFLOW_MISMATCH,
    );
  });
});

describe("MemoryLedger options", () => {
  it("refuses invalid or unknown options with ECT_CONFIG_INVALID", () => {
    // An EctConfigError (a TypeError, code ECT_CONFIG_INVALID) naming the option (issue 14).
    for (const [bad, option] of [
      [{ clock: 5 }, "clock"],
      [{ receiptSigner: {} }, "receiptSigner"],
      [{ maxTokenLength: -1 }, "maxTokenLength"],
      [{ checkpointBatch: 0 }, "checkpointBatch"],
      [{ checkpointInterval: 1.5 }, "checkpointInterval"],
      [{ origin: "has space" }, "origin"],
      [{ dag: "yes" }, "dag"],
      [{ dag: { maxTraversl: 5 } }, "dag.maxTraversl"],
      [{ backend: {} }, "backend"],
      [{ clokc: Date.now }, "clokc"],
    ] as const) {
      let thrown: unknown;
      try {
        new MemoryLedger(bad as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, option).toBeInstanceOf(EctConfigError);
      expect(thrown).toBeInstanceOf(TypeError);
      expect(thrown).toMatchObject({ code: EctErrorCodes.CONFIG_INVALID, option });
    }
  });

  it("refuses an append time that is not a non-negative integer, writing nothing", async () => {
    const ledger = new MemoryLedger({ clock });
    const token = await ect();
    for (const now of [-1, 1.5, Number.NaN]) {
      await expect(ledger.append(token, { now })).rejects.toEqual(code(EctErrorCodes.CONFIG_INVALID));
      await expect(ledger.append(token, { now })).rejects.toBeInstanceOf(EctConfigError);
    }
    expect(await ledger.size()).toBe(0);
  });

  it("enforces maxTokenLength before decoding (ECT_TOKEN_TOO_LONG)", async () => {
    const ledger = new MemoryLedger({ clock, maxTokenLength: 50 });
    await expect(ledger.append(await ect())).rejects.toEqual(code(EctErrorCodes.TOKEN_TOO_LONG));
  });

  it("uses the verifier's decoded claims instead of decoding again, and stores the WIT in the leaf", async () => {
    const ledger = new MemoryLedger({ clock, dag: false });
    const token = await ect();
    const [header, payload] = token
      .split(".")
      .slice(0, 2)
      .map((s) => JSON.parse(Buffer.from(s, "base64url").toString("utf8")));
    const claims = payload;
    const result = await ledger.append(token, {
      decoded: { header, claims },
      wit: "eyJ0eXAiOiJ3aXQrand0In0.e30.c2ln",
    });
    expect(result.status).toBe("appended");
    if (result.status !== "appended") return;
    expect(result.entry.claims).toBe(claims);
    expect(result.entry.wit).toBe("eyJ0eXAiOiJ3aXQrand0In0.e30.c2ln");
    // An unsigned (L1) token is never stored, decoded or not (profile §1).
    await expect(ledger.append(token.split(".")[1]!, { decoded: { claims } })).rejects.toEqual(
      code(EctErrorCodes.LEVEL_TOO_LOW),
    );
  });
});

describe("MemoryLedger receipts and checkpoints", () => {
  it("signs receipts that ect-crypto's verifyReceipt accepts with the ledger's public key", async () => {
    const ledger = new MemoryLedger({ clock, receiptSigner: createJwsSigner(ledgerKey) });
    const result = await ledger.append(await ect());
    expect(result.status).toBe("appended");
    if (result.status !== "appended") return;
    const verified = await verifyReceipt(result.receipt.jws!, ledgerKey);
    expect(verified).toEqual({
      index: 0,
      leafHash: result.entry.leafHash,
      ingestedAt: NOW,
      jti: result.entry.jti,
      wid: null,
    });
  });

  it("a failing receipt signer fails the append (ECT_LEDGER_APPEND_FAILED)", async () => {
    const failing: JwsSigner = {
      alg: "ES256",
      kid: "k",
      sign: async () => {
        throw new Error("HSM down");
      },
    };
    const ledger = new MemoryLedger({ clock, receiptSigner: failing });
    await expect(ledger.append(await ect())).rejects.toEqual(code(EctErrorCodes.LEDGER_APPEND_FAILED));
  });

  it("waitForCheckpoint returns an inclusion proof under a checkpoint that covers the entry", async () => {
    const ledger = new MemoryLedger({ clock, origin: "ect.example.org/ledger/test" });
    for (let i = 0; i < 5; i++) {
      const result = await ledger.append(await ect(), { waitForCheckpoint: true });
      expect(result.status).toBe("appended");
      if (result.status !== "appended") return;
      const { checkpoint, proof } = result.inclusion!;
      expect(parseCheckpoint(checkpoint.note)).toEqual({
        origin: "ect.example.org/ledger/test",
        treeSize: checkpoint.size,
        root: checkpoint.root,
        extensions: [],
      });
      verifyInclusion({
        leafHash: fromHex(result.entry.leafHash),
        index: result.entry.index,
        treeSize: checkpoint.size,
        proof,
        root: checkpoint.root,
      });
    }
  });
});

describe("MemoryLedger conflicts and errors", () => {
  it("records a re-sent conflicting token once", async () => {
    const ledger = new MemoryLedger({ clock });
    const jti = uuid();
    await ledger.append(await ect({ jti, exec_act: "a" }));
    const other = await ect({ jti, exec_act: "b" });
    const first = await ledger.append(other);
    const again = await ledger.append(other);
    expect(first.status === "conflict" && again.status === "conflict" && again.evidence).toEqual(
      first.status === "conflict" && first.evidence,
    );
    expect(await ledger.conflicts()).toHaveLength(1);
  });

  it("an EctError from a store lookup is passed through unchanged, nothing written", async () => {
    const ledger = new MemoryLedger({ clock });
    const backend = ledger.backend as unknown as { findByJti: (jti: string) => Promise<unknown> };
    backend.findByJti = async () => {
      throw new EctError(EctErrorCodes.LEDGER_UNAVAILABLE, "down");
    };
    await expect(ledger.append(await ect({ pred: [uuid()] }))).rejects.toEqual(
      code(EctErrorCodes.LEDGER_UNAVAILABLE),
    );
    expect(await ledger.size()).toBe(0);
  });

  it("answers lookups with wrong argument types with undefined / empty", async () => {
    const ledger = new MemoryLedger({ clock });
    expect(await ledger.get(5 as never, "x")).toBeUndefined();
    expect(await ledger.get(null, 5 as never)).toBeUndefined();
    expect(await ledger.getByIndex(-1)).toBeUndefined();
    expect(await ledger.listWorkflow(5 as never)).toEqual([]);
    expect(await ledger.findEctByJti(5 as never)).toBeUndefined();
    await expect(ledger.range({ start: -1 })).rejects.toEqual(code(EctErrorCodes.CONFIG_INVALID));
    await expect(ledger.range({ limit: 1.5 })).rejects.toMatchObject({
      name: "EctConfigError",
      option: "limit",
    });
  });
});

describe("ect-ledger-memory runs anywhere", () => {
  it("imports no node: module and uses no Node globals in src", () => {
    const dir = new URL("../src/", import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const text = readFileSync(new URL(file, dir), "utf8");
      expect(text, file).not.toMatch(/from\s+["']node:|require\(/);
      expect(text, file).not.toMatch(/\b(Buffer|process)\./);
    }
  });
});
