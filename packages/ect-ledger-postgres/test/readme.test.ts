import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PostgresServerHandle, startPostgresServer } from "../src/testing/index.js";

// The README's example is documentation users copy: it must run as written (against the sources),
// here against a private server given as DATABASE_URL.

const root = fileURLToPath(new URL("../", import.meta.url));
let server: PostgresServerHandle;

beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await server?.stop();
});

describe("README", () => {
  it("runs its example (every check in it holds)", async () => {
    const readme = readFileSync(`${root}README.md`, "utf8");
    const example = /## Example[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const source = example!.replace(
      'from "ect-ledger-postgres"',
      `from ${JSON.stringify(pathToFileURL(`${root}src/index.ts`).href)}`,
    );
    expect(source).not.toContain('"ect-ledger-postgres"');
    mkdirSync(`${root}test-artifacts`, { recursive: true });
    const file = `${root}test-artifacts/readme-example.ts`;
    writeFileSync(file, `${source}\nexport const done = true;\n`);
    process.env["DATABASE_URL"] = server.connectionString;
    const module = await import(/* @vite-ignore */ pathToFileURL(file).href);
    expect(module.done).toBe(true);
  }, 60_000);
});
