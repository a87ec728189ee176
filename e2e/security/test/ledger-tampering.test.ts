/**
 * Ledger tampering (profile §7): an attacker with write access to an export (or to the storage)
 * edits, reorders, drops or duplicates entries, and can recompute every leaf hash (they have no
 * secret), but cannot sign a checkpoint without the ledger's note key. Each edit is refused by the
 * import, or found by the audit against a signed checkpoint, with the first bad index named; an
 * attacker who also strips the checkpoints is caught by anyone holding an earlier checkpoint.
 * Receipts cannot be swapped between ledgers or protocols.
 */
import type { LedgerReceipt } from "ect-core";
import { createEctVerifier, createJwsSigner, staticKeyResolver, verifyReceipt } from "ect-crypto";
import {
  auditLedger,
  entryLeafHash,
  exportLedgerJsonl,
  importLedgerJsonl,
  verifyConsistency,
} from "ect-ledger";
import { MemoryLedger } from "ect-ledger-memory";
import { tamperMemoryLedger } from "ect-ledger-memory/testing";
import { createTestNoteSigner, type TestNoteSigner } from "ect-ledger-testkit";
import { beforeAll, describe, expect, it } from "vitest";
import {
  C,
  claimsTextOf,
  expectRefused,
  fixedClock,
  headerText,
  keyPair,
  makeWorld,
  malleate,
  mint,
  randomUUID,
  refusalCode,
  segments,
  T0_MS,
  VERIFIER_ID,
  type World,
} from "./support/world.js";

const ORIGIN = "ect.example.org/ledger/security";

let w: World;
let ledgerKey: Awaited<ReturnType<typeof keyPair>>;
let noteSigner: TestNoteSigner;
let lines: string[];
let receipts: LedgerReceipt[];
let tokens: string[];
let published: { size: number; root: Uint8Array };

const newLedger = (options: { dag?: false } = {}) =>
  new MemoryLedger({ origin: ORIGIN, noteSigner, ...options });

beforeAll(async () => {
  w = await makeWorld();
  ledgerKey = await keyPair("ES256", "ledger-1");
  noteSigner = await createTestNoteSigner(ORIGIN);
  const ledger = new MemoryLedger({ origin: ORIGIN, noteSigner, receiptSigner: createJwsSigner(ledgerKey) });
  const wid = randomUUID();
  tokens = [];
  receipts = [];
  let pred: string[] = [];
  for (let i = 0; i < 5; i++) {
    const token = await mint(i % 2 ? w.keyB : w.keyA, {
      ...(i % 2 ? { iss: "spiffe://example.org/agent-b" } : {}),
      wid,
      pred,
      exec_act: `step-${i}`,
    });
    const result = await ledger.append(token, { now: T0_MS + i * 1000, waitForCheckpoint: true });
    if (result.status !== "appended") throw new Error(result.status);
    tokens.push(token);
    receipts.push(result.receipt);
    pred = [JSON.parse(claimsTextOf(token)).jti];
  }
  const latest = (await ledger.latestCheckpoint())!;
  published = { size: latest.size, root: latest.root };
  lines = [];
  for await (const line of exportLedgerJsonl(ledger)) lines.push(line);
});

type Line = Record<string, unknown>;
const parse = (ls: readonly string[]): Line[] => ls.map((l) => JSON.parse(l) as Line);
const encode = (ls: readonly Line[]): string[] => ls.map((l) => JSON.stringify(l));
const entryAt = (i: number) => 1 + i; // line 0 is the header

/** Recomputes every entry's leaf hash, as an attacker can: leaves have no secret. */
function releaf(ls: readonly Line[]): Line[] {
  let index = 0;
  return ls.map((l) =>
    l["type"] !== "entry"
      ? l
      : {
          ...l,
          index: index++,
          leafHash: entryLeafHash({
            token: l["token"] as string,
            ingestedAt: l["ingestedAt"] as number,
            wit: l["wit"] as string | null,
          }),
        },
  );
}

async function importCode(input: string[]): Promise<string> {
  const ledger = newLedger();
  const code = await refusalCode(importLedgerJsonl(ledger, input));
  expect(await ledger.size()).toBe(0);
  return code;
}

