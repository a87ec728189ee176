// Opens a page in headless Chromium and measures how much of a screenshot is drawn.
import { type Browser, chromium } from "playwright-core";

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

/** Starts the system Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** How much of an image differs from its most common colour, and how many colours it has. */
export interface InkMeasure {
  readonly width: number;
  readonly height: number;
  /** Share of pixels that differ clearly from the dominant (background) colour, 0..1. */
  readonly inkRatio: number;
  /** Distinct colours, quantised to 4 bits per channel. */
  readonly colours: number;
}

/** Decodes a PNG in a blank page (no CSP there) and measures it on a canvas. */
export async function measureInk(browser: Browser, png: Buffer): Promise<InkMeasure> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(
      async (dataUrl: string) => {
        const img = new Image();
        img.src = dataUrl;
        await img.decode();
        const canvas = document.createElement("canvas");
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const ctx = canvas.getContext("2d");
        if (ctx === null) throw new Error("no 2d context");
        ctx.drawImage(img, 0, 0);
        const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
        const counts = new Map<number, number>();
        for (let i = 0; i < data.length; i += 4) {
          const q = ((data[i]! >> 4) << 8) | ((data[i + 1]! >> 4) << 4) | (data[i + 2]! >> 4);
          counts.set(q, (counts.get(q) ?? 0) + 1);
        }
        const total = data.length / 4;
        const background = Math.max(...counts.values());
        return {
          width: canvas.width,
          height: canvas.height,
          inkRatio: (total - background) / total,
          colours: counts.size,
        };
      },
      `data:image/png;base64,${png.toString("base64")}`,
    );
  } finally {
    await page.close();
  }
}
