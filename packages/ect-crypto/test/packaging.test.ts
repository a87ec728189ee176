// The default entry is browser-safe and the Node fast path is chosen only by the `node` condition.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../", import.meta.url));
const manifest = JSON.parse(readFileSync(`${root}package.json`, "utf8"));

function sourceFiles(dir = "src"): string[] {
  return readdirSync(`${root}${dir}`, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(`${dir}/${entry.name}`) : [`${dir}/${entry.name}`],
  );
}

describe("packaging", () => {
  it("imports node: modules only in the Node signature primitive", () => {
    const offenders = sourceFiles().filter(
      (file) =>
        file !== "src/signature/node.ts" &&
        /(from\s+|import\s*\(\s*)["']node:/.test(readFileSync(`${root}${file}`, "utf8")),
    );
    expect(offenders).toEqual([]);
    expect(readFileSync(`${root}src/signature/node.ts`, "utf8")).toContain('from "node:crypto"');
  });

  it("maps #signature-backend to node:crypto only under the node condition, WebCrypto everywhere else", () => {
    const target = manifest.imports["#signature-backend"];
    expect(Object.keys(target)[0]).toBe("types");
    expect(Object.keys(target).at(-1)).toBe("default");
    expect(target.types).toBe("./dist/signature/backend.d.ts");
    expect(target.node).toBe("./dist/signature/node.js");
    for (const condition of ["browser", "worker", "workerd", "deno", "bun", "default"]) {
      expect(target[condition], condition).toBe("./dist/signature/webcrypto.js");
    }
    // Runtimes that also set "node" (Bun, Deno, bundlers targeting workers) match their own first.
    const order = Object.keys(target);
    for (const condition of ["browser", "worker", "workerd", "deno", "bun"]) {
      expect(order.indexOf(condition)).toBeLessThan(order.indexOf("node"));
    }
    for (const file of Object.values(target) as string[]) {
      const source = file.replace("./dist/", "src/").replace(/\.d\.ts$|\.js$/, ".ts");
      expect(sourceFiles()).toContain(source);
    }
  });

  it("only the primitive's own module imports #signature-backend", () => {
    const users = sourceFiles().filter((file) =>
      readFileSync(`${root}${file}`, "utf8").includes('"#signature-backend"'),
    );
    expect(users).toEqual(["src/signature/selected-backend.ts"]);
  });

  it("runs every suite against both primitives: each test file has a WebCrypto twin", () => {
    const suites = readdirSync(`${root}test`).filter(
      (f) => f.endsWith(".test.ts") && f !== "packaging.test.ts",
    );
    const twins = readdirSync(`${root}test/webcrypto`).filter((f) => f.endsWith(".test.ts"));
    expect(twins.sort()).toEqual(suites.sort());
  });

  it("exports one entry with types and default, and package.json", () => {
    expect(manifest.exports).toEqual({
      ".": { types: "./dist/index.d.ts", default: "./dist/index.js" },
      "./package.json": "./package.json",
    });
    expect(manifest.sideEffects).toBe(false);
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["ect-core", "jose"]);
  });
});
