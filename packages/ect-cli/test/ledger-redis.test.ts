import { redisLedgerKeys } from "ect-ledger-redis";
import { type RedisServerHandle, startRedisServer } from "ect-ledger-redis/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ect, tempDir, writeKeyFiles } from "./support/cli.js";
import { ISSUER, JTI, tamperClaims, WID, workflowTokens, writeMemoryExport } from "./support/tokens.js";

const { dir, remove } = tempDir("redis");
let server: RedisServerHandle;
let keys: Awaited<ReturnType<typeof writeKeyFiles>>;
let tokens: Awaited<ReturnType<typeof workflowTokens>>;
let exported: string;
const trust = () => ["--trust", `${ISSUER}=${keys.jwksFile}`];
const at = (ledgerId: string) => ["--ledger", server.url, "--ledger-id", ledgerId];

beforeAll(async () => {
  server = await startRedisServer();
  keys = await writeKeyFiles(dir, "a");
  tokens = await workflowTokens(keys.key);
  exported = await writeMemoryExport(dir, [tokens.plan, tokens.search]);
});

afterAll(async () => {
  await server?.stop();
  remove();
});

describe.concurrent("ect ledger on a private redis-server", () => {
  it("import, append (with DAG rules in Redis), head, show, export, graph and audit", async () => {
    const imported = await ect(["ledger", "import", ...at("loans"), "export.jsonl"], { cwd: dir });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(`imported 2 entries into ${server.url} (ledger id loans); head seq 2`);
    expect(imported.stderr).toContain(`--ledger ${server.url} --ledger-id loans --trust ISS=FILE`);
    const twice = await ect(["ledger", "import", ...at("loans"), "export.jsonl"], { cwd: dir });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("import refused, nothing stored");

    const appended = await ect(
      ["ledger", "append", ...at("loans"), ...trust(), tokens.book, tokens.orphan, tokens.plan],
      {
        cwd: dir,
      },
    );
    expect(appended.code).toBe(1);
    expect(appended.stdout).toContain(`token 1: appended as seq 3, jti ${JTI.book}`);
    expect(appended.stdout).toContain("token 2: REJECTED by the DAG rules: ECT_DAG_PRED_MISSING (pred[0])");
    expect(appended.stdout).toContain("token 3: already stored as seq 1");

    const [head, show, exportRun, graph, audit] = await Promise.all([
      ect(["ledger", "head", ...at("loans"), "--json"], { cwd: dir }),
      ect(["ledger", "show", ...at("loans"), "--wid", WID, "--json"], { cwd: dir }),
      ect(["ledger", "export", ...at("loans")], { cwd: dir }),
      ect(["graph", ...at("loans"), "--format", "mermaid"], { cwd: dir }),
      ect(["ledger", "audit", ...at("loans"), ...trust()], { cwd: dir }),
    ]);
    const exportedLines = exportRun.stdout.trim().split("\n");
    const entryLines = exportedLines.filter((l) => l.includes('"type":"entry"'));
    expect(entryLines).toHaveLength(3);
    // The same entries (leaf hashes included) as the memory backend wrote.
    expect(entryLines.slice(0, 2)).toEqual(exported.split("\n").filter((l) => l.includes('"type":"entry"')));
    const last = JSON.parse(exportedLines.at(-1)!) as { type: string; size: number; root: string };
    expect(JSON.parse(head.stdout)).toEqual({ seq: 3, checkpointSize: last.size, root: last.root });
    expect((JSON.parse(show.stdout) as { jti: string }[]).map((e) => e.jti)).toEqual([
      JTI.plan,
      JTI.search,
      JTI.book,
    ]);
    expect(graph.stdout).toContain("n1 --> n2");
    expect(audit.code, audit.stdout).toBe(0);
    expect(audit.stdout).toContain("OK: no problem found");
  });

  it("an entry tampered with inside Redis is named by the audit (exit 1)", async () => {
    const imported = await ect(["ledger", "import", ...at("tampered"), "-"], { cwd: dir, stdin: exported });
    expect(imported.code, imported.stderr).toBe(0);
    const forged = tamperClaims(tokens.search, { exec_act: "wire-all-funds" });
    await server.command("HSET", redisLedgerKeys("tampered").entry(1), "t", forged);
    const run = await ect(["ledger", "audit", ...at("tampered"), ...trust(), "--json"], { cwd: dir });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      valid: boolean;
      firstBadIndex: number;
      problems: { index: number; jti: string; code: string }[];
    };
    expect(report.valid).toBe(false);
    expect(report.firstBadIndex).toBe(1);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ index: 1, jti: JTI.search, code: "ECT_LEDGER_TREE_MISMATCH" }),
        expect.objectContaining({ index: 1, jti: JTI.search, code: "ECT_SIGNATURE_INVALID" }),
      ]),
    );
    expect(report.problems.every((p) => p.index >= 1)).toBe(true);
  });

  it("an unreachable server is ECT_LEDGER_UNAVAILABLE (exit 1); a bad ledger id a usage error", async () => {
    const [down, badId] = await Promise.all([
      ect(["ledger", "head", "--ledger", "redis://127.0.0.1:1"], { cwd: dir }),
      ect(["ledger", "head", ...at("has space")], { cwd: dir }),
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("ECT_LEDGER_UNAVAILABLE");
    expect(down.stderr).toContain("hint: is the Redis server running");
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('--ledger-id "has space" is not a valid ledger id');
  });
});