describe("tampered exports (profile §7 import verifies everything before storing anything)", () => {
  const forged = () => mint(w.keyA, { exec_act: "wire-all-funds" });
  it.each([
    [
      "a token replaced",
      async (ls: Line[]) => ls.map((l, i) => (i === entryAt(2) ? { ...l, token: tokens[0] } : l)),
    ],
    [
      "an ingestion time",
      async (ls: Line[]) =>
        ls.map((l, i) => (i === entryAt(2) ? { ...l, ingestedAt: (l["ingestedAt"] as number) + 1 } : l)),
    ],
    [
      "a WIT added",
      async (ls: Line[]) => ls.map((l, i) => (i === entryAt(2) ? { ...l, wit: "eyJhIjoxfQ.e30.c2ln" } : l)),
    ],
    [
      "a leaf hash",
      async (ls: Line[]) => ls.map((l, i) => (i === entryAt(1) ? { ...l, leafHash: "0".repeat(64) } : l)),
    ],
  ])("%s, leaf not recomputed: refused", async (_label, edit) => {
    expect(await importCode(encode(await edit(parse(lines))))).toBe(C.LEDGER_IMPORT_INVALID);
  });

  it.each([
    [
      "a token forged",
      async (ls: Line[]) => ls.map(async (l, i) => (i === entryAt(2) ? { ...l, token: await forged() } : l)),
    ],
    [
      "an ingestion time moved",
      async (ls: Line[]) => ls.map((l, i) => (i === entryAt(3) ? { ...l, ingestedAt: 0 } : l)),
    ],
    ["two entries swapped", async (ls: Line[]) => [ls[0]!, ls[2]!, ls[1]!, ...ls.slice(3)]],
    ["a middle entry dropped", async (ls: Line[]) => [ls[0]!, ls[1]!, ...ls.slice(3)]],
    [
      "a WIT added",
      async (ls: Line[]) => ls.map((l, i) => (i === entryAt(4) ? { ...l, wit: "eyJhIjoxfQ.e30.c2ln" } : l)),
    ],
  ])("%s with every leaf recomputed: refused by the signed checkpoint's root", async (_label, edit) => {
    const edited = releaf(await Promise.all(await edit(parse(lines))));
    expect(await importCode(encode(edited))).toBe(C.LEDGER_IMPORT_INVALID);
  });

  it("a forged entry with the checkpoints stripped imports, but anyone holding a published checkpoint sees the fork", async () => {
    const stripped = releaf(
      await Promise.all(
        parse(lines).map(async (l, i) => (i === entryAt(2) ? { ...l, token: await forged() } : l)),
      ),
    ).filter((l) => l["type"] !== "checkpoint");
    const ledger = newLedger({ dag: false });
    expect((await importLedgerJsonl(ledger, encode(stripped))).entries).toBe(5);
    const latest = await ledger.integrate(); // the operator signs a new checkpoint over the forgery
    expect(latest?.size).toBe(published.size);
    // A monitor that kept the published checkpoint: same size, other root -> inconsistent.
    expect(Buffer.from(latest!.root).equals(Buffer.from(published.root))).toBe(false);
    expect(() =>
      verifyConsistency({
        size1: 3,
        size2: published.size,
        root1: published.root,
        root2: latest!.root,
        proof: [],
      }),
    ).toThrow();
  });

  it("the untouched export imports and audits clean, with the receipts' leaf hashes", async () => {
    const ledger = newLedger();
    expect((await importLedgerJsonl(ledger, lines)).entries).toBe(5);
    const report = await auditLedger({ ledger });
    expect(report.problems).toEqual([]);
    for (const [i, r] of receipts.entries()) expect((await ledger.getByIndex(i))?.leafHash).toBe(r.leafHash);
  });
});

