// Opens the built docs site in headless Chromium: the landing page, one page per package, the
// search box, and no console errors. Keeps a screenshot under test-artifacts/.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { inflateSync } from "node:zlib";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDocsServer } from "../scripts/serve.mjs";
import { ARTIFACTS_DIR, DIST_DIR, guideTitles, requireBuiltSite, workspacePackages } from "./site.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
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

/** The symbol the search box must find: the one users look for first. */
const SEARCHED_SYMBOL = "verifyEct";

let server: Awaited<ReturnType<typeof startDocsServer>>;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  requireBuiltSite();
  server = await startDocsServer({ root: DIST_DIR, port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
  // The site must not reach outside 127.0.0.1 (no CDN, fonts or analytics).
  await page.route(/^(?!http:\/\/127\.0\.0\.1[:/]).*/, (route) => {
    consoleErrors.push(`request outside the site: ${route.request().url()}`);
    return route.abort();
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("docs site in Chromium", () => {
  it("shows the landing page with the guides and every package", async () => {
    const response = await page.goto(server.url);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toContain("ECT for TypeScript");
    const nav = (await page.locator("body").textContent()) ?? "";
    for (const pkg of workspacePackages()) expect(nav).toContain(pkg);
    for (const guide of guideTitles()) expect(nav).toContain(guide);
  });

  it("has a page for every package listing its exports, each with a description", async () => {
    const modulePages = readdirSync(`${DIST_DIR}modules`);
    for (const pkg of workspacePackages()) {
      // A package with several entry points (package.json "exports") has one page per entry point.
      const pages = modulePages.filter((page) => page === `${pkg}.html` || page.startsWith(`${pkg}.${pkg}`));
      expect(pages, pkg).toContain(`${pkg}.html`);
      let exported = 0;
      for (const file of pages) {
        const response = await page.goto(`${server.url}modules/${file}`);
        expect(response?.status(), file).toBe(200);
        expect(await page.locator("h1").first().textContent(), file).toContain(pkg);
        const summaries = await page.locator("dl.tsd-member-summaries > dt").evaluateAll((terms) =>
          terms.map((term) => ({
            name: term.querySelector(".tsd-member-summary-name")?.textContent?.trim() ?? "",
            kind: term.querySelector(".tsd-kind-icon")?.getAttribute("aria-label") ?? "",
            // A re-export ("Name → Name") is described on the page of its declaration.
            reexport: term.textContent?.includes("\u2192") ?? false,
            description: term.nextElementSibling?.textContent?.trim() ?? "",
          })),
        );
        const own = summaries.filter((summary) => !summary.reexport && summary.kind !== "Module");
        exported += own.length;
        expect(
          own.filter((summary) => summary.description === "").map((summary) => summary.name),
          `${file}: exports without a description`,
        ).toEqual([]);
      }
      expect(exported, `${pkg} lists no exports`).toBeGreaterThan(0);
    }
  });

  it("finds verifyEct with the search box", async () => {
    await page.goto(server.url);
    await page.locator("#tsd-search-trigger").click();
    await page.locator("#tsd-search-input").fill(SEARCHED_SYMBOL);
    const first = page.locator("#tsd-search-results li a").first();
    await first.waitFor({ state: "visible" });
    // The exact symbol ranks first, ahead of VerifyEctOptions, safeVerifyEct, ...
    expect(await first.getAttribute("href")).toMatch(new RegExp(`[./]${SEARCHED_SYMBOL}\\.html$`));
    await page.locator("#tsd-search-input").press("ArrowDown");
    await page.locator("#tsd-search-input").press("Enter");
    await page.waitForURL(new RegExp(`[./]${SEARCHED_SYMBOL}\\.html$`));
    expect(await page.locator("h1").first().textContent()).toContain(SEARCHED_SYMBOL);
    // Its page shows the TSDoc description, not just a signature.
    expect((await page.locator(".tsd-comment").first().textContent())?.trim().length).toBeGreaterThan(20);
  });

  it("renders a non-blank page (screenshot kept in test-artifacts/)", async () => {
    await page.goto(server.url);
    const png = await page.screenshot({ fullPage: false });
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    writeFileSync(`${ARTIFACTS_DIR}docs-home.png`, png);
    expect(png.length).toBeGreaterThan(10_000);
    expect(distinctPixelShare(png)).toBeGreaterThan(0.02);
  });

  it("logged no console errors and made no request outside the site", () => {
    expect(consoleErrors).toEqual([]);
  });
});

/**
 * Share of pixels that differ from the most common colour (the background): a blank page is ~0.
 * Decodes the PNG Chromium writes (8-bit RGB/RGBA, non-interlaced) with node:zlib.
 */
function distinctPixelShare(png: Buffer): number {
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("latin1", offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0) throw new Error("expected an 8-bit non-interlaced PNG");
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      if (channels === 0) throw new Error(`unexpected PNG colour type ${data[9]}`);
    } else if (type === "IDAT") idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  let previous = Buffer.alloc(stride);
  const counts = new Map<number, number>();
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels]! : 0;
      const b = previous[i]!;
      const c = i >= channels ? previous[i - channels]! : 0;
      let add = 0;
      if (filter === 1) add = a;
      else if (filter === 2) add = b;
      else if (filter === 3) add = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        add = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[i] = (line[i]! + add) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const o = x * channels;
      const rgb = (line[o]! << 16) | (line[o + 1]! << 8) | line[o + 2]!;
      counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
    }
    previous = line;
  }
  const background = Math.max(...counts.values());
  return 1 - background / (width * height);
}
