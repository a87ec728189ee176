import { readdirSync, readFileSync } from "node:fs";
import { EctError, EctErrorCodes } from "ect-core";
import type { JwsSigner, LedgerEntryRecord } from "ect-core/internal";
import { createEct, createJwsSigner, type EctKeyPair, generateEctKeyPair, verifyReceipt } from "ect-crypto";
import { createDagValidator } from "ect-dag";
import { KNOWN_ANSWER_EXPORT } from "ect-ledger-testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { MemoryLedger } from "../src/index.js";
import { tamperMemoryLedger } from "../src/testing.js";

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

async function lines(ledger: MemoryLedger): Promise<string[]> {
  const out: string[] = [];
  for await (const line of ledger.exportJsonl()) out.push(line);
  return out;
}

const code = (c: string) => expect.objectContaining({ code: c });

describe("MemoryLedger options", () => {
  it("refuses invalid options with ECT_CONFIG_INVALID", () => {
    expect(() => new MemoryLedger({ clock: 5 as never })).toThrowError(code(EctErrorCodes.CONFIG_INVALID));
    expect(() => new MemoryLedger({ dag: {} as never })).toThrowError(code(EctErrorCodes.CONFIG_INVALID));
    expect(() => new MemoryLedger({ receiptSigner: {} as never })).toThrowError(
      code(EctErrorCodes.CONFIG_INVALID),
    );
    expect(() => new MemoryLedger({ maxTokenLength: -1 })).toThrowError(code(EctErrorCodes.CONFIG_INVALID));
    expect(() => new MemoryLedger({ maxPredLength: 1.5 })).toThrowError(code(EctErrorCodes.CONFIG_INVALID));
  });

  it("refuses an append time that is not a non-negative integer, writing nothing", async () => {
    const ledger = new MemoryLedger({ clock });
    const token = await ect();
    await expect(ledger.append(token, { now: Number.NaN })).rejects.toThrowError(
      code(EctErrorCodes.CONFIG_INVALID),
    );
    await expect(ledger.append(token, { now: -1 })).rejects.toThrowError(code(EctErrorCodes.CONFIG_INVALID));
    expect(ledger.size).toBe(0);
  });

  it("enforces maxTokenLength before decoding (ECT_TOKEN_TOO_LONG)", async () => {
    const token = await ect();
    const ledger = new MemoryLedger({ clock, maxTokenLength: token.length - 1 });
    await expect(ledger.append(token)).rejects.toThrowError(code(EctErrorCodes.TOKEN_TOO_LONG));
    expect(ledger.size).toBe(0);
  });

  it("enforces maxPredLength (default 100, ECT_PRED_INVALID); 0 means unlimited", async () => {
    const token = await ect({ pred: Array.from({ length: 101 }, uuid) });
    await expect(new MemoryLedger({ clock }).append(token)).rejects.toThrowError(
      code(EctErrorCodes.PRED_INVALID),
    );
    const unlimited = new MemoryLedger({ clock, maxPredLength: 0 });
    expect((await unlimited.append(token)).status).toBe("appended");
  });

  it("uses Date.now without a clock", async () => {
    const before = Date.now();
    const result = await new MemoryLedger().append(await ect());
    expect(result.status === "appended" && result.entry.ingestedAt).toBeGreaterThanOrEqual(before);
  });
});

