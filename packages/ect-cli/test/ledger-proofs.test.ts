import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createEct, exportJwks, generateEctKeyPair } from "ect-crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/index.js";
import { ect, tempDir } from "./support/cli.js";
import { inProcessIo } from "./support/in-process.js";

// A 1,000-entry ledger written through the CLI: every entry gets a receipt that `ect receipt verify`
// accepts with the ledger's vkey alone, and any changed byte of a receipt is refused (profile §7).
const { dir, remove } = tempDir("ledger-proofs");
afterAll(remove);
const ISSUER = "spiffe://example.org/agent-a";
const ORIGIN = "ect.example.org/ledger/cli-proofs";
const COUNT = 1000;

async function cli(args: string[]) {
  const io = inProcessIo({ cwd: dir });
  const code = await runCli(args, io);
  return { code, stdout: io.stdout.text(), stderr: io.stderr.text() };
}

describe("ect ledger checkpoint | prove | consistency on a 1,000-entry ledger", () => {
  let vkey: string;
  let firstCheckpoint = "";
  const jtis: string[] = [];

  beforeAll(async () => {
    const keygen = await ect(["ledger", "keygen", "--origin", ORIGIN, "--out", "ledger.note-key"], {
      cwd: dir,
    });
    expect(keygen.code).toBe(0);
    vkey = keygen.stdout.trim();
    const key = await generateEctKeyPair({ alg: "ES256", extractable: true });
    writeFileSync(join(dir, "a.jwks.json"), JSON.stringify(await exportJwks([key])));
    const now = Math.floor(Date.now() / 1000);
    const tokens: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      const jti = randomUUID();
      jtis.push(jti);
      tokens.push(
        await createEct(
          {
            iss: ISSUER,
            aud: "spiffe://example.org/ledger",
            jti,
            exec_act: `task-${i}`,
            pred: [],
            iat: now,
            exp: now + 600,
          },
          key,
        ),
      );
    }
    // Two appends, so the ledger holds two checkpoints (consistency between them is checked below).
    writeFileSync(join(dir, "first.txt"), `${tokens.slice(0, 400).join("\n")}\n`);
    writeFileSync(join(dir, "rest.txt"), `${tokens.slice(400).join("\n")}\n`);
    for (const file of ["first.txt", "rest.txt"]) {
      const append = await ect(
        [
          "ledger",
          "append",
          "--ledger",
          "ledger.jsonl",
          "--trust",
          `${ISSUER}=a.jwks.json`,
          "--note-key",
          "ledger.note-key",
          `@${file}`,
        ],
        { cwd: dir },
      );
      expect(append.code, append.stderr).toBe(0);
      // A monitor keeps the checkpoint it saw after the first append.
      if (file === "first.txt")
        firstCheckpoint = (await cli(["ledger", "checkpoint", "--ledger", "ledger.jsonl"])).stdout;
    }
  }, 120_000);

  it("ledger checkpoint prints the latest signed checkpoint", async () => {
    const run = await cli(["ledger", "checkpoint", "--ledger", "ledger.jsonl"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `^${ORIGIN.replaceAll(".", "\\.")}\\n1000\\n[A-Za-z0-9+/]{43}=\\n\\n— ${ORIGIN.replaceAll(".", "\\.")} `,
      ),
    );
    const json = JSON.parse(
      (await cli(["ledger", "checkpoint", "--ledger", "ledger.jsonl", "--json"])).stdout,
    );
    expect(json).toMatchObject({ origin: ORIGIN, treeSize: 1000, note: run.stdout });
  });

  it("ledger prove gives a receipt that receipt verify accepts, for entries across the log", async () => {
    for (const i of [0, 1, 399, 400, 511, 512, 777, 998, 999]) {
      const prove = await cli([
        "ledger",
        "prove",
        "--ledger",
        "ledger.jsonl",
        "--jti",
        jtis[i]!,
        "--out",
        `e${i}.tlog-proof`,
      ]);
      expect(prove.code, prove.stderr).toBe(0);
      const verify = await cli([
        "receipt",
        "verify",
        "--receipt",
        `e${i}.tlog-proof`,
        "--vkey",
        vkey,
        "--json",
      ]);
      expect(verify.code, verify.stdout).toBe(0);
      expect(JSON.parse(verify.stdout)).toMatchObject({
        valid: true,
        index: i,
        treeSize: 1000,
        origin: ORIGIN,
      });
    }
    // As a subprocess too, with the token checked.
    const receipt = readFileSync(join(dir, "e777.tlog-proof"), "utf8");
    const token = Buffer.from(receipt.split("\n")[1]!.slice("extra ".length), "base64")
      .toString()
      .match(/"ect":"([^"]+)"/)![1]!;
    writeFileSync(join(dir, "t777.jwt"), token);
    const sub = await ect(
      ["receipt", "verify", "--receipt", "e777.tlog-proof", "--vkey", vkey, "--token", "@t777.jwt"],
      { cwd: dir },
    );
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain("receipt OK: entry 777");
  });

  it("a flipped byte anywhere in a receipt exits 1 with a code", async () => {
    const bytes = readFileSync(join(dir, "e511.tlog-proof"));
    for (let i = 0; i < bytes.length; i++) {
      const flipped = Buffer.from(bytes);
      flipped[i]! ^= 0x04;
      writeFileSync(join(dir, "flip.tlog-proof"), flipped);
      const run = await cli(["receipt", "verify", "--receipt", "flip.tlog-proof", "--vkey", vkey]);
      expect(run.code, `byte ${i}`).toBe(1);
      expect(run.stderr, `byte ${i}`).toMatch(/^refused: ECT_LEDGER_[A-Z_]+/);
    }
  });

  it("ledger consistency proves the log of 1000 extends the checkpoint of 400 a monitor kept", async () => {
    const { verifyCheckpoint, noteVerifierFromVkey, verifyConsistency } = await import("ect-ledger");
    const run = await cli(["ledger", "consistency", "--ledger", "ledger.jsonl", "--from", "400", "--json"]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      size1: number;
      size2: number;
      proof: string[];
      checkpoint: string;
    };
    expect([out.size1, out.size2]).toEqual([400, 1000]);
    const verifiers = [noteVerifierFromVkey(vkey)];
    const old = await verifyCheckpoint(firstCheckpoint, { verifiers, origin: ORIGIN });
    const now = await verifyCheckpoint(out.checkpoint, { verifiers, origin: ORIGIN });
    expect([old.treeSize, now.treeSize]).toEqual([400, 1000]);
    const proof = out.proof.map((b) => new Uint8Array(Buffer.from(b, "base64")));
    verifyConsistency({ size1: 400, size2: 1000, root1: old.root, root2: now.root, proof });
    const text = await cli(["ledger", "consistency", "--ledger", "ledger.jsonl", "--from", "400"]);
    expect(text.stdout.split("\n").slice(0, 2 + proof.length)).toEqual(["from 400", "to 1000", ...out.proof]);
    expect((await cli(["ledger", "consistency", "--ledger", "ledger.jsonl", "--from", "0"])).code).toBe(2);
    expect((await cli(["ledger", "consistency", "--ledger", "ledger.jsonl", "--from", "1001"])).code).toBe(1);
  });

  it("a signed ledger is written only with its own note key (exit 2 otherwise)", async () => {
    const append = ["ledger", "append", "--ledger", "ledger.jsonl", "--trust", `${ISSUER}=a.jwks.json`, "-"];
    const without = await cli(append);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain("signs its checkpoints");
    await ect(["ledger", "keygen", "--origin", ORIGIN, "--out", "other.note-key"], { cwd: dir });
    const wrong = await cli([...append, "--note-key", "other.note-key"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("is not the key of the ledger");
    await ect(["ledger", "keygen", "--origin", "other.example/log", "--out", "elsewhere.note-key"], {
      cwd: dir,
    });
    expect((await cli([...append, "--note-key", "elsewhere.note-key"])).code).toBe(2);
    writeFileSync(join(dir, "garbage.note-key"), "PRIVATE+KEY+x");
    expect((await cli([...append, "--note-key", "garbage.note-key"])).code).toBe(2);
  });

  it("prove refuses an unknown jti (exit 1) and a missing --jti (exit 2)", async () => {
    expect((await cli(["ledger", "prove", "--ledger", "ledger.jsonl", "--jti", randomUUID()])).code).toBe(1);
    expect((await cli(["ledger", "prove", "--ledger", "ledger.jsonl"])).code).toBe(2);
  });
});
