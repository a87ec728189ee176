import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

// The README's example is documentation users copy: it must run as written (against the sources).

const root = fileURLToPath(new URL("../", import.meta.url));

describe("README", () => {
  it("runs its example (every assertion in it holds)", async () => {
    const readme = readFileSync(`${root}README.md`, "utf8");
    const example = /## Example[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const source = example!.replace(
      'from "ect-ledger-memory"',
      `from ${JSON.stringify(pathToFileURL(`${root}src/index.ts`).href)}`,
    );
    expect(source).not.toContain('"ect-ledger-memory"');
    mkdirSync(`${root}test-artifacts`, { recursive: true });
    const file = `${root}test-artifacts/readme-example.ts`;
    writeFileSync(file, `${source}\nexport const done = true;\n`);
    const module = await import(/* @vite-ignore */ pathToFileURL(file).href);
    expect(module.done).toBe(true);
  });
});
