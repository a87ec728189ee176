/**
 * The `ect` command and key binding (profile §5.5, issue 15 §1): a key verifies only tokens of the
 * issuer the user named for the file that holds it. Every command that takes trust options is
 * found from `ect help` (so a new one is covered, or this test says how to cover it) and run with
 * the forgery "a token signed with agent B's key that claims to be agent A", and with every
 * ambiguous way of binding keys to issuers: none may ever exit 0.
 */
import { createPublicKey } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "ect-cli";
import { createEct, exportJwks, exportPublicJwk, generateEctKeyPair } from "ect-crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ISS_A, ISS_B } from "./support/world.js";

const dir = mkdtempSync(join(tmpdir(), "ect-cli-trust-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `ect ...args` in-process in the test directory. */
async function ect(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdin: Object.assign((async function* () {})(), { isTTY: true }),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: dir,
  });
  return { code, stdout, stderr };
}

/** Command names listed under "Commands:" in a help text. */
function commandNames(help: string): string[] {
  const section = help.split("\nCommands:\n")[1]?.split("\n\n")[0] ?? "";
  return section
    .split("\n")
    .map((line) => /^ {2}([a-z][a-z-]*)\b/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && name !== "help");
}

/** Every command (`verify`, `ledger audit`, ...) whose help offers `--trust`. */
async function trustTakingCommands(): Promise<string[]> {
  const found: string[] = [];
  for (const name of commandNames((await ect(["--help"])).stdout)) {
    const help = (await ect(["help", name])).stdout;
    const subcommands = commandNames(help);
    const names = subcommands.length > 0 ? subcommands.map((sub) => `${name} ${sub}`) : [name];
    for (const full of names) {
      const text = subcommands.length > 0 ? (await ect(["help", ...full.split(" ")])).stdout : help;
      if (/--trust ISS=FILE/.test(text)) found.push(full);
    }
  }
  return found;
}

/**
 * How each trust-taking command meets the forged token. A command that takes `--trust` and is
 * not listed here fails the test below: add how it reads a token.
 */
const INVOCATIONS: Readonly<Record<string, (trust: readonly string[]) => string[]>> = {
  verify: (trust) => ["verify", "@forged.jwt", ...trust, "--verifier-id", ISS_B],
  "ledger append": (trust) => ["ledger", "append", "--ledger", "append.jsonl", ...trust, "@forged.jwt"],
  "ledger audit": (trust) => ["ledger", "audit", "--ledger", "forged-ledger.jsonl", ...trust],
};

const A = (file: string) => ["--trust", `${ISS_A}=${file}`];
const B = (file: string) => ["--trust", `${ISS_B}=${file}`];

/** Every ambiguous binding (exit 2 expected), named. */
const AMBIGUOUS: readonly (readonly [string, readonly string[]])[] = [
  ["one JWK Set holding both keys, bound to both issuers", [...A("both.jwks.json"), ...B("both.jwks.json")]],
  [
    "b's key in the file bound to a and in the file bound to b",
    [...A("both.jwks.json"), ...B("b.jwks.json")],
  ],
  ["a's file bound to both issuers", [...A("a.jwks.json"), ...B("a.jwks.json")]],
  ["b's key as PEM for a and as JWK Set for b", [...A("b.pem"), ...B("b.jwks.json")]],
  ["b's key as a single JWK for a and as JWK Set for b", [...A("b.jwk.json"), ...B("b.jwks.json")]],
  ["two different keys with one kid for one issuer", [...A("a.jwks.json"), ...A("a-twin.jwks.json")]],
  ["ISS=FILE splitting at two '=' into two existing files", ["--trust", `${ISS_A}=k=b.jwks.json`]],
  ["--trust without an issuer", ["--trust", "both.jwks.json"]],
  [
    "the removed --jwks with --iss for two issuers",
    ["--jwks", "both.jwks.json", "--iss", ISS_A, "--iss", ISS_B],
  ],
  ["the removed --jwks alone", ["--jwks", "both.jwks.json"]],
  ["no trust at all", []],
];

