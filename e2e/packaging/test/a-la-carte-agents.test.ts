// ect-mcp and ect-otel picked a la carte: each installed from its tarball into an empty project
// outside the workspace, with only its peer dependency (the MCP SDK and zod; @opentelemetry/api),
// type-checked against the installed types and run.
import { copyFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { compileStrictConsumer, repoRoot, run, tempDir } from "./support.js";

const fixtures = join(repoRoot, "e2e/packaging/fixtures/a-la-carte");
const tarballs = new Map(Object.entries(inject("tarballs")));

/** An empty project with these tarballs and registry packages installed. */
function project(ours: string[], peers: string[]): string {
  const dir = tempDir("ect-a-la-carte-agents");
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "app", version: "1.0.0", private: true, type: "module" }),
  );
  run("npm", ["install", "--no-audit", "--no-fund", ...ours.map((n) => tarballs.get(n)!), ...peers], dir);
  return dir;
}

function installed(dir: string): string[] {
  const top = readdirSync(join(dir, "node_modules"));
  const scoped = top
    .filter((d) => d.startsWith("@"))
    .flatMap((s) => readdirSync(join(dir, "node_modules", s)).map((d) => `${s}/${d}`));
  return [...top.filter((d) => !d.startsWith("@") && !d.startsWith(".")), ...scoped];
}

function checkAndRun(dir: string, fixture: string): unknown {
  copyFileSync(join(fixtures, fixture), join(dir, fixture));
  compileStrictConsumer(dir, fixture);
  const out = run(process.execPath, [join(dir, "out", fixture.replace(/\.ts$/, ".js"))], dir);
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

describe("agent integrations a la carte", () => {
  it("ect-mcp with only the MCP SDK and zod beside it: a tool call with an ECT, a refusal without one", () => {
    const dir = project(
      ["ect-core", "ect-crypto", "ect-mcp"],
      ["@modelcontextprotocol/sdk@^1.32.2", "zod@^4"],
    );
    const all = installed(dir);
    expect(all.filter((d) => d.startsWith("ect-")).sort()).toEqual(["ect-core", "ect-crypto", "ect-mcp"]);
    expect(all.filter((d) => d.startsWith("@opentelemetry/"))).toEqual([]);
    expect(checkAndRun(dir, "mcp-tool-call.ts")).toEqual({
      chained: true,
      refused: "ECT_MCP_ECT_MISSING",
      runs: 1,
    });
  });

  it("ect-otel with only @opentelemetry/api beside it: links per predecessor, traceparent round trip", () => {
    const dir = project(["ect-core", "ect-otel"], ["@opentelemetry/api@~1.9.0"]);
    const all = installed(dir);
    expect(all.filter((d) => d.startsWith("ect-")).sort()).toEqual(["ect-core", "ect-otel"]);
    expect(all.filter((d) => d.startsWith("@opentelemetry/"))).toEqual(["@opentelemetry/api"]);
    expect(all).not.toContain("@modelcontextprotocol/sdk");
    const ids = ["1", "2", "3"].map((n) => `00000000-0000-4000-8000-00000000000${n}`);
    expect(checkAndRun(dir, "otel-spans.ts")).toEqual({
      links: [ids[0], ids[1]],
      jti: ids[2],
      roundTrip: true,
    });
  });
});
