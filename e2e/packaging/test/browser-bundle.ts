// What the browser tests share: an esbuild browser bundle of one entry, served on loopback with a
// page that loads it, and the flags Debian's chromium runs headless with.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { build, type Metafile } from "esbuild";

/** Flags for headless Chromium on a shared CI-like machine. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A bundle served at `origin` (`/bundle.js`, and a page loading it at every other path). */
export interface ServedBundle {
  readonly bundle: string;
  readonly metafile: Metafile;
  readonly origin: string;
  close(): Promise<void>;
}

/** Bundles `entry` for the browser (ESM, es2022) and serves it on 127.0.0.1. */
export async function serveBrowserBundle(entry: string, title: string): Promise<ServedBundle> {
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
  const bundle = result.outputFiles[0]!.text;
  const page = `<!doctype html><meta charset="utf-8"><title>${title}</title><script type="module" src="/bundle.js"></script>`;
  const server = createServer((req, res) => {
    if (req.url === "/bundle.js") res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    else res.writeHead(200, { "content-type": "text/html" }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    bundle,
    metafile: result.metafile,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
