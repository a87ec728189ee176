#!/usr/bin/env node
// A tiny static server for the built docs site (apps/docs/dist), bound to 127.0.0.1 only.
//
//   pnpm --filter ect-docs run serve          # http://127.0.0.1:4173/
//   PORT=8080 pnpm --filter ect-docs run serve
//
// Also imported by the browser test, which starts it on a free port (`port: 0`).
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Where `pnpm docs` writes the site. */
export const DIST_DIR = fileURLToPath(new URL("../dist/", import.meta.url));

/** @type {Record<string, string>} */
const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json; charset=utf-8",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Maps a request path to a file under `root`, or `undefined` when it would leave `root`.
 * @param {string} root absolute directory
 * @param {string} urlPath the request's path (no query)
 * @returns {string | undefined}
 */
export function resolveSitePath(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const base = resolve(root);
  const file = resolve(base, `.${decoded.endsWith("/") ? `${decoded}index.html` : decoded}`);
  return file === base || file.startsWith(base + sep) ? file : undefined;
}

/**
 * Starts the server. Resolves once it listens.
 * @param {{ root?: string, port?: number, host?: string }} [options]
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function startDocsServer(options = {}) {
  const root = options.root ?? DIST_DIR;
  const host = options.host ?? "127.0.0.1";
  const server = createServer(async (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    let file = resolveSitePath(root, path);
    try {
      if (file === undefined) throw new Error("outside the site");
      let info = await stat(file);
      if (info.isDirectory()) {
        file = join(file, "index.html");
        info = await stat(file);
      }
      res.writeHead(200, {
        "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
        "content-length": info.size,
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
      });
      if (req.method === "HEAD") res.end();
      else createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
    }
  });
  await new Promise((resolveListen, rejectListen) => {
    server.once("error", rejectListen);
    server.listen(options.port ?? 4173, host, () => resolveListen(undefined));
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://${host}:${port}/`,
    port,
    close: () =>
      new Promise((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? process.env.DOCS_PORT ?? 4173);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: PORT must be an integer 0-65535, got ${process.env.PORT}`);
    process.exit(1);
  }
  try {
    await stat(join(DIST_DIR, "index.html"));
  } catch {
    console.error("serve: the site is not built; run `pnpm run docs` at the repository root first");
    process.exit(1);
  }
  const { url } = await startDocsServer({ port });
  console.log(`ECT docs at ${url} (Ctrl+C to stop)`);
}
