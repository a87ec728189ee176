// ect-wimse's verification functions bundle for the browser (esbuild, platform browser) with no Node
// built-in, and verify the published WIMSE WIT and WPT and a WIT-bound ECT in headless Chromium
// (Debian's chromium, driven by playwright-core), as the "runs in any runtime" asks.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, type ServedBundle, serveBrowserBundle } from "./browser-bundle.js";
import { repoRoot } from "./support.js";

const entry = join(repoRoot, "e2e/packaging/fixtures/browser/wimse-scenario.ts");
const vectors = join(repoRoot, "testdata/wimse");

describe("ect-wimse browser bundle", () => {
  let served: ServedBundle;

  beforeAll(async () => {
    served = await serveBrowserBundle(entry, "ect-wimse");
  });

  afterAll(async () => {
    await served?.close();
  });

  it("bundles without any Node built-in", () => {
    const inputs = Object.keys(served.metafile.inputs);
    expect(inputs.filter((i) => i.startsWith("node:"))).toEqual([]);
    expect(inputs.some((i) => i.includes("packages/ect-wimse/dist/"))).toBe(true);
    expect(inputs.some((i) => /ect-crypto\/dist\/signature\/node\.js$/.test(i))).toBe(false);
    expect(served.bundle).not.toMatch(/from\s*["']node:/);
  });

  it("verifies the published WIT, WPT and a WIT-bound ECT in headless Chromium", async () => {
    const input = {
      wit: readFileSync(join(vectors, "wit.txt"), "utf8").trim(),
      wpt: readFileSync(join(vectors, "wpt.txt"), "utf8").trim(),
      keys: JSON.parse(readFileSync(join(vectors, "keys.json"), "utf8")),
    };
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(served.origin);
      await page.waitForFunction(() => "runWimse" in globalThis, undefined, { timeout: 30_000 });
      const result = await page.evaluate(
        (v) => (globalThis as unknown as { runWimse: (x: unknown) => Promise<unknown> }).runWimse(v),
        input,
      );
      expect(result).toEqual({
        backend: "webcrypto",
        wit: "wimse://example.com/specific-workload",
        wpt: "__bwc4ESC3acc2LTC1-_x",
        ect: { iss: "wimse://example.com/specific-workload", alg: "EdDSA", kid: null },
        // the second call reuses the published WPT: its jti was recorded by the first
        replayedWpt: "ECT_WPT_REPLAY",
      });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
