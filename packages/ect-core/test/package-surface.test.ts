import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as core from "../src/index.js";
import * as internal from "../src/internal.js";

// ect-core's public entry is an explicit list (issue 14: no `export *`, at most half of the 107
// names it used to export); helpers our own packages share live in `ect-core/internal`. Other
// packages build on these names: a rename must fail here first. And ect-core must run in browsers
// and edge runtimes (ARCHITECTURE: no node: imports).

const srcDir = new URL("../src/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  exports: Record<string, unknown>;
};

/**
 * Every name an entry file exports, values and types alike, read from its explicit export list
 * (`export { a, type B } from "./x.js"` and `export type { C } from "./y.js"`).
 */
function exportedNames(file: string): string[] {
  const text = readFileSync(new URL(file, srcDir), "utf8");
  expect(text, `${file} must not use export *`).not.toMatch(/export\s+(type\s+)?\*/);
  const names: string[] = [];
  for (const [, list] of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s+from/g)) {
    for (const item of list!.split(",")) {
      const name = item.trim().replace(/^type\s+/, "");
      if (name !== "") names.push(name);
    }
  }
  return names;
}

describe("ect-core package surface", () => {
  it("the main entry is an explicit list of at most 53 names (half of the 107 it once had)", () => {
    const names = exportedNames("index.ts");
    console.log(`ect-core exports ${names.length} names from its main entry (limit 53)`);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeLessThanOrEqual(53);
    // Every runtime name of the list is really exported (the rest are types).
    const runtime = Object.keys(core);
    expect(names).toEqual(expect.arrayContaining(runtime));
  });

  it("exports the names users build on from the main entry", () => {
    const names = [
      "DEFAULT_CONFIG",
      "ECT_TYP",
      "EXECUTION_CONTEXT_HEADER",
      "EctConfigError",
      "EctError",
      "EctErrorCodes",
      "SUPPORTED_ALGORITHMS",
      "decodeEct",
      "formatExecutionContextHeader",
      "isEctError",
      "loadConfigFromEnv",
      "parseExecutionContextHeader",
      "resolveConfig",
      "sha256Base64url",
    ];
    expect(Object.keys(core).sort()).toEqual(names.sort());
  });

  it("keeps the shared helpers in ect-core/internal, never in both entries", () => {
    const helpers = [
      "base64urlDecode",
      "base64urlEncode",
      "parseStrictJson",
      "parseStrictJsonValue",
      "resolveDagRuleOptions",
      "sha256Sync",
      "toHex",
      "validateClaims",
      "validateHeader",
    ];
    expect(Object.keys(internal)).toEqual(expect.arrayContaining(helpers));
    for (const name of helpers) expect(core, name).not.toHaveProperty(name);
    const both = exportedNames("internal.ts").filter((n) => exportedNames("index.ts").includes(n));
    expect(both).toEqual([]);
  });

  it("publishes ./internal with types and default, and documents it as outside semver", () => {
    expect(manifest.exports["./internal"]).toEqual({
      types: "./dist/internal.d.ts",
      default: "./dist/internal.js",
    });
    const doc = readFileSync(new URL("internal.ts", srcDir), "utf8");
    expect(doc).toMatch(/outside the semver promise/);
    expect(doc).toMatch(/@packageDocumentation/);
  });

  it("maps #sha256 to node:crypto only under the node condition, the portable code everywhere else", () => {
    const target = (manifest as unknown as { imports: Record<string, Record<string, string>> }).imports[
      "#sha256"
    ]!;
    expect(Object.keys(target)[0]).toBe("types");
    expect(Object.keys(target).at(-1)).toBe("default");
    expect(target["node"]).toBe("./dist/sha256-node.js");
    for (const condition of ["browser", "worker", "workerd", "deno", "bun", "default"]) {
      expect(target[condition], condition).toBe("./dist/sha256.js");
    }
    const order = Object.keys(target);
    for (const condition of ["browser", "worker", "workerd", "deno", "bun"]) {
      expect(order.indexOf(condition)).toBeLessThan(order.indexOf("node"));
    }
  });

  it("imports no node: module and uses no Node globals in src", () => {
    // sha256-node.ts is the one exception, reached only through the `node` condition of `#sha256`.
    for (const file of readdirSync(srcDir).filter((f) => f.endsWith(".ts") && f !== "sha256-node.ts")) {
      // Code only: comments may mention `process.env` as an example argument.
      const text = readFileSync(new URL(file, srcDir), "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/^\s*\/\/.*$/gm, "");
      expect(text, file).not.toMatch(/from\s+["']node:|require\(|import\(["']node:/);
      expect(text, file).not.toMatch(/\b(Buffer|process)\./);
    }
  });
});
