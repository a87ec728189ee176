import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { exportLedgerJsonl } from "ect-ledger";
import { MemoryLedger } from "ect-ledger-memory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CommandSpec, closest, parseCommand } from "../src/command-spec.js";
import { ExitCode, runCli } from "../src/index.js";
import { CLI_LEDGER_ORIGIN, parseLedgerLocation } from "../src/ledger-location.js";
import { createProgress } from "../src/progress.js";
import { displayText, durationText, relativeTime, safeJson } from "../src/terminal-text.js";
import { parsePositiveSeconds, parseTimeInput } from "../src/time-input.js";
import { tempDir, writeKeyFiles } from "./support/cli.js";
import { capture, inProcessIo } from "./support/in-process.js";
import { workflowTokens } from "./support/tokens.js";

describe("--now and --exp-in parsing", () => {
  it("accepts seconds and ISO 8601 with a zone; refuses zoneless, impossible and garbage times", () => {
    expect(parseTimeInput("1700000000", "--now")).toBe(1_700_000_000_000);
    expect(parseTimeInput("1700000000.5", "--now")).toBe(1_700_000_000_500);
    expect(parseTimeInput("2023-11-14T22:13:20Z", "--now")).toBe(1_700_000_000_000);
    expect(parseTimeInput("2023-11-14T23:13:20+01:00", "--now")).toBe(1_700_000_000_000);
    expect(parseTimeInput("2023-11-14", "--now")).toBe(Date.UTC(2023, 10, 14));
    for (const bad of ["2023-11-14T22:13:20", "2023-02-30T00:00:00Z", "2023-13-01", "now", "-5", ""]) {
      expect(() => parseTimeInput(bad, "--now"), bad).toThrow(/is not a time/);
    }
    expect(parsePositiveSeconds("300", "--exp-in")).toBe(300);
    for (const bad of ["0", "-1", "1.5", "1e3", "x"])
      expect(() => parsePositiveSeconds(bad, "--exp-in")).toThrow();
  });
});

describe("terminal text", () => {
  it("escapes control, bidi and zero-width characters; JSON stays the same JSON", () => {
    const hostile = "a\u001b[2Jb\u009bc\u202ed\u200be\nf";
    expect(displayText(hostile)).toBe("a\\u001b[2Jb\\u009bc\\u202ed\\u200be\\u000af");
    const json = safeJson({ hostile }, 0);
    expect(json).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200b\u202e]/);
    expect(JSON.parse(json)).toEqual({ hostile });
  });

  it("durations and relative times in words", () => {
    expect(durationText(0)).toBe("0 seconds");
    expect(durationText(61)).toBe("1 minute 1 second");
    expect(durationText(3_600)).toBe("1 hour");
    expect(durationText(90_061)).toBe("1 day 1 hour");
    expect(durationText(400 * 86_400)).toBe("1 year 35 days");
    expect(relativeTime(100, 100.4)).toBe("now");
    expect(relativeTime(400, 100)).toBe("in 5 minutes");
    expect(relativeTime(100, 400)).toBe("5 minutes ago");
  });
});

describe("options and locations", () => {
  it("suggests the closest name only for plausible typos", () => {
    expect(closest("--verifer-id", ["--verifier-id", "--trust"])).toBe("--verifier-id");
    expect(closest("--zzz", ["--verifier-id", "--trust"])).toBeUndefined();
  });

  it("parses --ledger, masks a Redis password and checks the ledger id", () => {
    const io = inProcessIo({ cwd: "/srv" });
    expect(parseLedgerLocation(io, "memory:l.jsonl", undefined)).toEqual({
      kind: "memory",
      path: "/srv/l.jsonl",
      display: "memory:l.jsonl",
    });
    const redis = parseLedgerLocation(io, "redis://audit:s3cret@db.internal:6379/2", "loans");
    expect(redis).toMatchObject({
      kind: "redis",
      ledgerId: "loans",
      url: "redis://audit:s3cret@db.internal:6379/2",
    });
    expect(redis.display).toBe("redis://audit:***@db.internal:6379/2 (ledger id loans)");
    expect(() => parseLedgerLocation(io, "redis://h:1", "a{b}")).toThrow(/not a valid ledger id/);
    expect(() => parseLedgerLocation(io, "memory:l.jsonl", "loans")).toThrow(
      /Redis and PostgreSQL ledgers only/,
    );
    const postgres = parseLedgerLocation(io, "postgres://audit:s3cret@db.internal/ect", "loans");
    expect(postgres).toMatchObject({ kind: "postgres", ledgerId: "loans" });
    expect(postgres.display).toBe("postgres://audit:***@db.internal/ect (ledger id loans)");
    expect(() => parseLedgerLocation(io, undefined, undefined)).toThrow(/missing --ledger/);
    // A plain path is a JSON Lines file too; an unknown URL scheme is refused, not taken as a path.
    expect(parseLedgerLocation(io, "ledgers/l.jsonl", undefined)).toEqual({
      kind: "memory",
      path: "/srv/ledgers/l.jsonl",
      display: "ledgers/l.jsonl",
    });
    expect(() => parseLedgerLocation(io, "mysql://h/db", undefined)).toThrow(/unknown kind of ledger URL/);
  });

  it("an option that always takes a value takes one starting with '-'; every missing option is named at once", () => {
    const spec: CommandSpec = {
      name: "demo",
      summary: "",
      usage: [],
      description: "",
      options: {
        kid: { type: "string", value: "KID", description: "k", required: true },
        iss: { type: "string", value: "ISS", description: "i", required: true },
        aud: { type: "string", value: "AUD", description: "a", multiple: true, required: true },
        json: { type: "boolean", description: "j" },
      },
      positionals: { min: 0, max: 1, name: "X" },
      examples: [],
    };
    const parsed = parseCommand(spec, [
      "--kid",
      "-Ab3",
      "--iss",
      "--json",
      "--aud",
      "-",
      "--json",
      "--",
      "--x",
    ]);
    expect(parsed.values).toMatchObject({ kid: "-Ab3", iss: "--json", aud: ["-"], json: true });
    expect(parsed.positionals).toEqual(["--x"]);
    expect(() => parseCommand(spec, ["--json"])).toThrow("missing options --kid KID, --iss ISS, --aud AUD");
  });
});

