import { generateNoteKey } from "ect-crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  formatCheckpoint,
  formatEntryTlogProof,
  formatTlogProof,
  hashLeaf,
  leafInput,
  MemoryMerkleTree,
  noteVerifierFromVkey,
  parseCheckpoint,
  parseTlogProof,
  signCheckpoint,
  signNote,
  verifyCheckpoint,
  verifyTlogProof,
} from "../src/index.js";
import { codeOf, configErrorOf } from "./support/error-code.js";

const ORIGIN = "ect.example.org/ledger/test";
const enc = new TextEncoder();
const token = (i: number) => `eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiIke${i}fQ.c2ln${i}`;

describe("C2SP checkpoints (profile §7)", () => {
  const root = hashLeaf(enc.encode("x"));

  it("formats origin, decimal size and base64 root, and parses them back", () => {
    const text = formatCheckpoint({ origin: ORIGIN, treeSize: 20852163, root });
    expect(text).toBe(`${ORIGIN}\n20852163\n${Buffer.from(root).toString("base64")}\n`);
    expect(parseCheckpoint(text)).toEqual({ origin: ORIGIN, treeSize: 20852163, root, extensions: [] });
    const withExt = formatCheckpoint({ origin: ORIGIN, treeSize: 0, root, extensions: ["ext one"] });
    expect(parseCheckpoint(withExt).extensions).toEqual(["ext one"]);
  });

  it("parses the tlog-checkpoint spec's example body", () => {
    const cp = parseCheckpoint(
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    );
    expect(cp.origin).toBe("example.com/behind-the-sofa");
    expect(cp.treeSize).toBe(20852163);
  });

  const b64 = Buffer.from(root).toString("base64");
  it.each([
    ["two lines", `${ORIGIN}\n1\n`],
    ["no final newline", `${ORIGIN}\n1\n${b64}`],
    ["empty origin", `\n1\n${b64}\n`],
    ["leading zero", `${ORIGIN}\n01\n${b64}\n`],
    ["negative size", `${ORIGIN}\n-1\n${b64}\n`],
    ["size with a plus", `${ORIGIN}\n+1\n${b64}\n`],
    ["size beyond 2^53", `${ORIGIN}\n9007199254740993\n${b64}\n`],
    ["short root", `${ORIGIN}\n1\n${Buffer.alloc(31).toString("base64")}\n`],
    ["unpadded root", `${ORIGIN}\n1\n${b64.replace("=", "")}\n`],
    ["empty extension line", `${ORIGIN}\n1\n${b64}\n\n`],
  ])("refuses a checkpoint with %s", (_, text) => {
    expect(() => parseCheckpoint(text)).toThrow(
      expect.objectContaining({ code: "ECT_LEDGER_CHECKPOINT_MALFORMED" }),
    );
  });

  it("is signed by the origin's key; other keys, origins and cosignatures are handled per the spec", async () => {
    const key = await generateNoteKey({ name: ORIGIN });
    const verifier = noteVerifierFromVkey(key.vkey);
    const note = await signCheckpoint({ origin: ORIGIN, treeSize: 5, root }, key.signer);
    const cp = await verifyCheckpoint(note, { verifiers: [verifier], origin: ORIGIN });
    expect(cp).toMatchObject({ origin: ORIGIN, treeSize: 5, root, note });

    expect(await codeOf(() => verifyCheckpoint(note, { verifiers: [verifier], origin: "other" }))).toBe(
      "ECT_LEDGER_CHECKPOINT_MALFORMED",
    );
    const other = await generateNoteKey({ name: "other.example/log" });
    expect(
      await configErrorOf(() => signCheckpoint({ origin: ORIGIN, treeSize: 5, root }, other.signer)),
    ).toBe("ECT_CONFIG_INVALID signer.name");
    // A valid signature by a trusted key of another name does not vouch for this origin.
    const signedByOther = await signNote(formatCheckpoint({ origin: ORIGIN, treeSize: 5, root }), [
      other.signer,
    ]);
    expect(
      await codeOf(() => verifyCheckpoint(signedByOther, { verifiers: [noteVerifierFromVkey(other.vkey)] })),
    ).toBe("ECT_LEDGER_NOTE_SIGNATURE_INVALID");
    // A witness cosignature by an unknown key is ignored.
    const witness = await generateNoteKey({ name: "witness.example/w1" });
    const cosigned = await signNote(formatCheckpoint({ origin: ORIGIN, treeSize: 5, root }), [
      key.signer,
      witness.signer,
    ]);
    expect((await verifyCheckpoint(cosigned, { verifiers: [verifier] })).treeSize).toBe(5);
  });
});