beforeAll(async () => {
  const a = await generateEctKeyPair({ alg: "ES256", extractable: true });
  const b = await generateEctKeyPair({ alg: "ES256", extractable: true });
  const twin = await generateEctKeyPair({ alg: "ES256", kid: a.kid, extractable: true });
  const write = (name: string, value: unknown) => writeFileSync(join(dir, name), JSON.stringify(value));
  write("a.jwks.json", await exportJwks([a]));
  write("b.jwks.json", await exportJwks([b]));
  write("both.jwks.json", await exportJwks([a, b]));
  write("a-twin.jwks.json", await exportJwks([twin]));
  const bJwk = await exportPublicJwk(b);
  write("b.jwk.json", bJwk);
  const pem = createPublicKey({ key: { kty: "EC", crv: "P-256", x: bJwk.x!, y: bJwk.y! }, format: "jwk" });
  writeFileSync(join(dir, "b.pem"), pem.export({ type: "spki", format: "pem" }).toString());
  copyFileSync(join(dir, "b.jwks.json"), join(dir, "k=b.jwks.json"));
  // The forgery of the issue: signed with b's key, claiming to be a.
  const forged = await createEct(
    { iss: ISS_A, aud: ISS_B, exec_act: "approve-loan", pred: [], wid: crypto.randomUUID() },
    b,
  );
  writeFileSync(join(dir, "forged.jwt"), `${forged}\n`);
  const genuine = await createEct(
    { iss: ISS_B, aud: ISS_A, exec_act: "search", pred: [], wid: crypto.randomUUID() },
    b,
  );
  writeFileSync(join(dir, "genuine.jwt"), `${genuine}\n`);
  const stored = await ect([
    "ledger",
    "append",
    "--ledger",
    "forged-ledger.jsonl",
    "--no-verify",
    "@forged.jwt",
  ]);
  expect(stored.code, stored.stderr).toBe(0);
});

describe("ect: a key never signs for an issuer the user did not name for it", () => {
  it("finds the trust-taking commands from the help, and knows how to feed each the forgery", async () => {
    const commands = await trustTakingCommands();
    expect(commands).toEqual(expect.arrayContaining(["verify", "ledger append", "ledger audit"]));
    expect(commands.filter((c) => INVOCATIONS[c] === undefined)).toEqual([]);
  });

  it("the forgery (b's key, iss a) is refused by every trust-taking command with each issuer's own file", async () => {
    for (const command of await trustTakingCommands()) {
      const run = await ect(INVOCATIONS[command]!([...A("a.jwks.json"), ...B("b.jwks.json")]));
      expect([1, 2], `${command}: ${run.stdout}${run.stderr}`).toContain(run.code);
      expect(`${run.stdout}${run.stderr}`).toContain("ECT_KEY_NOT_FOUND");
    }
  });

  it("every ambiguous binding is refused with exit 2 and a hint, before anything is verified", async () => {
    for (const command of await trustTakingCommands()) {
      for (const [name, trust] of AMBIGUOUS) {
        const run = await ect(INVOCATIONS[command]!(trust));
        expect(run.code, `${command} with ${name}: ${run.stdout}${run.stderr}`).toBe(2);
        expect(run.stderr, `${command} with ${name}`).toMatch(/\nhint: /);
        expect(run.stderr, `${command} with ${name}`).not.toContain("unknown option --trust");
      }
    }
  });

  it("the same trust accepts b's genuine token (the refusals above are not a broken setup)", async () => {
    const trust = [...A("a.jwks.json"), ...B("b.jwks.json")];
    const verified = await ect(["verify", "@genuine.jwt", ...trust, "--verifier-id", ISS_A]);
    expect(verified.code, verified.stderr).toBe(0);
    const appended = await ect(["ledger", "append", "--ledger", "genuine.jsonl", ...trust, "@genuine.jwt"]);
    expect(appended.code, appended.stdout).toBe(0);
    const audited = await ect(["ledger", "audit", "--ledger", "genuine.jsonl", ...trust]);
    expect(audited.code, audited.stdout).toBe(0);
  });
});
