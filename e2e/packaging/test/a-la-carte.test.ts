// Packages picked a la carte, the way a user meets them: packed tarballs installed into an empty
// project outside the workspace, one layer at a time. Each step type-checks a small TypeScript
// file against the installed types, then runs it.
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startRedisServer } from "ect-ledger-redis/testing";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { compileStrictConsumer, repoRoot, run, tempDir } from "./support.js";

const fixtures = join(repoRoot, "e2e/packaging/fixtures/a-la-carte");

describe("a la carte installs from tarballs", () => {
  const tarballs = new Map(Object.entries(inject("tarballs")));
  let project: string;

  const install = (...names: string[]) =>
    run("npm", ["install", "--no-audit", "--no-fund", ...names.map((n) => tarballs.get(n)!)], project);

  const ours = () =>
    readdirSync(join(project, "node_modules"))
      .filter((d) => d.startsWith("ect-"))
      .sort();

  /** Type-checks one fixture with its own tsconfig (`types` decides whether Node's types are visible), then runs it. */
  const checkAndRun = (fixture: string, types: string[], env: NodeJS.ProcessEnv = process.env): unknown => {
    copyFileSync(join(fixtures, fixture), join(project, fixture));
    compileStrictConsumer(project, fixture, { types });
    const out = run(process.execPath, [join(project, "out", fixture.replace(/\.ts$/, ".js"))], project, env);
    return JSON.parse(out.trim().split("\n").at(-1)!);
  };

  beforeAll(() => {
    project = tempDir("ect-a-la-carte");
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "a-la-carte-app", version: "1.0.0", private: true, type: "module" }, null, 2),
    );
  });

  it("ect-core + ect-crypto alone sign and verify, with no Node types and nothing else of ours", () => {
    install("ect-core", "ect-crypto");
    expect(ours()).toEqual(["ect-core", "ect-crypto"]);
    // Browser-safe types: checked with `types: []`, so nothing may need @types/node.
    expect(checkAndRun("sign-and-verify.ts", [])).toEqual({
      exec_act: "review_document",
      level: 2,
      replay: "refused",
    });
  });

  it("adding ect-dag + ect-ledger + ect-ledger-memory validates a fork-and-join workflow into a ledger", () => {
    install("ect-dag", "ect-ledger", "ect-ledger-memory");
    expect(ours()).toEqual(["ect-core", "ect-crypto", "ect-dag", "ect-ledger", "ect-ledger-memory"]);
    expect(checkAndRun("workflow.ts", [])).toEqual({
      level: 3,
      head: 4,
      chainValid: true,
      forged: "ECT_DAG_PRED_MISSING",
    });
  });

  it("the root README's first program runs as written (node example.mjs) and prints what the README shows", () => {
    // The project holds what the README's "From a clone" installs (the tarballs of pnpm pack:packages).
    const section = readFileSync(join(repoRoot, "README.md"), "utf8").split("## A first program")[1] ?? "";
    const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    const printed = /It prints:\s*```text\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code, "the README has a ```js example under 'A first program'").toBeDefined();
    writeFileSync(join(project, "example.mjs"), code!);
    expect(run(process.execPath, ["example.mjs"], project)).toBe(printed);
  });

  it("adding ect-ledger-redis appends to a private redis-server", async () => {
    install("ect-ledger-redis");
    run("npm", ["install", "--no-audit", "--no-fund", "@types/node@^20"], project);
    expect(ours()).toEqual([
      "ect-core",
      "ect-crypto",
      "ect-dag",
      "ect-ledger",
      "ect-ledger-memory",
      "ect-ledger-redis",
    ]);
    const server = await startRedisServer();
    try {
      const result = checkAndRun("redis-ledger.ts", ["node"], { ...process.env, REDIS_URL: server.url });
      expect(result).toEqual({ first: "appended", again: "duplicate", chainValid: true });
    } finally {
      await server.stop();
    }
  });
});
