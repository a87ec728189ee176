// The README's sign-and-verify example runs as written (against the sources).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { signatureBackendName } from "../src/index.js";

const root = fileURLToPath(new URL("../", import.meta.url));

describe(`README [${signatureBackendName}]`, () => {
  it("has a sign-and-verify example of at most ten lines that runs", async () => {
    const readme = readFileSync(`${root}README.md`, "utf8");
    const example = /## Sign and verify\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    expect(example!.trim().split("\n").length).toBeLessThanOrEqual(10);
    const source = example!
      .replace(`from "ect-crypto"`, `from "${root}src/index.js"`)
      .concat("\nexport const result = { claims, level };\n");
    mkdirSync(`${root}test-artifacts`, { recursive: true });
    const file = `${root}test-artifacts/readme-example-${signatureBackendName}.ts`;
    writeFileSync(file, source);
    const { result } = await import(/* @vite-ignore */ file);
    expect(result.level).toBe(2);
    expect(result.claims.exec_act).toBe("summarise");
  });
});
