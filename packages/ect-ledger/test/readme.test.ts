import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

// The README is documentation users copy: every ```ts example runs (its asserts are the checks).
const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, "..", "README.md"), "utf8");

describe("README", () => {
  const examples = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!);

  it("has runnable examples", () => {
    expect(examples.length).toBeGreaterThanOrEqual(1);
  });

  it.each(examples.map((code, i) => [i, code] as const))("example %i runs", async (i, code) => {
    const source = code.replace(
      'from "ect-ledger"',
      `from ${JSON.stringify(pathToFileURL(join(here, "..", "src", "index.ts")).href)}`,
    );
    const dir = join(here, "..", "test-artifacts");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `readme-example-${i}.ts`);
    writeFileSync(file, source);
    await expect(import(pathToFileURL(file).href)).resolves.toBeDefined();
  });
});
