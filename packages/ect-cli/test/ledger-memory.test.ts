import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ect, startEct, tempDir, writeKeyFiles } from "./support/cli.js";
import { ISSUER, JTI, tamperClaims, WID, workflowTokens } from "./support/tokens.js";

const { dir, remove } = tempDir("ledger");
afterAll(remove);

let keys: Awaited<ReturnType<typeof writeKeyFiles>>;
let other: Awaited<ReturnType<typeof writeKeyFiles>>;
let tokens: Awaited<ReturnType<typeof workflowTokens>>;
const trust = () => ["--trust", `${ISSUER}=${keys.jwksFile}`];
const lines = (file: string) => readFileSync(join(dir, file), "utf8").trim().split("\n");
/** The entry lines of an export (profile §7: header, entries, conflicts, checkpoints). */
const entryLines = (file: string) => lines(file).filter((l) => l.includes('"type":"entry"'));

/** The ledger every test reads: plan, search, book appended by the CLI (seq 1-3). */
const LEDGER = "memory:main.jsonl";

beforeAll(async () => {
  keys = await writeKeyFiles(dir, "a");
  other = await writeKeyFiles(dir, "other");
  tokens = await workflowTokens(keys.key);
  const first = await ect(["ledger", "append", "--ledger", LEDGER, ...trust(), tokens.plan, tokens.search], {
    cwd: dir,
  });
  expect(first.code, first.stderr).toBe(0);
  expect(first.stdout).toContain(`token 1: appended as seq 1, jti ${JTI.plan}`);
  expect(first.stdout).toContain(`token 2: appended as seq 2, jti ${JTI.search}`);
  // From stdin, one per line, blank lines ignored; a re-send is a duplicate, not a failure.
  const second = await ect(["ledger", "append", "--ledger", LEDGER, ...trust()], {
    cwd: dir,
    stdin: `\n${tokens.book}\n${tokens.plan}\n`,
  });
  expect(second.code, second.stderr).toBe(0);
  expect(second.stdout).toContain(`token 1: appended as seq 3, jti ${JTI.book}`);
  expect(second.stdout).toContain("token 2: already stored as seq 1");
  expect(second.stderr).toContain("1 appended, 1 already stored, 0 not stored; head seq 3");
});