describe("tlog-proof receipts (profile §7)", () => {
  let vkey: string;
  let receipt: string;
  const tree = new MemoryMerkleTree();
  const inputs = Array.from({ length: 13 }, (_, i) =>
    leafInput({
      token: token(i),
      ingestedAt: 1_700_000_000_000 + i,
      wit: i === 7 ? "d2l0.aGVhZGVy.c2ln" : null,
    }),
  );

  beforeAll(async () => {
    const key = await generateNoteKey({ name: ORIGIN });
    vkey = key.vkey;
    tree.append(inputs.map(hashLeaf));
    const checkpoint = await signCheckpoint(
      { origin: ORIGIN, treeSize: tree.size, root: tree.root() },
      key.signer,
    );
    receipt = formatTlogProof({ extra: inputs[7]!, index: 7, proof: tree.inclusionProof(7), checkpoint });
  });

  it("has the C2SP layout and parses back to its parts", () => {
    const lines = receipt.split("\n");
    expect(lines[0]).toBe("c2sp.org/tlog-proof@v1");
    expect(lines[1]).toBe(`extra ${Buffer.from(inputs[7]!).toString("base64")}`);
    expect(lines[2]).toBe("index 7");
    expect(lines[3 + tree.inclusionProof(7).length]).toBe("");
    expect(lines[4 + tree.inclusionProof(7).length]).toBe(ORIGIN);
    const parsed = parseTlogProof(receipt);
    expect(parsed.index).toBe(7);
    expect(formatTlogProof(parsed)).toBe(receipt);
  });

  it("formatEntryTlogProof writes the same receipt from an entry", () => {
    const entry = { index: 7, token: token(7), ingestedAt: 1_700_000_000_007, wit: "d2l0.aGVhZGVy.c2ln" };
    const parsed = parseTlogProof(receipt);
    expect(formatEntryTlogProof({ entry, proof: parsed.proof, checkpoint: parsed.checkpoint })).toBe(receipt);
  });

  it("verifies offline with the vkey alone and gives back the token, ingestion time and WIT", async () => {
    const result = await verifyTlogProof(receipt, { vkeys: [vkey] });
    expect(result).toMatchObject({
      index: 7,
      treeSize: 13,
      origin: ORIGIN,
      token: token(7),
      ingestedAt: 1_700_000_000_007,
      wit: "d2l0.aGVhZGVy.c2ln",
    });
    expect(
      await verifyTlogProof(enc.encode(receipt), { vkeys: [vkey], token: token(7), origin: ORIGIN }),
    ).toMatchObject({
      index: 7,
    });
  });

  it("every index of the tree gets a receipt that verifies", async () => {
    const key = await generateNoteKey({ name: ORIGIN });
    const checkpoint = await signCheckpoint(
      { origin: ORIGIN, treeSize: tree.size, root: tree.root() },
      key.signer,
    );
    for (let i = 0; i < tree.size; i++) {
      const r = formatTlogProof({ extra: inputs[i]!, index: i, proof: tree.inclusionProof(i), checkpoint });
      expect((await verifyTlogProof(r, { vkeys: [key.vkey] })).token).toBe(token(i));
    }
  });

  it("refuses another token, another ledger's key, a missing or foreign extra line", async () => {
    expect(await codeOf(() => verifyTlogProof(receipt, { vkeys: [vkey], token: token(8) }))).toBe(
      "ECT_LEDGER_RECEIPT_TOKEN_MISMATCH",
    );
    const stranger = await generateNoteKey({ name: ORIGIN });
    expect(await codeOf(() => verifyTlogProof(receipt, { vkeys: [stranger.vkey] }))).toBe(
      "ECT_LEDGER_NOTE_SIGNATURE_INVALID",
    );
    expect(await configErrorOf(() => verifyTlogProof(receipt, {}))).toBe("ECT_CONFIG_INVALID vkeys");
    expect(await configErrorOf(() => verifyTlogProof(receipt, { vkey } as never))).toBe(
      "ECT_CONFIG_INVALID vkey",
    );
    const noExtra = receipt.replace(/^extra .*\n/m, "");
    expect(await codeOf(() => verifyTlogProof(noExtra, { vkeys: [vkey] }))).toBe(
      "ECT_LEDGER_RECEIPT_MALFORMED",
    );
    const spaced = receipt.replace(
      /^extra .*$/m,
      `extra ${Buffer.from('{"ect": "a","ingested_at":1}').toString("base64")}`,
    );
    expect(await codeOf(() => verifyTlogProof(spaced, { vkeys: [vkey] }))).toBe(
      "ECT_LEDGER_RECEIPT_MALFORMED",
    );
    // The leaf input of entry 8 under the proof of entry 7: a valid leaf, a wrong proof.
    const swapped = receipt.replace(/^extra .*$/m, `extra ${Buffer.from(inputs[8]!).toString("base64")}`);
    expect(await codeOf(() => verifyTlogProof(swapped, { vkeys: [vkey] }))).toBe("ECT_LEDGER_PROOF_INVALID");
    const moved = receipt.replace("index 7", "index 6");
    expect(await codeOf(() => verifyTlogProof(moved, { vkeys: [vkey] }))).toBe("ECT_LEDGER_PROOF_INVALID");
  });

  it.each([
    ["no header", (r: string) => r.replace("c2sp.org/tlog-proof@v1\n", "")],
    ["another version", (r: string) => r.replace("@v1", "@v2")],
    ["leading zero index", (r: string) => r.replace("index 7", "index 07")],
    ["no index", (r: string) => r.replace("index 7\n", "")],
    ["no blank line", (r: string) => r.replace(`\n\n${ORIGIN}`, `\n${ORIGIN}`)],
    [
      "short proof hash",
      (r: string) => r.replace(/^index 7\n[^\n]+/m, `index 7\n${Buffer.alloc(31).toString("base64")}`),
    ],
    ["no checkpoint", (r: string) => r.slice(0, r.indexOf(`\n\n${ORIGIN}`) + 2)],
  ])("refuses a receipt with %s as malformed", async (_, change) => {
    expect(await codeOf(() => verifyTlogProof(change(receipt), { vkeys: [vkey] }))).toBe(
      "ECT_LEDGER_RECEIPT_MALFORMED",
    );
  });

  it("flipping any bit of any byte of the receipt makes it fail with a code", async () => {
    const bytes = enc.encode(receipt);
    const seen = new Set<string>();
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x20, 0x80]) {
        const flipped = bytes.slice();
        flipped[i]! ^= bit;
        const code = await codeOf(() => verifyTlogProof(flipped, { vkeys: [vkey] }));
        expect(code, `byte ${i} bit ${bit}`).toMatch(/^ECT_/);
        seen.add(code);
      }
    }
    expect([...seen].sort()).toEqual([
      "ECT_LEDGER_CHECKPOINT_MALFORMED",
      "ECT_LEDGER_NOTE_MALFORMED",
      "ECT_LEDGER_NOTE_SIGNATURE_INVALID",
      "ECT_LEDGER_PROOF_INVALID",
      "ECT_LEDGER_RECEIPT_MALFORMED",
    ]);
  });
});
