// Does ect-core's hand-written SHA-256 earn its place? It exists so that ect-core runs in any
// JavaScript runtime without a dependency and hashes short inputs (ledger leaves, tree nodes, small
// HTTP bodies) synchronously. Against it, in the same run: node:crypto's createHash (what Node code
// could use instead) and @noble/hashes (the audited portable implementation other runtimes could
// use instead), on the inputs the ledger hashes: an RFC 9162 leaf of a ~760-character token, an
// interior node (65 bytes), and a 4 KiB body.
import { createHash } from "node:crypto";
import { interleave } from "../lib/measure.mjs";
import { importPackage, SkipSuite } from "../lib/suite.mjs";

/**
 * The portable implementation itself. Under Node, `sha256Sync` from ect-core is node:crypto's (the
 * package's `#sha256` imports map), so the portable file is loaded by path from the build.
 */
async function handWritten() {
  try {
    const dist = new URL("dist/sha256.js", import.meta.resolve("ect-core/package.json"));
    const { sha256Sync } = await import(dist.href);
    if (typeof sha256Sync === "function") return sha256Sync;
  } catch {
    // not built
  }
  throw new SkipSuite("ect-core's dist/sha256.js is missing (build ect-core first)");
}

export default {
  title: "SHA-256: ect-core's hand-written one vs node:crypto and @noble/hashes",
  async run(ctx) {
    const sha256Sync = await handWritten();
    const { sha256: nobleSha256 } = await importPackage("@noble/hashes/sha2.js", ["sha256"]);
    const inputs = [
      ["leaf of a 760-character token (761 bytes)", 761],
      ["interior node (65 bytes)", 65],
      ["4 KiB body", 4096],
    ];
    const [count, rounds] = ctx.quick ? [2000, 4] : [5000, 12];
    for (const [label, size] of inputs) {
      const data = Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 0xff);
      const expected = createHash("sha256").update(data).digest("hex");
      const hex = (bytes) => Buffer.from(bytes).toString("hex");
      if (hex(sha256Sync(data)) !== expected || hex(nobleSha256(data)) !== expected) {
        throw new Error(`the implementations disagree on ${label}`);
      }
      const cases = [
        { name: "hand-written (ect-core sha256Sync)", prepare: () => () => sha256Sync(data) },
        { name: "node:crypto createHash", prepare: () => () => createHash("sha256").update(data).digest() },
        { name: "@noble/hashes sha256", prepare: () => () => nobleSha256(data) },
      ];
      const results = await interleave({ cases, count, rounds });
      cases.forEach((c, i) => {
        ctx.record({
          name: `${c.name}, ${label}`,
          ...results[i],
          ...(i === 0
            ? {}
            : {
                ratio: results[i].opsPerSec / results[0].opsPerSec,
                p50Ratio: results[0].p50Us / results[i].p50Us,
                ratioTo: "hand-written",
              }),
        });
      });
    }
  },
};
