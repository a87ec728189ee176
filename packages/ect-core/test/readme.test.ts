import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as core from "../src/index.js";
import { isEctErrorCode } from "../src/internal.js";

// The README is documentation users copy: its example must run and its error table must be complete.

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("the example runs and prints what its comments say", async () => {
    const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const body = block!.replace(/import \{([\s\S]*?)\} from "ect-core";/, "const {$1} = core;");
    expect(body).not.toContain("import ");
    const logged: unknown[] = [];
    const log = (...values: unknown[]) => logged.push(...values);
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
      ...args: string[]
    ) => (...a: unknown[]) => Promise<void>;
    await new AsyncFunction("core", "console", body)(core, { log });
    expect(logged).toEqual([1, "search", true, "ECT_LEVEL_TOO_LOW", "ECT_JSON_DUPLICATE_MEMBER", "iss"]);
  });

  it("the error-code table lists every code (add a row when you add a code)", () => {
    const documented = new Set([...readme.matchAll(/^\| `(ECT_[A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]));
    const missing = Object.values(core.EctErrorCodes).filter((code) => !documented.has(code));
    expect(missing).toEqual([]);
    for (const code of documented) expect(isEctErrorCode(code), code).toBe(true);
  });
});
