// ect-ledger-postgres picked alone, the way a user meets it: its packed tarball (and those of the
// ect-* packages it depends on) installed into an empty project outside the workspace, with pg
// from the registry; the fixture type-checks against the installed types and runs against a
// private PostgreSQL server.
import { copyFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startPostgresServer } from "ect-ledger-postgres/testing";
import { describe, expect, inject, it } from "vitest";
import { compileStrictConsumer, repoRoot, run, tempDir } from "./support.js";

const fixture = "postgres-ledger.ts";

describe("ect-ledger-postgres from its tarball", () => {
  it("installs alone with pg, type-checks, and appends to a private server", async () => {
    const tarballs = new Map(Object.entries(inject("tarballs")));
    const project = tempDir("ect-postgres-alone");
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify(
        { name: "postgres-alone-app", version: "1.0.0", private: true, type: "module" },
        null,
        2,
      ),
    );
    const ours = ["ect-core", "ect-dag", "ect-ledger", "ect-ledger-postgres"];
    run(
      "npm",
      ["install", "--no-audit", "--no-fund", ...ours.map((n) => tarballs.get(n)!), "@types/node@^20"],
      project,
    );
    const installed = readdirSync(join(project, "node_modules"));
    expect(installed.filter((d) => d.startsWith("ect-")).sort()).toEqual(ours);
    expect(installed).toContain("pg");
    copyFileSync(join(repoRoot, "e2e/packaging/fixtures/postgres-alone", fixture), join(project, fixture));
    compileStrictConsumer(project, fixture, { types: ["node"], lib: ["ES2022"] });
    const server = await startPostgresServer();
    try {
      const out = run(process.execPath, [join(project, "out", "postgres-ledger.js")], project, {
        ...process.env,
        DATABASE_URL: server.connectionString,
      });
      expect(JSON.parse(out.trim().split("\n").at(-1)!)).toEqual({
        migratedTo: 2,
        first: "appended",
        again: "duplicate",
        recorded: [true, false],
      });
    } finally {
      await server.stop();
    }
  });
});