describe("MemoryLedger receipts", () => {
  it("signs receipts that ect-crypto's verifyReceipt accepts with the ledger's public key", async () => {
    const ledger = new MemoryLedger({ clock, receiptSigner: createJwsSigner(ledgerKey) });
    const result = await ledger.append(await ect({ wid: uuid() }));
    expect(result.status).toBe("appended");
    if (result.status !== "appended") return;
    const { jws, ...fields } = result.receipt;
    expect(await verifyReceipt(jws!, ledgerKey)).toEqual(fields);
    const other = await generateEctKeyPair({ kid: "ledger-1" });
    await expect(verifyReceipt(jws!, other)).rejects.toThrowError(code(EctErrorCodes.SIGNATURE_INVALID));
  });

  it("a failing receipt signer fails the append (ECT_LEDGER_APPEND_FAILED) and writes nothing", async () => {
    let fail = true;
    const real = createJwsSigner(ledgerKey);
    const flaky: JwsSigner = {
      alg: real.alg,
      kid: real.kid,
      sign: (payload, typ) => (fail ? Promise.reject(new Error("HSM offline")) : real.sign(payload, typ)),
    };
    const ledger = new MemoryLedger({ clock, receiptSigner: flaky });
    const token = await ect();
    await expect(ledger.append(token)).rejects.toThrowError(code(EctErrorCodes.LEDGER_APPEND_FAILED));
    expect(ledger.size).toBe(0);
    fail = false;
    const result = await ledger.append(token);
    expect(result.status === "appended" && result.entry.seq).toBe(1);
  });

  it("imported entries get a signed receipt on the first duplicate, and the same one afterwards", async () => {
    const ledger = new MemoryLedger({ clock, receiptSigner: createJwsSigner(ledgerKey) });
    await ledger.importJsonl(KNOWN_ANSWER_EXPORT);
    const token = (JSON.parse(KNOWN_ANSWER_EXPORT[1]!) as LedgerEntryRecord).token;
    const first = await ledger.append(token);
    const second = await ledger.append(token);
    expect(first.status).toBe("duplicate");
    if (first.status !== "duplicate" || second.status !== "duplicate") return;
    expect(first.receipt.seq).toBe(2);
    expect(await verifyReceipt(first.receipt.jws!, ledgerKey)).toMatchObject({ seq: 2 });
    expect(second.receipt).toBe(first.receipt);
  });
});

describe("MemoryLedger DAG rules", () => {
  it("tells a predecessor stored in another workflow (ECT_DAG_WORKFLOW_MISMATCH) through findEctByJti", async () => {
    const ledger = new MemoryLedger({ clock, dag: createDagValidator() });
    const parent = uuid();
    expect((await ledger.append(await ect({ wid: uuid(), jti: parent }))).status).toBe("appended");
    expect((await ledger.findEctByJti(parent.toUpperCase()))?.claims.jti).toBe(parent);
    const child = await ledger.append(await ect({ wid: uuid(), pred: [parent] }));
    expect(child.status).toBe("rejected");
    if (child.status === "rejected") {
      expect(child.violations.map((v) => v.code)).toContain(EctErrorCodes.DAG_WORKFLOW_MISMATCH);
    }
    expect(ledger.size).toBe(1);
  });

  it("a DAG validator that throws fails the append (ECT_LEDGER_APPEND_FAILED) and writes nothing", async () => {
    const ledger = new MemoryLedger({
      clock,
      dag: async () => {
        throw new Error("validator bug");
      },
    });
    await expect(ledger.append(await ect())).rejects.toThrowError(code(EctErrorCodes.LEDGER_APPEND_FAILED));
    expect(ledger.size).toBe(0);
    expect((await ledger.verifyChain()).valid).toBe(true);
  });

  it("an EctError thrown by the DAG validator is passed through unchanged, nothing written", async () => {
    const ledger = new MemoryLedger({
      clock,
      dag: async () => {
        throw new EctError(EctErrorCodes.LEDGER_UNAVAILABLE, "store down");
      },
    });
    await expect(ledger.append(await ect())).rejects.toThrowError(code(EctErrorCodes.LEDGER_UNAVAILABLE));
    expect(ledger.size).toBe(0);
  });
});

describe("MemoryLedger conflicts", () => {
  it("records a re-sent conflicting token once", async () => {
    const ledger = new MemoryLedger({ clock });
    const wid = uuid();
    const jti = uuid();
    await ledger.append(await ect({ wid, jti }));
    const forged = await ect({ wid, jti, exec_act: "forged" });
    const a = await ledger.append(forged);
    const b = await ledger.append(forged);
    expect(a.status === "conflict" && b.status === "conflict" && b.evidence).toBe(
      a.status === "conflict" && a.evidence,
    );
    expect(await ledger.conflicts()).toHaveLength(1);
  });

  it("an import needs an empty ledger: not even conflicts recorded", async () => {
    const ledger = new MemoryLedger({ clock });
    await expect(ledger.importJsonl([])).resolves.toMatchObject({ imported: 0 });
    const wid = uuid();
    const jti = uuid();
    await ledger.append(await ect({ wid, jti }));
    await expect(ledger.importJsonl(KNOWN_ANSWER_EXPORT)).rejects.toThrowError(
      code(EctErrorCodes.LEDGER_IMPORT_INVALID),
    );
  });
});

