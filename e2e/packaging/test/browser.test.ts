// ect-core, ect-crypto, ect-dag and ect-ledger-memory bundle for the browser (esbuild, platform
// browser) with no Node built-ins, and a representative sign/verify/validate/append run passes in
// headless Chromium (Debian's chromium, driven by playwright-core).
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, type ServedBundle, serveBrowserBundle } from "./browser-bundle.js";
import { repoRoot } from "./support.js";

const entry = join(repoRoot, "e2e/packaging/fixtures/browser/scenario.ts");

describe("browser bundle", () => {
  let served: ServedBundle;

  beforeAll(async () => {
    served = await serveBrowserBundle(entry, "ect browser");
  });

  afterAll(async () => {
    await served?.close();
  });

  it("bundles without any Node built-in and takes the WebCrypto signature path", () => {
    const inputs = Object.keys(served.metafile.inputs);
    expect(inputs.filter((i) => i.startsWith("node:") || /\bnode_modules\/@types\/node\b/.test(i))).toEqual(
      [],
    );
    for (const pkg of ["ect-core", "ect-crypto", "ect-dag", "ect-ledger-memory"]) {
      expect(
        inputs.some((i) => i.includes(`packages/${pkg}/dist/`)),
        `${pkg} is in the bundle`,
      ).toBe(true);
    }
    expect(inputs.some((i) => /ect-crypto\/dist\/signature\/node\.js$/.test(i))).toBe(false);
    expect(served.bundle).not.toMatch(/from\s*["']node:/);
  });

  it("signs, verifies, validates the DAG and appends in headless Chromium", async () => {
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(served.origin);
      await page.waitForFunction(() => "ectResult" in globalThis, undefined, { timeout: 30_000 });
      const result = await page.evaluate(
        () => (globalThis as unknown as { ectResult: Promise<unknown> }).ectResult,
      );
      const expected = { level: 3, forged: "ECT_DAG_PRED_MISSING", chainValid: true, mermaid: true };
      expect(result).toEqual({ backend: "webcrypto", ES256: expected, Ed25519: expected });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
