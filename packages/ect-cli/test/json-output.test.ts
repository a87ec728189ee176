import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/index.js";
import { tempDir, writeKeyFiles } from "./support/cli.js";
import { inProcessIo } from "./support/in-process.js";
import { AUDIENCE, ISSUER, workflowTokens } from "./support/tokens.js";

// Every --json prints exactly one JSON document on stdout (what `| jq` needs), on success and on a
// refusal: nothing else goes to stdout, messages and progress go to stderr.
const { dir, remove } = tempDir("json");
afterAll(remove);

let trust: string[];
let tokens: Awaited<ReturnType<typeof workflowTokens>>;

async function ect(args: readonly string[], stdin?: string) {
  const io = inProcessIo({
    cwd: dir,
    ...(stdin === undefined
      ? {}
      : {
          stdin: (async function* () {
            yield stdin;
          })(),
        }),
  });
  const code = await runCli(args, io);
  return { code, stdout: io.stdout.text(), stderr: io.stderr.text() };
}

beforeAll(async () => {
  const keys = await writeKeyFiles(dir, "a");
  tokens = await workflowTokens(keys.key);
  trust = ["--trust", `${ISSUER}=${keys.jwksFile}`];
  writeFileSync(join(dir, "plan.jwt"), tokens.plan);
  const stored = await ect(["ledger", "append", "--ledger", "l.jsonl", ...trust, tokens.plan, tokens.search]);
  expect(stored.code, stored.stderr).toBe(0);
});

describe("--json", () => {
  const cases: [string, () => string[], number][] = [
    [
      "create",
      () => [
        "create",
        "--key",
        join(dir, "a.key.json"),
        "--iss",
        ISSUER,
        "--aud",
        AUDIENCE,
        "--exec-act",
        "x",
        "--json",
      ],
      0,
    ],
    ["verify (accepted)", () => ["verify", "@plan.jwt", ...trust, "--verifier-id", AUDIENCE, "--json"], 0],
    [
      "verify (refused)",
      () => ["verify", "@plan.jwt", ...trust, "--verifier-id", "someone-else", "--json"],
      1,
    ],
    ["inspect", () => ["inspect", "@plan.jwt", "--json"], 0],
    [
      "ledger append (two results)",
      () => ["ledger", "append", "--ledger", "l.jsonl", ...trust, tokens.plan, tokens.orphan, "--json"],
      1,
    ],
    ["ledger audit", () => ["ledger", "audit", "--ledger", "l.jsonl", ...trust, "--json"], 0],
    ["ledger head", () => ["ledger", "head", "--ledger", "l.jsonl", "--json"], 0],
    ["ledger show", () => ["ledger", "show", "--ledger", "l.jsonl", "--json"], 0],
  ];
  for (const [name, args, code] of cases) {
    it(`${name}: one JSON document on stdout`, async () => {
      const run = await ect(args());
      expect(run.code, run.stderr).toBe(code);
      expect(() => JSON.parse(run.stdout), run.stdout).not.toThrow();
      expect(run.stdout.trim().startsWith("{") || run.stdout.trim().startsWith("[")).toBe(true);
    });
  }
});
