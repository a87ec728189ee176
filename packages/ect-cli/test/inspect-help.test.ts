import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createEct } from "ect-crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode, runCli } from "../src/index.js";
import { ect, packageDir, payloadOf, tempDir, writeKeyFiles } from "./support/cli.js";
import { inProcessIo } from "./support/in-process.js";

const { dir, remove } = tempDir("inspect");
afterAll(remove);

const A = "spiffe://example.org/agent-a";
const B = "spiffe://example.org/agent-b";
let token: string;
let hostile: string;

beforeAll(async () => {
  const { key } = await writeKeyFiles(dir, "a");
  token = await createEct({ iss: A, aud: B, exec_act: "summarise", pred: [] }, key, {
    clock: () => 1_700_000_000_000,
  });
  // Terminal escapes and a bidi override in attacker-controlled claims.
  hostile = await createEct(
    { iss: A, aud: B, exec_act: "\u001b]0;pwned\u0007\u001b[2J\u202eevil", pred: [], note: "\u009b31m" },
    key,
  );
});

describe.concurrent("ect inspect", () => {
  it("prints the header and claims labelled UNVERIFIED, times as ISO 8601 and relative", async () => {
    const run = await ect(["inspect", token, "--now", "1700000300"], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith("UNVERIFIED: decoded only.")).toBe(true);
    expect(run.stdout).toContain('"typ": "exec+jwt"');
    expect(run.stdout).toContain("iat 1700000000 = 2023-11-14T22:13:20Z (5 minutes ago)");
    expect(run.stdout).toContain("exp 1700000600 = 2023-11-14T22:23:20Z (in 5 minutes)");
    expect(run.stdout).toContain("no header or claim rule broken (still unverified)");
  });

  it("--json carries unverified: true; --claim prints one claim; stdin works", async () => {
    const [json, claim] = await Promise.all([
      ect(["inspect", "-", "--json", "--now", "2023-11-14T22:13:20Z"], { cwd: dir, stdin: token }),
      ect(["inspect", token, "--claim", "jti"], { cwd: dir }),
    ]);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      unverified: true,
      level: 2,
      claims: { exec_act: "summarise" },
      times: { iat: { value: 1_700_000_000, iso: "2023-11-14T22:13:20Z", relative: "now" } },
      ruleProblems: [],
    });
    expect(claim.stdout).toBe(`${payloadOf(token)["jti"]}\n`);
  });

  it("malformed tokens are refused with their code (exit 1); rule violations are listed", async () => {
    const badClaims = `${token.split(".")[0]}.${Buffer.from('{"iss":"","aud":"x","exec_act":"a","pred":[]}').toString("base64url")}.${token.split(".")[2]}`;
    const [twoParts, padded, dup, rules] = await Promise.all([
      ect(["inspect", "abc.def"], { cwd: dir }),
      ect(["inspect", `${token}=`], { cwd: dir }),
      ect(["inspect", `${Buffer.from('{"alg":"ES256","alg":"none"}').toString("base64url")}.e30.AA`], {
        cwd: dir,
      }),
      ect(["inspect", badClaims], { cwd: dir }),
    ]);
    expect(twoParts.code).toBe(1);
    expect(twoParts.stderr).toContain("cannot decode the token: ECT_MALFORMED");
    expect(padded.code).toBe(1);
    expect(padded.stderr).toContain("ECT_BASE64URL_INVALID");
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain("ECT_JSON_DUPLICATE_MEMBER");
    expect(rules.code).toBe(0);
    expect(rules.stdout).toMatch(/rules \(profile §2, 3\): \d+ broken:/);
    expect(rules.stdout).toContain("ECT_CLAIM_MISSING");
    expect(rules.stdout).toContain("ECT_ISS_INVALID");
  });

  it("never writes terminal control or bidi characters from a token", async () => {
    const [human, json, claim] = await Promise.all([
      ect(["inspect", hostile], { cwd: dir }),
      ect(["inspect", hostile, "--json"], { cwd: dir }),
      ect(["inspect", hostile, "--claim", "exec_act"], { cwd: dir }),
    ]);
    for (const run of [human, json, claim]) {
      expect(run.code).toBe(0);
      expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    }
    expect(human.stdout).toContain("\\u001b]0;pwned\\u0007\\u001b[2J\\u202eevil");
    expect(human.stdout).toContain("\\u009b31m");
    // The JSON output is still the same JSON.
    expect(JSON.parse(json.stdout).claims.exec_act).toBe("\u001b]0;pwned\u0007\u001b[2J\u202eevil");
  });
});

