import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { LEDGER_CONFORMANCE_CHECKS } from "../src/index.js";

// The README is documentation users copy: its runnable example must run, and it must describe
// every group of checks the suite has.

const root = fileURLToPath(new URL("../", import.meta.url));
const readme = readFileSync(`${root}README.md`, "utf8");

describe("README", () => {
  it("runs its helpers example", async () => {
    const example = /## Helpers[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const source = example!.replace(
      'from "ect-ledger-testkit"',
      `from ${JSON.stringify(pathToFileURL(`${root}src/index.ts`).href)}`,
    );
    mkdirSync(`${root}test-artifacts`, { recursive: true });
    const file = `${root}test-artifacts/readme-helpers.ts`;
    writeFileSync(file, `${source}\nexport const done = true;\n`);
    const module = await import(/* @vite-ignore */ pathToFileURL(file).href);
    expect(module.done).toBe(true);
  });

  it("documents every group of checks", () => {
    const groups = new Set(
      LEDGER_CONFORMANCE_CHECKS.map((c) => c.group.replace(/ \((SPEC|profile) [^)]*\)$/, "")),
    );
    const table = /## What it checks([\s\S]*?)\n## /.exec(readme)?.[1] ?? "";
    const rows = new Set([...table.matchAll(/^\| ([^|]+?) \|/gm)].map((m) => m[1]!.trim()));
    for (const group of groups) expect(rows, group).toContain(group);
  });
});