describe("progress bar", () => {
  it("draws on a terminal after the delay, throttled, and clears itself", () => {
    const stream = capture(true);
    let now = 0;
    const progress = createProgress({
      stream,
      label: "auditing",
      unit: "entries",
      total: 200,
      clock: () => now,
    });
    progress.tick(10); // before the delay: nothing
    expect(stream.text()).toBe("");
    now = 1_000;
    progress.tick(90);
    expect(stream.text()).toMatch(/^\rauditing \[#+-+\] {2}50% 100\/200 entries\u001b\[K$/);
    const drawn = stream.text();
    now = 1_050;
    progress.tick(50); // within 100 ms of the last draw: not redrawn
    expect(stream.text()).toBe(drawn);
    progress.done();
    expect(stream.text().endsWith("\r\u001b[K")).toBe(true);
  });

  it("writes nothing at all when the stream is not a terminal", () => {
    const stream = capture(false);
    let now = 0;
    const progress = createProgress({
      stream,
      label: "importing",
      unit: "lines",
      clock: () => (now += 1_000),
    });
    for (let i = 0; i < 10; i++) progress.tick();
    progress.done();
    expect(stream.text()).toBe("");
  });
});

describe("progress of ect ledger audit and import (runCli in-process)", () => {
  const { dir, remove } = tempDir("progress");
  let jsonl: string;
  beforeAll(async () => {
    const { key } = await writeKeyFiles(dir, "a");
    const tokens = await workflowTokens(key);
    const ledger = new MemoryLedger({ origin: CLI_LEDGER_ORIGIN });
    for (const token of [tokens.plan, tokens.search, tokens.book]) await ledger.append(token);
    await ledger.integrate();
    const lines: string[] = [];
    for await (const line of exportLedgerJsonl(ledger)) lines.push(line);
    jsonl = `${lines.join("\n")}\n`;
    writeFileSync(join(dir, "l.jsonl"), jsonl);
  });
  afterAll(remove);

  /** A clock that moves a second per call, so even three entries are "slow" enough to draw. */
  const slowClock = () => {
    let now = Date.now();
    return () => (now += 1_000);
  };

  it("draws the bar on a terminal stderr, and nothing when stderr is piped", async () => {
    const tty = inProcessIo({ cwd: dir, clock: slowClock(), stderrIsTTY: true });
    expect(await runCli(["ledger", "audit", "--ledger", "memory:l.jsonl", "--no-verify"], tty)).toBe(
      ExitCode.OK,
    );
    expect(tty.stderr.text()).toContain("\rauditing [");
    expect(tty.stderr.text()).toContain("3/3 entries");
    expect(tty.stderr.text().endsWith("\r\u001b[K")).toBe(true);
    expect(tty.stdout.text()).toContain("OK: no problem found");

    const piped = inProcessIo({ cwd: dir, clock: slowClock() });
    expect(await runCli(["ledger", "audit", "--ledger", "memory:l.jsonl", "--no-verify"], piped)).toBe(
      ExitCode.OK,
    );
    expect(piped.stderr.text()).toBe("");
    expect(piped.stdout.text()).toBe(tty.stdout.text());
  });

  it("an import shows its progress in bytes of the file", async () => {
    const tty = inProcessIo({ cwd: dir, clock: slowClock(), stderrIsTTY: true });
    expect(await runCli(["ledger", "import", "--ledger", "memory:copy.jsonl", "l.jsonl"], tty)).toBe(
      ExitCode.OK,
    );
    expect(tty.stderr.text()).toMatch(/\rimporting \[#*-*\] +\d+% \d+\/\d+ bytes/);
    expect(tty.stdout.text()).toContain("imported 3 entries");
  });
});
