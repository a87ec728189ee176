// ect-wimse's verification functions bundle for the browser (esbuild, platform browser) with no Node
// built-in, and verify the published WIMSE WIT and WPT and a WIT-bound ECT in headless Chromium
// (Debian's chromium, driven by playwright-core), as the "runs in any runtime" asks.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { build, type Metafile } from "esbuild";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./support.js";

const entry = join(repoRoot, "e2e/packaging/fixtures/browser/wimse-scenario.ts");
const vectors = join(repoRoot, "testdata/wimse");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
];

describe("ect-wimse browser bundle", () => {
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
    const page = `<!doctype html><meta charset="utf-8"><title>ect-wimse</title><script type="module" src="/bundle.js"></script>`;
    server = createServer((req, res) => {
      if (req.url === "/bundle.js") res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
      else res.writeHead(200, { "content-type": "text/html" }).end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it("bundles without any Node built-in", () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((i) => i.startsWith("node:"))).toEqual([]);
    expect(inputs.some((i) => i.includes("packages/ect-wimse/dist/"))).toBe(true);
    expect(inputs.some((i) => /ect-crypto\/dist\/signature\/node\.js$/.test(i))).toBe(false);
    expect(bundle).not.toMatch(/from\s*["']node:/);
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
      await page.goto(origin);
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
