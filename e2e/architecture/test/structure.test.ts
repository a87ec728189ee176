// Issue 14: no import loop in any package (type-only imports included), and no package
// re-exports another package's names (each name has one home; ect-core's internals stay in
// `ect-core/internal`).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import madge from "madge";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const packagesDir = join(root, "packages");
const packages = readdirSync(packagesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe("import structure of packages/*/src", () => {
  it.each(packages)("%s has no import loop (madge --circular, type-only imports included)", async (name) => {
    const src = join(packagesDir, name, "src");
    const result = await madge(src, {
      fileExtensions: ["ts"],
      tsConfig: join(packagesDir, name, "tsconfig.json"),
      detectiveOptions: { ts: { skipTypeImports: false }, tsx: { skipTypeImports: false } },
      // Only this package's own files: another package is reached through its built output.
      excludeRegExp: [/node_modules/, /[\\/]dist[\\/]/],
    });
    expect(result.circular()).toEqual([]);
  });

  it("madge does find a loop (the check can fail)", async () => {
    const dir = join(root, "e2e/architecture/test/fixtures/loop");
    const result = await madge(dir, { fileExtensions: ["ts"] });
    expect(result.circular()).toEqual([["a.ts", "b.ts"]]);
  });
});

/** The source entry files of a package: its package.json exports mapped from dist/*.js to src/*.ts. */
function entryFiles(name: string): string[] {
  const manifest = JSON.parse(readFileSync(join(packagesDir, name, "package.json"), "utf8")) as {
    exports?: Record<string, unknown>;
  };
  const files: string[] = [];
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (subpath === "./package.json") continue;
    const types =
      typeof target === "object" && target !== null ? (target as { types?: string }).types : undefined;
    if (typeof types !== "string") continue;
    files.push(join(packagesDir, name, types.replace(/^\.\/dist\//, "src/").replace(/\.d\.ts$/, ".ts")));
  }
  return files;
}

/** `entry: name from file` for every name the entry files export that is declared outside `ownDir`. */
function foreignExports(entries: readonly string[], ownDir: string): string[] {
  const program = ts.createProgram([...entries], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const own = ownDir.endsWith("/") ? ownDir : `${ownDir}/`;
  const foreign: string[] = [];
  for (const entry of entries) {
    const file = program.getSourceFile(entry);
    if (file === undefined) throw new Error(`cannot read ${entry}`);
    const moduleSymbol = checker.getSymbolAtLocation(file);
    for (const symbol of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      for (const declaration of target.declarations ?? []) {
        const path = declaration.getSourceFile().fileName;
        if (!path.startsWith(own))
          foreign.push(`${relative(root, entry)}: ${symbol.name} from ${relative(root, path)}`);
      }
    }
  }
  return foreign;
}

describe("no package re-exports another package's names", () => {
  it.each(packages)("every name %s exports is declared in that package", (name) => {
    const entries = entryFiles(name);
    expect(foreignExports(entries, join(packagesDir, name))).toEqual([]);
  });

  it("reports a re-export (the check can fail)", () => {
    const pkg = join(root, "e2e/architecture/test/fixtures/reexport/pkg");
    expect(foreignExports([join(pkg, "index.ts")], pkg)).toEqual([
      "e2e/architecture/test/fixtures/reexport/pkg/index.ts: helper from e2e/architecture/test/fixtures/reexport/other/helper.ts",
    ]);
  });
});
