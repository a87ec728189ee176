// Every TypeScript example in the guides (docs/*.md) is type-checked against the workspace packages
// with the project's strict compiler options, then run with Node: a guide cannot show code that no
// longer compiles or no longer works. ```ts no-run examples (those needing a Redis server) are only
// type-checked.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { EctErrorCodes } from "ect-core";
import { type PostgresServerHandle, startPostgresServer } from "ect-ledger-postgres/testing";
import { type RedisServerHandle, startRedisServer } from "ect-ledger-redis/testing";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  extractErrorCodesTable,
  loadHttpStatus,
  PROFILE_GUIDE,
  readErrorCodes,
  renderErrorCodesTable,
} from "../scripts/error-codes-table.mjs";
import { allExamples, extractExamples, type GuideExample, guideFiles } from "./guide-examples.js";
import { ARTIFACTS_DIR, REPO_ROOT, workspacePackages } from "./site.js";

const run = promisify(execFile);
const EXAMPLES_DIR = `${ARTIFACTS_DIR}examples/`;
const examples = allExamples();
const fileOf = (example: GuideExample) => `${EXAMPLES_DIR}${example.id}.mts`;

/** The guides this issue promises; each must exist. */
const EXPECTED_GUIDES = [
  "ect-profile.md",
  "getting-started.md",
  "mcp-and-otel.md",
  "postgres-ledger.md",
  "proving-inclusion.md",
  "redis-ledger.md",
  "security-model.md",
  "wimse.md",
  "writing-a-ledger-backend.md",
];

/** A private redis-server (AOF on, fsync always, as the Redis guide recommends) for the examples that use `REDIS_URL`. */
let redis: RedisServerHandle | undefined;
/** A private PostgreSQL server (fsync and synchronous_commit on) for the examples that use `DATABASE_URL`. */
let postgres: PostgresServerHandle | undefined;

beforeAll(async () => {
  const unbuilt = workspacePackages().filter(
    (pkg) => !existsSync(`${REPO_ROOT}packages/${pkg}/dist/index.js`),
  );
  if (unbuilt.length > 0) {
    throw new Error(
      `The guide examples run against the built packages; not built: ${unbuilt.join(", ")}. Run \`pnpm build\`.`,
    );
  }
  rmSync(EXAMPLES_DIR, { recursive: true, force: true });
  mkdirSync(EXAMPLES_DIR, { recursive: true });
  for (const example of examples) writeFileSync(fileOf(example), `${example.code}\n`);
  if (examples.some((example) => example.run && example.code.includes("REDIS_URL"))) {
    redis = await startRedisServer({ appendonly: true, appendfsync: "always" });
  }
  if (examples.some((example) => example.run && example.code.includes("DATABASE_URL"))) {
    postgres = await startPostgresServer();
  }
});

afterAll(async () => {
  await redis?.stop();
  await postgres?.stop();
});

describe("the guides", () => {
  it("are all there", () => {
    expect(guideFiles()).toEqual(expect.arrayContaining(EXPECTED_GUIDES));
  });

  it(`say how to run their examples: ${RUN_COMMAND} FILE.mts (what the tests below run)`, () => {
    const withRunnable = [...new Set(examples.filter((e) => e.run).map((e) => e.guide))];
    const silent = withRunnable.filter(
      (guide) => !readFileSync(`${REPO_ROOT}docs/${guide}`, "utf8").includes(`${RUN_COMMAND} `),
    );
    expect(silent).toEqual([]);
  });

  it("are shown in reading order: getting started first, the profile (a reference) last", () => {
    // plugins/guide-order.mjs sorts the site's guides by the `order:` of their front matter.
    const orderOf = (guide: string) => {
      const frontMatter =
        /^---\n([\s\S]*?)\n---/.exec(readFileSync(`${REPO_ROOT}docs/${guide}`, "utf8"))?.[1] ?? "";
      const value = /^order: *(\d+)$/m.exec(frontMatter)?.[1];
      return value === undefined ? 99 : Number(value);
    };
    const orders = guideFiles().map((guide) => [guide, orderOf(guide)] as const);
    const sorted = [...orders].sort((a, b) => a[1] - b[1]).map(([guide]) => guide);
    expect(sorted[0]).toBe("getting-started.md");
    expect(sorted.at(-1)).toBe("ect-profile.md");
  });

  it("have runnable examples, and only a few type-check-only ones", () => {
    expect(examples.filter((e) => e.run).length).toBeGreaterThanOrEqual(8);
    expect(examples.filter((e) => !e.run).length).toBeLessThanOrEqual(4);
  });

  it("extraction finds ts fences, their flags and lines, and refuses unknown flags", () => {
    const text = ["# t", "```ts", "a();", "```", "```sh", "b", "```", "```ts no-run", "c();", "```"].join(
      "\n",
    );
    expect(extractExamples("x.md", text)).toEqual([
      { guide: "x.md", line: 3, code: "a();", run: true, id: "x-L3" },
      { guide: "x.md", line: 9, code: "c();", run: false, id: "x-L9" },
    ]);
    expect(() => extractExamples("x.md", "```ts norun\n```")).toThrow(/unknown fence flag/);
    expect(() => extractExamples("x.md", "```ts\nopen")).toThrow(/unclosed/);
  });
});

