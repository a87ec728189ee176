// ect-core, ect-crypto, ect-dag and ect-ledger-memory bundle for the browser (esbuild, platform
// browser) with no Node built-ins, and a representative sign/verify/validate/append run passes in
// headless Chromium (Debian's chromium, driven by playwright-core).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { build, type Metafile } from "esbuild";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./support.js";

const entry = join(repoRoot, "e2e/packaging/fixtures/browser/scenario.ts");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

describe("browser bundle", () => {
  let bundle: string;
  let metafile: Metafile;
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: "browser",
      format: "esm",
      target: "es2022",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    bundle = result.outputFiles[0]!.text;
    metafile = result.metafile;
    const page = `<!doctype html><meta charset="utf-8"><title>ect browser</title><script type="module" src="/bundle.js"></script>`;
    server = createServer((req, res) => {
      if (req.url === "/bundle.js") {
        res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
      } else {
        res.writeHead(200, { "content-type": "text/html" }).end(page);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it("bundles without any Node built-in and takes the WebCrypto signature path", () => {
    const inputs = Object.keys(metafile.inputs);
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
    expect(bundle).not.toMatch(/from\s*["']node:/);
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
      await page.goto(origin);
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