describe("MemoryLedger import and export", () => {
  it("imports a whole JSON Lines string, skipping blank lines and a trailing newline", async () => {
    const ledger = new MemoryLedger({ clock });
    const text = `${KNOWN_ANSWER_EXPORT.join("\n")}\n\n`;
    const result = await ledger.importJsonl(text as unknown as Iterable<string>);
    expect(result.imported).toBe(3);
    expect(await lines(ledger)).toEqual([...KNOWN_ANSWER_EXPORT]);
  });

  it("refuses duplicate JSON members in a line (strict JSON), naming the line", async () => {
    const ledger = new MemoryLedger({ clock });
    const [first] = KNOWN_ANSWER_EXPORT;
    const dup = first!.replace('"seq":1,', '"seq":1,"seq":1,');
    await expect(ledger.importJsonl([dup])).rejects.toThrowError(
      expect.objectContaining({
        code: EctErrorCodes.LEDGER_IMPORT_INVALID,
        message: expect.stringContaining("line 1"),
      }),
    );
  });

  it("keeps working after a refused import (the append queue recovers)", async () => {
    const ledger = new MemoryLedger({ clock });
    await expect(ledger.importJsonl(["{}"])).rejects.toThrowError(code(EctErrorCodes.LEDGER_IMPORT_INVALID));
    await expect(ledger.importJsonl([42 as unknown as string])).rejects.toThrowError(
      code(EctErrorCodes.LEDGER_IMPORT_INVALID),
    );
    expect((await ledger.append(await ect())).status).toBe("appended");
  });

  it("exports a snapshot: entries appended during the export are not in it", async () => {
    const ledger = new MemoryLedger({ clock });
    for (let i = 0; i < 3; i++) await ledger.append(await ect());
    const out: string[] = [];
    for await (const line of ledger.exportJsonl()) {
      out.push(line);
      if (out.length === 1) await ledger.append(await ect());
    }
    expect(out).toHaveLength(3);
    expect(ledger.size).toBe(4);
  });
});

describe("MemoryLedger queries", () => {
  it("refuses range bounds that are not non-negative integers (ECT_CONFIG_INVALID)", async () => {
    const ledger = new MemoryLedger({ clock });
    await expect(ledger.range({ fromSeq: 1.5 })).rejects.toThrowError(code(EctErrorCodes.CONFIG_INVALID));
    await expect(ledger.range({ limit: -1 })).rejects.toThrowError(code(EctErrorCodes.CONFIG_INVALID));
    await expect(ledger.range({ fromSeq: 0 })).resolves.toEqual([]);
  });

  it("answers lookups with wrong argument types with undefined / empty", async () => {
    const ledger = new MemoryLedger({ clock });
    await ledger.append(await ect());
    expect(await ledger.get(null, 42 as never)).toBeUndefined();
    expect(await ledger.get(7 as never, uuid())).toBeUndefined();
    expect(await ledger.getBySeq(1.5)).toBeUndefined();
    expect(await ledger.findEctByJti(undefined as never)).toBeUndefined();
    expect(await ledger.listWorkflow(3 as never)).toEqual([]);
  });
});

describe("tamperMemoryLedger (test hook)", () => {
  it("throws RangeError for a seq that does not exist", async () => {
    const ledger = new MemoryLedger({ clock });
    expect(() => tamperMemoryLedger(ledger, 1, { token: "x" })).toThrowError(RangeError);
  });

  it("is not reachable from the main entry", async () => {
    const main = await import("../src/index.js");
    expect(Object.keys(main)).toEqual(["MemoryLedger"]);
  });
});

describe("ect-ledger-memory runs anywhere", () => {
  it("imports no node: module and uses no Node globals in src", () => {
    const dir = new URL("../src/", import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const text = readFileSync(new URL(file, dir), "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/^\s*\/\/.*$/gm, "");
      expect(text, file).not.toMatch(/from\s+["']node:|require\(|import\(["']node:/);
      expect(text, file).not.toMatch(/\b(Buffer|process)\./);
      expect(text, file).not.toMatch(/from\s+["'](?!ect-core(\/internal)?["']|\.\/)/);
    }
  });
});
