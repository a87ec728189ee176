import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createNoteSigner } from "ect-crypto";
import { formatTlogProof, hashLeaf, leafInput, MemoryMerkleTree, signCheckpoint } from "ect-ledger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/index.js";
import { ect, tempDir } from "./support/cli.js";
import { inProcessIo } from "./support/in-process.js";

const { dir, remove } = tempDir("receipt");
afterAll(remove);
const ORIGIN = "ect.example.org/ledger/cli-test";
const token = (i: number) => `eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiIke${i}fQ.c2ln${i}`;

async function cli(args: string[]) {
  const io = inProcessIo({ cwd: dir });
  const code = await runCli(args, io);
  return { code, stdout: io.stdout.text(), stderr: io.stderr.text() };
}

describe("ect ledger keygen + ect receipt verify (profile §7)", () => {
  let vkey: string;
  let receipt: string;

  beforeAll(async () => {
    const run = await ect(["ledger", "keygen", "--origin", ORIGIN, "--out", "ledger.note-key"], { cwd: dir });
    expect(run.code).toBe(0);
    vkey = run.stdout.trim();
    writeFileSync(join(dir, "ledger.vkey"), run.stdout);
    const signer = await createNoteSigner(readFileSync(join(dir, "ledger.note-key"), "utf8").trim());
    const tree = new MemoryMerkleTree();
    const inputs = Array.from({ length: 21 }, (_, i) =>
      leafInput({ token: token(i), ingestedAt: 1_750_000_000_000 + i }),
    );
    tree.append(inputs.map(hashLeaf));
    const checkpoint = await signCheckpoint({ origin: ORIGIN, treeSize: 21, root: tree.root() }, signer);
    receipt = formatTlogProof({ extra: inputs[11]!, index: 11, proof: tree.inclusionProof(11), checkpoint });
    writeFileSync(join(dir, "entry.tlog-proof"), receipt);
    writeFileSync(join(dir, "task.jwt"), `${token(11)}\n`);
  });

  it("keygen writes the private key 0600 and prints the vkey named after the origin", () => {
    expect(vkey).toMatch(/^ect\.example\.org\/ledger\/cli-test\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    expect(statSync(join(dir, "ledger.note-key")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, "ledger.note-key"), "utf8")).toMatch(/^PRIVATE\+KEY\+ect\.example\.org/);
  });

  it("keygen refuses a bad origin and an existing key file (exit 2)", async () => {
    expect((await cli(["ledger", "keygen", "--origin", "a b", "--out", "x.key"])).code).toBe(2);
    expect((await cli(["ledger", "keygen", "--origin", ORIGIN, "--out", "ledger.note-key"])).code).toBe(2);
    expect((await cli(["ledger", "keygen", "--out", "y.key"])).code).toBe(2);
  });

  it("verifies with the vkey (as a string or a file), and with the matching token", async () => {
    const ok = await cli(["receipt", "verify", "--receipt", "entry.tlog-proof", "--vkey", vkey]);
    expect(ok).toMatchObject({ code: 0, stderr: "" });
    expect(ok.stdout).toContain(`receipt OK: entry 11 is in ${ORIGIN} at tree size 21`);
    expect(ok.stdout).toContain(`token ${token(11)}`);
    const withFile = await cli([
      "receipt",
      "verify",
      "--receipt",
      "entry.tlog-proof",
      "--vkey",
      "ledger.vkey",
      "--token",
      "@task.jwt",
      "--json",
    ]);
    expect(withFile.code).toBe(0);
    expect(JSON.parse(withFile.stdout)).toMatchObject({
      valid: true,
      index: 11,
      treeSize: 21,
      origin: ORIGIN,
      token: token(11),
    });
  });

  it("exit 1 with a code: another token, another origin, another key", async () => {
    const other = await cli([
      "receipt",
      "verify",
      "--receipt",
      "entry.tlog-proof",
      "--vkey",
      vkey,
      "--token",
      token(12),
    ]);
    expect(other).toMatchObject({ code: 1 });
    expect(other.stderr).toContain("ECT_LEDGER_RECEIPT_TOKEN_MISMATCH");
    const origin = await cli([
      "receipt",
      "verify",
      "--receipt",
      "entry.tlog-proof",
      "--vkey",
      vkey,
      "--origin",
      "x.example/log",
    ]);
    expect(origin.code).toBe(1);
    expect(origin.stderr).toContain("ECT_LEDGER_CHECKPOINT_MALFORMED");
    const stranger = await ect(["ledger", "keygen", "--origin", ORIGIN, "--out", "stranger.key"], {
      cwd: dir,
    });
    const wrongKey = await cli([
      "receipt",
      "verify",
      "--receipt",
      "entry.tlog-proof",
      "--vkey",
      stranger.stdout.trim(),
      "--json",
    ]);
    expect(wrongKey.code).toBe(1);
    expect(JSON.parse(wrongKey.stdout)).toMatchObject({
      valid: false,
      error: { code: "ECT_LEDGER_NOTE_SIGNATURE_INVALID" },
    });
  });

  it("exit 2 for usage: missing options, a malformed vkey, an unreadable receipt", async () => {
    expect((await cli(["receipt", "verify", "--receipt", "entry.tlog-proof"])).code).toBe(2);
    expect((await cli(["receipt", "verify", "--vkey", vkey])).code).toBe(2);
    const badKey = await cli(["receipt", "verify", "--receipt", "entry.tlog-proof", "--vkey", `${vkey}x`]);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain("is not a note verifier key");
    expect((await cli(["receipt", "verify", "--receipt", "missing.tlog-proof", "--vkey", vkey])).code).toBe(
      2,
    );
    expect((await cli(["receipt", "frobnicate"])).code).toBe(2);
  });

  it("flipping any byte of the receipt (proof, checkpoint, signature, extra line) exits 1 with a code", async () => {
    const bytes = Buffer.from(receipt);
    const codes = new Set<string>();
    for (let i = 0; i < bytes.length; i++) {
      const flipped = Buffer.from(bytes);
      flipped[i]! ^= 0x01;
      writeFileSync(join(dir, "flipped.tlog-proof"), flipped);
      const run = await cli([
        "receipt",
        "verify",
        "--receipt",
        "flipped.tlog-proof",
        "--vkey",
        vkey,
        "--json",
      ]);
      expect(run.code, `byte ${i}`).toBe(1);
      codes.add((JSON.parse(run.stdout) as { error: { code: string } }).error.code);
    }
    expect([...codes].sort()).toEqual([
      "ECT_LEDGER_CHECKPOINT_MALFORMED",
      "ECT_LEDGER_NOTE_MALFORMED",
      "ECT_LEDGER_NOTE_SIGNATURE_INVALID",
      "ECT_LEDGER_PROOF_INVALID",
      "ECT_LEDGER_RECEIPT_MALFORMED",
    ]);
  });

  it("is listed in 'ect help'", async () => {
    const help = await cli(["help"]);
    expect(help.stdout).toContain("receipt verify");
    expect((await cli(["help", "ledger"])).stdout).toContain("keygen");
    expect((await cli(["help", "receipt", "verify"])).stdout).toContain("--vkey");
  });
});
