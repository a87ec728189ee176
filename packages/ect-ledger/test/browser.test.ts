// The transparency-dev/merkle vectors through ect-ledger in headless Chromium (Debian's
// chromium driven by playwright-core), from an esbuild browser bundle with no Node built-in: the
// verifiers run in any runtime (profile §7).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { generateNoteKey } from "ect-crypto";
import { build, type Metafile } from "esbuild";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatTlogProof, hashLeaf, leafInput, MemoryMerkleTree, signCheckpoint } from "../src/index.js";
import type { VectorOutcome } from "./support/rfc6962-vectors.js";
import { loadRfc6962Vectors } from "./support/rfc6962-vectors-node.js";
import { signedNoteVectors } from "./support/signed-note-vectors.js";

const entry = fileURLToPath(new URL("./browser/merkle-vectors-entry.ts", import.meta.url));
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
];

describe("RFC 9162, signed-note and tlog-proof verifiers in headless Chromium", () => {
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
    const page = `<!doctype html><meta charset="utf-8"><script type="module" src="/bundle.js"></script>`;
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

  it("bundles the package without any Node built-in", () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((i) => i.startsWith("node:"))).toEqual([]);
    expect(inputs.some((i) => i.includes("ect-ledger/src/merkle-proof.ts"))).toBe(true);
  });

  it("gives every vector its expected outcome", async () => {
    const vectors = loadRfc6962Vectors();
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(origin);
      await page.waitForFunction(() => "runMerkleVectors" in globalThis, undefined, { timeout: 30_000 });
      const outcomes = await page.evaluate(
        (v) =>
          (globalThis as unknown as { runMerkleVectors: (v: unknown) => VectorOutcome[] }).runMerkleVectors(
            v,
          ),
        vectors,
      );
      expect(outcomes).toHaveLength(vectors.length);
      const wrong = outcomes.filter((o) => o.outcome !== (o.wantErr ? "ECT_LEDGER_PROOF_INVALID" : "ok"));
      expect(wrong).toEqual([]);
      expect(outcomes.filter((o) => o.outcome === "ok").length).toBe(
        vectors.filter((v) => !v.vector.wantErr).length,
      );
      expect(errors).toEqual([]);

      // The C2SP signed-note Example, and a receipt made in Node, verify with WebCrypto Ed25519.
      const { note, vkey } = signedNoteVectors.c2spExample;
      expect(
        await page.evaluate(
          ([n, k]) =>
            (globalThis as unknown as { verifyNote: (n: string, k: string) => Promise<string> }).verifyNote(
              n!,
              k!,
            ),
          [note, vkey],
        ),
      ).toBe("This is an example message.\n");
      const key = await generateNoteKey({ name: "ect.example.org/ledger/browser" });
      const tree = new MemoryMerkleTree();
      const inputs = [0, 1, 2].map((i) => leafInput({ token: `a.b.c${i}`, ingestedAt: i }));
      tree.append(inputs.map(hashLeaf));
      const checkpoint = await signCheckpoint(
        { origin: key.signer.name, treeSize: 3, root: tree.root() },
        key.signer,
      );
      const receipt = formatTlogProof({
        extra: inputs[2]!,
        index: 2,
        proof: tree.inclusionProof(2),
        checkpoint,
      });
      const verifyInPage = (r: string) =>
        page.evaluate(
          ([r, k]) =>
            (
              globalThis as unknown as { verifyReceipt: (r: string, k: string) => Promise<unknown> }
            ).verifyReceipt(r!, k!),
          [r, key.vkey],
        );
      expect(await verifyInPage(receipt)).toEqual({ index: 2, token: "a.b.c2" });
      expect(await verifyInPage(receipt.replace("index 2", "index 1"))).toEqual({
        code: "ECT_LEDGER_PROOF_INVALID",
      });
    } finally {
      await browser.close();
    }
  });
});