describe("tampering in storage, found against the stored checkpoint", () => {
  async function stored(): Promise<MemoryLedger> {
    const ledger = newLedger();
    await importLedgerJsonl(ledger, lines);
    return ledger;
  }

  it("a token edited in place (even a same-claims re-encoding) is named at its index", async () => {
    const ledger = await stored();
    tamperMemoryLedger(ledger, (entries) => {
      entries[2] = { ...entries[2]!, token: malleate(tokens[2]!) };
    });
    const report = await auditLedger({ ledger, dag: false });
    expect(report.valid).toBe(false);
    expect(report.firstBadIndex).toBe(2);
    expect(report.problems.map((p) => [p.index, p.code])).toContainEqual([2, C.LEDGER_TREE_MISMATCH]);
  });

  it("a token and its leaf hash rewritten together are named at their index", async () => {
    const ledger = await stored();
    const forged = await mint(w.keyA, { exec_act: "wire-all-funds" });
    tamperMemoryLedger(ledger, (entries) => {
      const e = entries[3]!;
      entries[3] = {
        ...e,
        token: forged,
        leafHash: entryLeafHash({ token: forged, ingestedAt: e.ingestedAt, wit: e.wit }),
      };
    });
    const report = await auditLedger({ ledger, dag: false });
    expect(report.firstBadIndex).toBe(3);
  });

  it("a truncated log is found (the checkpoint covers more than is stored)", async () => {
    const ledger = await stored();
    tamperMemoryLedger(ledger, (entries) => void entries.splice(3));
    const report = await auditLedger({ ledger, dag: false });
    expect(report.valid).toBe(false);
    expect(report.firstBadIndex).toBe(3);
  });

  it("conflicting tokens kept as evidence travel with the export", async () => {
    const source = newLedger();
    await importLedgerJsonl(source, lines);
    const rival = await mint(w.keyA, { ...JSON.parse(claimsTextOf(tokens[0]!)), exec_act: "rival" });
    expect((await source.append(rival, { now: T0_MS })).status).toBe("conflict");
    const exported: string[] = [];
    for await (const line of exportLedgerJsonl(source)) exported.push(line);
    const migrated = newLedger();
    await importLedgerJsonl(migrated, exported);
    expect((await migrated.conflicts()).map((c) => c.token)).toEqual([rival]);
  });
});

describe("receipts cannot be swapped", () => {
  it("a receipt of another ledger (same kid, other key) is refused with ECT_SIGNATURE_INVALID", async () => {
    const impostorKey = await keyPair("ES256", "ledger-1");
    const impostor = new MemoryLedger({ receiptSigner: createJwsSigner(impostorKey) });
    const result = await impostor.append(tokens[0]!, { now: T0_MS });
    if (result.status !== "appended") throw new Error(result.status);
    await expectRefused(verifyReceipt(result.receipt.jws!, ledgerKey), C.SIGNATURE_INVALID);
  });

  it("a receipt binds its entry's exact token and time: another entry's (or a re-encoding's) leaf differs", async () => {
    const first = await verifyReceipt(receipts[0]!.jws!, ledgerKey);
    expect(first.leafHash).toBe(entryLeafHash({ token: tokens[0]!, ingestedAt: first.ingestedAt }));
    expect(first.leafHash).not.toBe(entryLeafHash({ token: tokens[1]!, ingestedAt: first.ingestedAt }));
    // A duplicate append returns the stored entry's receipt, which attests the stored bytes.
    const ledger = new MemoryLedger({ receiptSigner: createJwsSigner(ledgerKey) });
    const appended = await ledger.append(tokens[0]!, { now: T0_MS });
    const duplicate = await ledger.append(malleate(tokens[0]!), { now: T0_MS + 5 });
    expect(duplicate.status).toBe("duplicate");
    if (appended.status !== "appended" || duplicate.status !== "duplicate") throw new Error("unexpected");
    // The same receipt fields, signed (ECDSA signatures differ per signing, the content does not).
    expect(await verifyReceipt(duplicate.receipt.jws!, ledgerKey)).toEqual(
      await verifyReceipt(appended.receipt.jws!, ledgerKey),
    );
    expect((await verifyReceipt(duplicate.receipt.jws!, ledgerKey)).leafHash).not.toBe(
      entryLeafHash({ token: malleate(tokens[0]!), ingestedAt: T0_MS }),
    );
  });

  it("a receipt is never an ECT and an ECT is never a receipt, even when one key is trusted for both", async () => {
    const asIssuer = staticKeyResolver([{ iss: "spiffe://example.org/ledger", key: ledgerKey }]);
    const verifier = createEctVerifier({ verifierId: VERIFIER_ID, keys: asIssuer, clock: fixedClock() });
    await expectRefused(verifier.verify(receipts[0]!.jws!), C.TYP_INVALID);
    const ect = await mint(ledgerKey, { iss: "spiffe://example.org/ledger" });
    await expectRefused(verifyReceipt(ect, ledgerKey), C.TYP_INVALID);
    // A receipt with its header typ swapped to exec+jwt: its payload has no iss to find a key for.
    const [, p, s] = segments(receipts[0]!.jws!);
    const h = Buffer.from(headerText(ledgerKey)).toString("base64url");
    await expectRefused(verifier.verify(`${h}.${p}.${s}`), C.CLAIM_MISSING);
  });
});