describe.concurrent("ect ledger append", () => {
  it("refuses without --trust unless --no-verify is explicit (exit 2)", async () => {
    const run = await ect(["ledger", "append", "--ledger", "memory:x.jsonl", tokens.plan], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("verifies each token's signature first");
    expect(run.stderr).toContain("--no-verify");
    expect(existsSync(join(dir, "x.jsonl"))).toBe(false);
  });

  it("refuses a token whose key is not trusted, a DAG violation and a conflict; stores the rest (exit 1)", async () => {
    const copy = "append-mixed.jsonl";
    writeFileSync(join(dir, copy), readFileSync(join(dir, "main.jsonl")));
    const { createEct } = await import("ect-crypto");
    const foreign = await createEct(
      { iss: ISSUER, aud: "x", exec_act: "foreign", pred: [], jti: crypto.randomUUID() },
      other.key,
    );
    const run = await ect(
      [
        "ledger",
        "append",
        "--ledger",
        `memory:${copy}`,
        ...trust(),
        foreign,
        tokens.orphan,
        tokens.planConflict,
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("token 1: REFUSED: ECT_KEY_NOT_FOUND (kid)");
    expect(run.stdout).toContain(`token 2: REJECTED by the DAG rules: ECT_DAG_PRED_MISSING (pred[0])`);
    expect(run.stdout).toContain(
      `token 3: CONFLICT: seq 1 holds a different token with the same (wid, jti ${JTI.plan})`,
    );
    expect(entryLines(copy)).toHaveLength(3);

    const unchecked = await ect(["ledger", "append", "--ledger", `memory:${copy}`, "--no-verify", foreign], {
      cwd: dir,
    });
    expect(unchecked.code).toBe(0);
    expect(unchecked.stdout).toContain("appended as seq 4");
  });

  it("waits while another process holds the ledger file's lock, and never writes meanwhile", async () => {
    // This process stands in for another ect writing the file: its pid is alive.
    const lock = join(dir, "locked.jsonl.lock");
    writeFileSync(lock, `${process.pid}\n`);
    const running = startEct(
      ["ledger", "append", "--ledger", "memory:locked.jsonl", ...trust(), tokens.plan],
      {
        cwd: dir,
      },
    );
    await running.stderrContains(`is being written by another ect process (pid ${process.pid}); waiting`);
    expect(existsSync(join(dir, "locked.jsonl"))).toBe(false);
    unlinkSync(lock);
    const run = await running.result;
    expect(run.code, run.stderr).toBe(0);
    expect(entryLines("locked.jsonl")).toHaveLength(1);
    expect(existsSync(lock)).toBe(false);

    // A holder that keeps it: the append gives up after its wait, writing nothing (exit 1).
    writeFileSync(join(dir, "held.jsonl.lock"), `${process.pid}\n`);
    const held = await ect(["ledger", "append", "--ledger", "memory:held.jsonl", ...trust(), tokens.plan], {
      cwd: dir,
    });
    expect(held.code).toBe(1);
    expect(held.stderr).toContain("try again when it has finished");
    expect(existsSync(join(dir, "held.jsonl"))).toBe(false);
  });

  it("a writer stopped by a signal removes its lock", async () => {
    // Reading tokens from a stdin that stays open, with the file locked.
    const running = startEct(["ledger", "append", "--ledger", "memory:signal.jsonl", "--no-verify"], {
      cwd: dir,
      keepStdinOpen: true,
    });
    const lock = join(dir, "signal.jsonl.lock");
    while (!existsSync(lock)) await new Promise((resolve) => setTimeout(resolve, 20));
    running.kill("SIGTERM");
    const run = await running.result;
    expect(run.signal).toBe("SIGTERM");
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(join(dir, "signal.jsonl"))).toBe(false);
  });

  it("a lock left by a dead process is reported, not broken (exit 1)", async () => {
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    writeFileSync(join(dir, "stale.jsonl.lock"), `${dead.stdout}\n`);
    const run = await ect(
      ["ledger", "append", "--ledger", "memory:stale.jsonl", "--no-verify", tokens.plan],
      {
        cwd: dir,
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`locked by process ${dead.stdout}, which is no longer running`);
    expect(run.stderr).toContain("remove");
  });
});

describe.concurrent("ect ledger head, show, export, import, graph", () => {
  it("a plain path names the same ledger file as memory:PATH", async () => {
    const [plain, prefixed] = await Promise.all([
      ect(["ledger", "head", "--ledger", "main.jsonl", "--json"], { cwd: dir }),
      ect(["ledger", "head", "--ledger", LEDGER, "--json"], { cwd: dir }),
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe(prefixed.stdout);
  });

  it("head prints seq and the latest checkpoint; show prints entries by seq and wid", async () => {
    const last = JSON.parse(lines("main.jsonl").at(-1)!) as { type: string; size: number; root: string };
    expect(last).toMatchObject({ type: "checkpoint", size: 3 });
    const [head, headJson, seq, wid, missing] = await Promise.all([
      ect(["ledger", "head", "--ledger", LEDGER], { cwd: dir }),
      ect(["ledger", "head", "--ledger", LEDGER, "--json"], { cwd: dir }),
      ect(["ledger", "show", "--ledger", LEDGER, "--seq", "2"], { cwd: dir }),
      ect(["ledger", "show", "--ledger", LEDGER, "--wid", WID, "--json"], { cwd: dir }),
      ect(["ledger", "show", "--ledger", LEDGER, "--seq", "9"], { cwd: dir }),
    ]);
    expect(head.stdout).toBe(`seq 3\ncheckpoint 3 ${last.root}\n`);
    expect(JSON.parse(headJson.stdout)).toEqual({ seq: 3, checkpointSize: 3, root: last.root });
    expect(seq.stdout).toContain(`seq 2  ingested`);
    expect(seq.stdout).toContain(`jti       ${JTI.search}`);
    expect(seq.stdout).toContain("exec_act  search-flights");
    expect(seq.stdout).toContain(`pred      ${JTI.plan}`);
    expect((JSON.parse(wid.stdout) as { jti: string }[]).map((e) => e.jti)).toEqual([
      JTI.plan,
      JTI.search,
      JTI.book,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no entry with seq 9");
  });

  it("export writes the JSON Lines; import loads them into an empty ledger only", async () => {
    const [stdout, toFile] = await Promise.all([
      ect(["ledger", "export", "--ledger", LEDGER], { cwd: dir }),
      ect(["ledger", "export", "--ledger", LEDGER, "--out", "exported.jsonl"], { cwd: dir }),
    ]);
    expect(stdout.stdout).toBe(readFileSync(join(dir, "main.jsonl"), "utf8"));
    expect(toFile.code).toBe(0);
    const again = await ect(["ledger", "export", "--ledger", LEDGER, "--out", "exported.jsonl"], {
      cwd: dir,
    });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("refusing to overwrite");

    const imported = await ect(["ledger", "import", "--ledger", "memory:imported.jsonl", "-"], {
      cwd: dir,
      stdin: stdout.stdout,
    });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain("imported 3 entries into memory:imported.jsonl; head seq 3");
    expect(imported.stderr).toContain(
      "run 'ect ledger audit --ledger memory:imported.jsonl --trust ISS=FILE ...'",
    );
    expect(readFileSync(join(dir, "imported.jsonl"), "utf8")).toBe(stdout.stdout);

    const twice = await ect(["ledger", "import", "--ledger", "memory:imported.jsonl", "exported.jsonl"], {
      cwd: dir,
    });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("import needs an empty ledger");
  });

  it("graph draws the workflow as text, Mermaid and DOT", async () => {
    const [ascii, mermaid, dot, bad] = await Promise.all([
      ect(["graph", "--ledger", LEDGER], { cwd: dir }),
      ect(["graph", "--ledger", LEDGER, "--wid", WID, "--format", "mermaid"], { cwd: dir }),
      ect(["graph", "--ledger", LEDGER, "--format", "dot"], { cwd: dir }),
      ect(["graph", "--ledger", LEDGER, "--format", "svg"], { cwd: dir }),
    ]);
    expect(ascii.code).toBe(0);
    expect(ascii.stdout).toContain("A plan-trip");
    expect(ascii.stdout).toContain("← A, B");
    expect(mermaid.stdout).toContain("flowchart TD");
    expect(mermaid.stdout).toContain("n0 --> n1");
    expect(mermaid.stdout).toContain("n1 --> n2");
    expect(dot.stdout).toMatch(/^digraph ect \{/);
    expect(dot.stdout).toContain("n0 -> n2;");
    expect(bad.code).toBe(2);
  });

  it("bad --ledger values and missing files are usage errors (exit 2)", async () => {
    const [plain, empty, missing, redisId] = await Promise.all([
      ect(["ledger", "head", "--ledger", "sftp://host/main.jsonl"], { cwd: dir }),
      ect(["ledger", "head", "--ledger", "memory:"], { cwd: dir }),
      ect(["ledger", "show", "--ledger", "memory:nope.jsonl"], { cwd: dir }),
      ect(["ledger", "head", "--ledger", LEDGER, "--ledger-id", "x"], { cwd: dir }),
    ]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain("unknown kind of ledger URL");
    expect(empty.code).toBe(2);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("does not exist");
    expect(redisId.code).toBe(2);
  });
});

describe.concurrent("ect ledger audit", () => {
  it("a sound ledger passes, with signatures re-verified (exit 0)", async () => {
    const [human, json] = await Promise.all([
      ect(["ledger", "audit", "--ledger", LEDGER, ...trust()], { cwd: dir }),
      ect(["ledger", "audit", "--ledger", LEDGER, "--no-verify", "--json"], { cwd: dir }),
    ]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("audit of memory:main.jsonl: 3 entries, latest checkpoint covers 3");
    expect(human.stdout).toContain("signatures: re-verified with");
    expect(human.stdout).toContain("OK: no problem found");
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: true,
      entries: 3,
      signaturesVerified: false,
      problems: [],
    });
  });

  it("an edited token in the file: exit 1, the entry named by seq and jti, other commands refuse the file", async () => {
    const file = "tampered-token.jsonl";
    const records = lines("main.jsonl").map((l) => JSON.parse(l) as Record<string, unknown>);
    records[2]!["token"] = tamperClaims(records[2]!["token"] as string, {
      exec_act: "search-and-book-first-class",
    });
    writeFileSync(join(dir, file), `${records.map((r) => JSON.stringify(r)).join("\n")}\n`);
    const [audit, json, head] = await Promise.all([
      ect(["ledger", "audit", "--ledger", `memory:${file}`, ...trust()], { cwd: dir }),
      ect(["ledger", "audit", "--ledger", `memory:${file}`, ...trust(), "--json"], { cwd: dir }),
      ect(["ledger", "head", "--ledger", `memory:${file}`], { cwd: dir }),
    ]);
    expect(audit.code).toBe(1);
    expect(audit.stdout).toContain(
      `seq 2 jti ${JTI.search}: ECT_LEDGER_TREE_MISMATCH: the leaf hash does not match the stored token`,
    );
    expect(audit.stdout).toContain(`seq 2 jti ${JTI.search}: ECT_SIGNATURE_INVALID (signature)`);
    const report = JSON.parse(json.stdout) as {
      valid: boolean;
      firstBadIndex: number;
      problems: { index: number; code: string }[];
    };
    expect(report.valid).toBe(false);
    expect(report.firstBadIndex).toBe(1);
    expect(report.problems.filter((p) => p.index === 1).map((p) => p.code)).toEqual(
      expect.arrayContaining(["ECT_LEDGER_TREE_MISMATCH", "ECT_SIGNATURE_INVALID"]),
    );
    expect(report.problems.every((p) => p.index >= 1)).toBe(true);
    expect(head.code).toBe(1);
    expect(head.stderr).toContain("cannot be loaded: import line 3: leafHash does not match");
    expect(head.stderr).toContain(`run 'ect ledger audit --ledger memory:${file}'`);
  });

  it("an edited hash and an unreadable line are each reported with their entry", async () => {
    const file = "tampered-hash.jsonl";
    const records = lines("main.jsonl").map((l) => JSON.parse(l) as Record<string, unknown>);
    records[3]!["leafHash"] = "0".repeat(64);
    writeFileSync(join(dir, file), `${records.map((r) => JSON.stringify(r)).join("\n")}\nnot json at all\n`);
    const run = await ect(["ledger", "audit", "--ledger", file, "--no-verify"], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("signatures: NOT verified (--no-verify)");
    expect(run.stdout).toContain(
      `seq 3 jti ${JTI.book}: ECT_LEDGER_TREE_MISMATCH: the leaf hash does not match the stored token`,
    );
    expect(run.stdout).toMatch(/seq 4: ECT_LEDGER_IMPORT_INVALID: line \d+: is not strict JSON/);
  });

  it("a removed entry: every later line is named, and the audit reads each line once", async () => {
    const all = lines("main.jsonl");
    writeFileSync(join(dir, "removed.jsonl"), `${[all[0], ...all.slice(2)].join("\n")}\n`);
    const run = await ect(["ledger", "audit", "--ledger", "memory:removed.jsonl", ...trust(), "--json"], {
      cwd: dir,
    });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      entries: number;
      firstBadIndex: number;
      problems: { index: number; jti: string; code: string; message: string }[];
    };
    expect(report.entries).toBe(2);
    expect(report.firstBadIndex).toBe(0);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          index: 0,
          jti: JTI.search,
          code: "ECT_LEDGER_IMPORT_INVALID",
          message: "line 2: index 1 is entry 0 of the export: an entry was removed, added or moved",
        }),
        expect.objectContaining({ index: 0, jti: JTI.search, code: "ECT_DAG_PRED_MISSING" }),
        expect.objectContaining({ index: 1, jti: JTI.book, code: "ECT_LEDGER_IMPORT_INVALID" }),
        expect.objectContaining({ code: "ECT_LEDGER_TREE_MISMATCH" }),
      ]),
    );
  });
});