describe("guide examples type-check", () => {
  it("with the repository's strict compiler options, against the built packages", () => {
    const base = ts.readConfigFile(`${REPO_ROOT}tsconfig.base.json`, (path) => ts.sys.readFile(path));
    const parsed = ts.parseJsonConfigFileContent(base.config, ts.sys, REPO_ROOT);
    const options: ts.CompilerOptions = {
      ...parsed.options,
      noEmit: true,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
      types: ["node"],
      typeRoots: [`${REPO_ROOT}apps/docs/node_modules/@types`],
    };
    const program = ts.createProgram({ rootNames: examples.map(fileOf), options });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => describeDiagnostic(d));
    expect(diagnostics).toEqual([]);
  });
});

/** The command every guide gives for its examples, run here exactly as written (no transformed copy). */
const RUN_COMMAND = "npx tsx";
const TSX = `${REPO_ROOT}apps/docs/node_modules/.bin/tsx`;

describe.each(examples.filter((e) => e.run))("guide example $guide:$line", (example) => {
  it(`runs to completion with the guide's command (${RUN_COMMAND} FILE.mts), exactly as written`, async () => {
    const result = await run(TSX, [fileOf(example)], {
      cwd: EXAMPLES_DIR,
      timeout: 60_000,
      env: {
        ...process.env,
        ...(redis ? { REDIS_URL: redis.url } : {}),
        ...(postgres ? { DATABASE_URL: postgres.connectionString } : {}),
      },
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(
        `docs/${example.guide}:${example.line}: the example failed\n${error.stderr || error.message}\n${error.stdout ?? ""}`,
      );
    });
    expect(result.stderr).toBe("");
  });
});

describe("the error-code table of docs/ect-profile.md", () => {
  const guide = readFileSync(PROFILE_GUIDE, "utf8");

  it("is the one generated from ect-core's EctErrorCodes and ect-http's statuses (run `pnpm --filter ect-docs run error-codes`)", async () => {
    expect(extractErrorCodesTable(guide)).toBe(
      renderErrorCodesTable(readErrorCodes(), await loadHttpStatus()),
    );
  });

  it("lists every code the built ect-core exports, each exactly once", () => {
    const table = extractErrorCodesTable(guide) ?? "";
    const listed = [...table.matchAll(/^\| `(ECT_[A-Z0-9_]+)` \| \d{3} \|/gm)].map((m) => m[1]);
    expect([...listed].sort()).toEqual(Object.values(EctErrorCodes).sort());
  });
});

/** A compiler diagnostic as `docs/<guide>:<line>: message`, mapped back to the guide. */
function describeDiagnostic(diagnostic: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
  const file = diagnostic.file;
  if (file === undefined || diagnostic.start === undefined) return message;
  const example = examples.find((e) => fileOf(e) === file.fileName);
  const { line } = file.getLineAndCharacterOfPosition(diagnostic.start);
  return example === undefined
    ? `${file.fileName}:${line + 1}: ${message}`
    : `docs/${example.guide}:${example.line + line}: ${message}`;
}
