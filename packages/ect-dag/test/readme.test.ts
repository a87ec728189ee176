import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, "..", "README.md"), "utf8");

/** The body of the first fenced block with this info string. */
function block(info: string): string {
  const start = readme.indexOf("```" + info + "\n");
  expect(start).toBeGreaterThanOrEqual(0);
  const body = readme.slice(start + info.length + 4);
  return body.slice(0, body.indexOf("```")).trimEnd();
}

describe("README", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("runs its example and shows exactly what the example prints", async () => {
    const source = block("ts").replace(
      'from "ect-dag"',
      `from ${JSON.stringify(pathToFileURL(join(here, "..", "src", "index.ts")).href)}`,
    );
    const dir = join(here, "..", "test-artifacts");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "readme-example.ts");
    writeFileSync(file, source);
    const printed: unknown[][] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      printed.push(args);
    });
    await import(pathToFileURL(file).href);
    expect(printed[0]).toEqual([false, ["ECT_DAG_PRED_MISSING pred[1]"]]);
    expect(printed[1]).toEqual([true, ["0b0c3c4e-4bce-4c8e-9b7c-3f9a1e0d2c11"]]);
    expect(printed[2]).toEqual([["plan-trip", "search-hotels", "book"]]);
    expect(printed[3]).toEqual([block("mermaid")]);
    expect(printed[4]).toEqual([block("text")]);
  });
});
