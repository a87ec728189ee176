// The RFC 9162 primitives of ect-ledger (profile §7) at 1M leaves: proof generation from stored
// perfect-subtree nodes (what a ledger does for `prove` and `consistency`, here over an in-memory
// node store behind the same async reader a backend implements), proof verification, and batch
// integration. Proof generation reads O(log n) nodes, so its cost should not depend on n: the
// 1M-leaf case is compared with a 1k-leaf one.
import { measure } from "../lib/measure.mjs";
import { importPackage } from "../lib/suite.mjs";

export default {
  title: "RFC 9162 tree: proofs and integration at 1M leaves (ect-ledger)",
  async run(ctx) {
    const ledger = await importPackage("ect-ledger", [
      "MemoryMerkleTree",
      "hashLeaf",
      "readInclusionProof",
      "readConsistencyProof",
      "verifyInclusion",
      "verifyConsistency",
      "integrateLeafHashes",
    ]);
    const { MemoryMerkleTree, hashLeaf, readInclusionProof, readConsistencyProof, verifyInclusion } = ledger;
    const big = ctx.quick ? 100_000 : 1_000_000;
    const small = 1_000;
    const count = ctx.quick ? 2_000 : 20_000;
    const rounds = ctx.quick ? 2 : 5;
    const encoder = new TextEncoder();
    const leaf = (i) =>
      hashLeaf(encoder.encode(`{"ect":"bench.token.${i}","ingested_at":${1_750_000_000_000 + i}}`));

    const build = (size) => {
      const tree = new MemoryMerkleTree();
      const batch = 4096;
      for (let start = 0; start < size; start += batch) {
        tree.append(Array.from({ length: Math.min(batch, size - start) }, (_, i) => leaf(start + i)));
      }
      return tree;
    };
    const t0 = performance.now();
    const trees = { [small]: build(small), [big]: build(big) };
    ctx.log(
      `built trees of ${small} and ${big} leaves in ${Math.round(performance.now() - t0)} ms (batches of 4096)`,
    );

    // Deterministic spread of indexes over the whole tree.
    const indexOf = (i, size) => (i * 2_654_435_761) % size;
    const label = (n) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

    const inclusion = {};
    for (const size of [small, big]) {
      const tree = trees[size];
      inclusion[size] = await measure({
        prepare: () => async (i) => {
          await readInclusionProof({ index: indexOf(i, size), treeSize: size, getNodes: tree.getNodes });
        },
        count,
        rounds,
      });
    }
    ctx.record({ name: `inclusion proof, ${label(small)} leaves (stored nodes)`, ...inclusion[small] });
    ctx.record({
      name: `inclusion proof, ${label(big)} leaves (stored nodes)`,
      ...inclusion[big],
      ratio: inclusion[small].opsPerSec / inclusion[big].opsPerSec,
      p50Ratio: inclusion[big].p50Us / inclusion[small].p50Us,
      ratioTo: `${label(small)} leaves (time per proof)`,
      target: { op: "<=", value: 2 },
    });

    const bigTree = trees[big];
    const root = bigTree.root();
    const proofs = Array.from({ length: 1000 }, (_, i) => {
      const index = indexOf(i, big);
      return { index, proof: bigTree.inclusionProof(index), leafHash: bigTree.leafHash(index) };
    });
    ctx.record({
      name: `verifyInclusion, ${label(big)} leaves`,
      ...(await measure({
        prepare: () => async (i) => {
          const p = proofs[i % proofs.length];
          verifyInclusion({ leafHash: p.leafHash, index: p.index, treeSize: big, proof: p.proof, root });
        },
        count,
        rounds,
      })),
    });
    ctx.record({
      name: `consistency proof, ${label(big)} leaves (stored nodes)`,
      ...(await measure({
        prepare: () => async (i) => {
          await readConsistencyProof({
            size1: 1 + indexOf(i, big - 1),
            size2: big,
            getNodes: bigTree.getNodes,
          });
        },
        count,
        rounds,
      })),
    });
    // Integration of a checkpoint batch (profile §7 default checkpointBatch 256) into a 1M-leaf tree.
    const batches = Array.from({ length: 64 }, (_, b) =>
      Array.from({ length: 256 }, (_, i) => leaf(big + b * 256 + i)),
    );
    const integrate = await measure({
      prepare: () => {
        return async (i) => {
          bigTree.append(batches[i % batches.length]);
        };
      },
      count: ctx.quick ? 16 : 64,
      rounds: 1,
      warmup: 0,
    });
    ctx.record({
      name: `integrate a batch of 256 leaves into ${label(big)}`,
      value: (integrate.elapsedMs * 1000) / (integrate.ops * 256),
      unit: "µs/leaf",
      p50Us: integrate.p50Us,
      p99Us: integrate.p99Us,
      ops: integrate.ops,
    });
  },
};
