import { type PostgresServerHandle, startPostgresServer } from "ect-ledger-postgres/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ect, tempDir, writeKeyFiles } from "./support/cli.js";
import { ISSUER, JTI, WID, workflowTokens, writeMemoryExport } from "./support/tokens.js";

// `--ledger postgres://…`: the same commands on the PostgreSQL ledger (tables migrated at open).
const { dir, remove } = tempDir("postgres");
let server: PostgresServerHandle;
let keys: Awaited<ReturnType<typeof writeKeyFiles>>;
let tokens: Awaited<ReturnType<typeof workflowTokens>>;
const trust = () => ["--trust", `${ISSUER}=${keys.jwksFile}`];
const at = (ledgerId: string) => ["--ledger", server.connectionString, "--ledger-id", ledgerId];

beforeAll(async () => {
  server = await startPostgresServer();
  keys = await writeKeyFiles(dir, "a");
  tokens = await workflowTokens(keys.key);
  await writeMemoryExport(dir, [tokens.plan, tokens.search]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  remove();
});

describe("ect ledger on a private PostgreSQL server", () => {
  it("import, append (DAG rules in the append transaction), show and audit", async () => {
    const imported = await ect(["ledger", "import", ...at("loans"), "export.jsonl"], { cwd: dir });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain("imported 2 entries into postgresql:");
    expect(imported.stdout).toContain("(ledger id loans)");
    const appended = await ect(
      ["ledger", "append", ...at("loans"), ...trust(), tokens.book, tokens.orphan, tokens.plan],
      { cwd: dir },
    );
    expect(appended.code).toBe(1);
    expect(appended.stdout).toContain(`token 1: appended as seq 3, jti ${JTI.book}`);
    expect(appended.stdout).toContain("token 2: REJECTED by the DAG rules: ECT_DAG_PRED_MISSING (pred[0])");
    expect(appended.stdout).toContain("token 3: already stored as seq 1");
    const show = await ect(["ledger", "show", ...at("loans"), "--wid", WID, "--json"], { cwd: dir });
    expect(show.code, show.stderr).toBe(0);
    expect((JSON.parse(show.stdout) as { jti: string }[]).map((e) => e.jti)).toEqual([
      JTI.plan,
      JTI.search,
      JTI.book,
    ]);
    const audit = await ect(["ledger", "audit", ...at("loans"), ...trust()], { cwd: dir });
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
  }, 60_000);

  it("refuses a malformed postgres URL and a bad ledger id as usage errors (exit 2)", async () => {
    const badUrl = await ect(["ledger", "show", "--ledger", "postgres://[::1", "--json"], { cwd: dir });
    expect(badUrl.code).toBe(2);
    const badId = await ect(["ledger", "show", ...at("a b")], { cwd: dir });
    expect(badId.code).toBe(2);
  });
});