describe.concurrent("help, version and unknown commands (the binary)", () => {
  it("ect --help, ect help verify and ect verify --help", async () => {
    const [main, helpVerify, verifyHelp, ledgerHelp, helpAudit, none] = await Promise.all([
      ect(["--help"], { cwd: dir }),
      ect(["help", "verify"], { cwd: dir }),
      ect(["verify", "--help"], { cwd: dir }),
      ect(["ledger", "--help"], { cwd: dir }),
      ect(["help", "ledger", "audit"], { cwd: dir }),
      ect([], { cwd: dir }),
    ]);
    expect(main.code).toBe(0);
    for (const command of ["keygen", "create", "verify", "inspect", "ledger", "graph"]) {
      expect(main.stdout).toContain(`\n  ${command}`);
    }
    expect(main.stdout).toContain("Exit status:");
    expect(helpVerify.code).toBe(0);
    expect(helpVerify.stdout).toBe(verifyHelp.stdout);
    expect(verifyHelp.stdout).toContain("--trust ISS=FILE ...");
    expect(verifyHelp.stdout).toContain("Trusted keys:");
    expect(ledgerHelp.code).toBe(0);
    for (const sub of ["append", "audit", "export", "import", "head", "show"])
      expect(ledgerHelp.stdout).toContain(`  ${sub}`);
    expect(helpAudit.stdout).toContain("ect ledger audit --ledger LEDGER");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: ect <command>");
  });

  it("--version prints the package version; unknown commands suggest the closest (exit 2)", async () => {
    const version = (
      JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string }
    ).version;
    const [v, typo, ledgerTypo, option] = await Promise.all([
      ect(["--version"], { cwd: dir }),
      ect(["verfy", token], { cwd: dir }),
      ect(["ledger", "audti", "--ledger", "memory:x.jsonl"], { cwd: dir }),
      ect(["--verbose"], { cwd: dir }),
    ]);
    expect(v.stdout).toBe(`${version}\n`);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("did you mean 'ect verify'?");
    expect(ledgerTypo.code).toBe(2);
    expect(ledgerTypo.stderr).toContain("did you mean 'ect ledger audit'?");
    expect(option.code).toBe(2);
  });
});

describe("ect inspect on a token missing claims", () => {
  it("never prints undefined: absent times are said to be absent", async () => {
    const unsigned = Buffer.from(
      JSON.stringify({
        iss: "a",
        aud: "b",
        exec_act: "x",
        pred: [],
        jti: "6f9619ff-8b86-4011-b42d-00c04fc96401",
      }),
    ).toString("base64url");
    const run = await ect(["inspect", unsigned], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("undefined");
    expect(run.stdout).toContain("iat (absent)");
  });
});

describe("runCli in-process", () => {
  it("every command and sub-command has a help text generated from its options", async () => {
    const names = [
      ["keygen"],
      ["create"],
      ["verify"],
      ["inspect"],
      ["graph"],
      ["ledger", "append"],
      ["ledger", "audit"],
      ["ledger", "export"],
      ["ledger", "import"],
      ["ledger", "head"],
      ["ledger", "show"],
    ];
    for (const name of names) {
      const io = inProcessIo({});
      expect(await runCli([...name, "--help"], io)).toBe(ExitCode.OK);
      const help = io.stdout.text();
      expect(help).toContain(`Usage:\n  ect ${name.join(" ")}`);
      expect(help).toContain("Options:");
      expect(help).toContain("-h, --help");
      expect(help).toContain("Examples:");
    }
  });

  it("an unexpected internal error is one line and a hint; ECT_DEBUG=1 adds the stack", async () => {
    const failing = () =>
      (async function* () {
        yield* [];
        throw new Error("the disk caught fire");
      })();
    const args = ["ledger", "append", "--ledger", `memory:${join(dir, "internal.jsonl")}`, "--no-verify"];
    const plain = inProcessIo({ stdin: failing() });
    expect(await runCli(args, plain)).toBe(ExitCode.INTERNAL);
    expect(plain.stderr.text()).toBe(
      "ect ledger append: internal error: Error: the disk caught fire\n" +
        "hint: this is a bug in ect; rerun with ECT_DEBUG=1 for the stack trace and report it\n",
    );
    const debug = inProcessIo({ stdin: failing(), env: { ECT_DEBUG: "1" } });
    expect(await runCli(args, debug)).toBe(ExitCode.INTERNAL);
    expect(debug.stderr.text()).toMatch(/the disk caught fire\n {4}at /);
  });
});
