import { createHash } from "node:crypto";
import { EctError } from "ect-core";
import { describe, expect, it } from "vitest";
import {
  emptyTreeRoot,
  hashChildren,
  hashLeaf,
  integrateLeafHashes,
  MemoryMerkleTree,
  type MerkleNodeId,
  merkleTreeHash,
  readConsistencyProof,
  readInclusionProof,
  readTreeRoot,
  verifyConsistency,
  verifyInclusion,
} from "../src/index.js";
import { configErrorOf } from "./support/error-code.js";
import { loadTreeRoots } from "./support/rfc6962-vectors-node.js";

// An independent reference: RFC 9162 §2.1 written recursively, hashing with node:crypto.
const sha = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const refLeaf = (input: Uint8Array) => sha(Uint8Array.of(0), input);
const refNode = (l: Uint8Array, r: Uint8Array) => sha(Uint8Array.of(1), l, r);
const splitPoint = (n: number) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
const refMth = (d: Uint8Array[]): Uint8Array => {
  if (d.length === 0) return sha();
  if (d.length === 1) return d[0]!;
  const k = splitPoint(d.length);
  return refNode(refMth(d.slice(0, k)), refMth(d.slice(k)));
};
const refPath = (m: number, d: Uint8Array[]): Uint8Array[] => {
  if (d.length <= 1) return [];
  const k = splitPoint(d.length);
  return m < k
    ? [...refPath(m, d.slice(0, k)), refMth(d.slice(k))]
    : [...refPath(m - k, d.slice(k)), refMth(d.slice(0, k))];
};
const refSubproof = (m: number, d: Uint8Array[], b: boolean): Uint8Array[] => {
  if (m === d.length) return b ? [] : [refMth(d)];
  const k = splitPoint(d.length);
  return m <= k
    ? [...refSubproof(m, d.slice(0, k), b), refMth(d.slice(k))]
    : [...refSubproof(m - k, d.slice(k), false), refMth(d.slice(0, k))];
};

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const leafHashes = (n: number, offset = 0) =>
  Array.from({ length: n }, (_, i) => refLeaf(new TextEncoder().encode(`leaf ${offset + i}`)));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof EctError ? `${e.code}${e.member === undefined ? "" : `:${e.member}`}` : String(e);
  }
  return "ok";
}

async function codeOfAsync(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (e) {
    return e instanceof EctError ? e.code : String(e);
  }
  return "ok";
}

describe("RFC 9162 hashing (profile §7)", () => {
  it("leaf, node and empty root match an independent SHA-256", () => {
    const input = new TextEncoder().encode("an entry");
    expect(hex(hashLeaf(input))).toBe(hex(refLeaf(input)));
    const [a, b] = leafHashes(2) as [Uint8Array, Uint8Array];
    expect(hex(hashChildren(a, b))).toBe(hex(refNode(a, b)));
    expect(hex(emptyTreeRoot())).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("gives every root of tree-roots.json (transparency-dev/merkle), in memory and from stored nodes", async () => {
    const { leafInputs, roots } = loadTreeRoots();
    const tree = new MemoryMerkleTree();
    tree.append(leafInputs.map(hashLeaf));
    for (let n = 0; n <= leafInputs.length; n++) {
      expect(hex(merkleTreeHash(leafInputs.slice(0, n).map(hashLeaf))), `MTH size ${n}`).toBe(roots[n]);
      expect(hex(tree.root(n)), `tree size ${n}`).toBe(roots[n]);
      expect(hex(await readTreeRoot({ treeSize: n, getNodes: tree.getNodes })), `stored size ${n}`).toBe(
        roots[n],
      );
    }
  });
});

describe("tree over stored perfect subtrees (profile §7)", () => {
  const N = 70;
  const leaves = leafHashes(N);
  const tree = new MemoryMerkleTree();
  for (const leaf of leaves) tree.append([leaf]); // one leaf per batch: the hardest integration case

  it("roots equal the RFC 9162 definition for every size up to 70", () => {
    for (let n = 0; n <= N; n++) {
      expect(hex(tree.root(n))).toBe(hex(refMth(leaves.slice(0, n))));
      expect(hex(merkleTreeHash(leaves.slice(0, n)))).toBe(hex(refMth(leaves.slice(0, n))));
    }
  });

  it("inclusion proofs equal RFC 9162 PATH and verify, for every index of every size up to 70", () => {
    for (let n = 1; n <= N; n++) {
      const root = tree.root(n);
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i, n);
        expect(proof.map(hex), `index ${i} size ${n}`).toEqual(refPath(i, leaves.slice(0, n)).map(hex));
        verifyInclusion({ leafHash: leaves[i]!, index: i, treeSize: n, proof, root });
      }
    }
  });

  it("consistency proofs equal RFC 9162 PROOF and verify, for every pair of sizes up to 70", () => {
    for (let n = 1; n <= N; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        expect(proof.map(hex), `${m} -> ${n}`).toEqual(refSubproof(m, leaves.slice(0, n), true).map(hex));
        verifyConsistency({ size1: m, size2: n, root1: tree.root(m), root2: tree.root(n), proof });
      }
    }
  });

  it("a proof for the wrong index, size or root is refused, naming what is wrong", () => {
    const root = tree.root(20);
    const proof = tree.inclusionProof(5, 20);
    const ok = { leafHash: leaves[5]!, index: 5, treeSize: 20, proof, root };
    expect(codeOf(() => verifyInclusion(ok))).toBe("ok");
    expect(codeOf(() => verifyInclusion({ ...ok, index: 6 }))).toBe("ECT_LEDGER_PROOF_INVALID:root");
    expect(codeOf(() => verifyInclusion({ ...ok, index: 20 }))).toBe("ECT_LEDGER_PROOF_INVALID:index");
    expect(codeOf(() => verifyInclusion({ ...ok, index: -1 }))).toBe("ECT_LEDGER_PROOF_INVALID:index");
    expect(codeOf(() => verifyInclusion({ ...ok, index: 1.5 }))).toBe("ECT_LEDGER_PROOF_INVALID:index");
    expect(codeOf(() => verifyInclusion({ ...ok, treeSize: 40 }))).toBe("ECT_LEDGER_PROOF_INVALID:proof");
    expect(codeOf(() => verifyInclusion({ ...ok, leafHash: leaves[5]!.slice(1) }))).toBe(
      "ECT_LEDGER_PROOF_INVALID:leafHash",
    );
    expect(codeOf(() => verifyInclusion({ ...ok, proof: [...proof.slice(0, -1), new Uint8Array(31)] }))).toBe(
      "ECT_LEDGER_PROOF_INVALID:proof[4]",
    );
    expect(codeOf(() => verifyInclusion({ ...ok, root: tree.root(19) }))).toBe(
      "ECT_LEDGER_PROOF_INVALID:root",
    );

    const c = {
      size1: 7,
      size2: 20,
      root1: tree.root(7),
      root2: tree.root(20),
      proof: tree.consistencyProof(7, 20),
    };
    expect(codeOf(() => verifyConsistency(c))).toBe("ok");
    expect(codeOf(() => verifyConsistency({ ...c, root1: tree.root(6) }))).toBe(
      "ECT_LEDGER_PROOF_INVALID:root1",
    );
    expect(codeOf(() => verifyConsistency({ ...c, root2: tree.root(19) }))).toBe(
      "ECT_LEDGER_PROOF_INVALID:root2",
    );
    expect(codeOf(() => verifyConsistency({ ...c, size1: 0 }))).toBe("ECT_LEDGER_PROOF_INVALID:size1");
    expect(codeOf(() => verifyConsistency({ ...c, size1: 21 }))).toBe("ECT_LEDGER_PROOF_INVALID:size1");
    expect(codeOf(() => verifyConsistency({ ...c, proof: c.proof.slice(1) }))).toBe(
      "ECT_LEDGER_PROOF_INVALID:proof",
    );
    expect(codeOf(() => verifyConsistency({ ...c, proof: [] }))).toBe("ECT_LEDGER_PROOF_INVALID:proof");
  });

  it("asks for nothing outside the tree", async () => {
    expect(codeOf(() => tree.inclusionProof(70, 70))).toBe("ECT_LEDGER_INDEX_OUT_OF_RANGE");
    expect(codeOf(() => tree.root(71))).toBe("ECT_LEDGER_INDEX_OUT_OF_RANGE");
    expect(codeOf(() => tree.consistencyProof(5, 4))).toBe("ECT_LEDGER_INDEX_OUT_OF_RANGE");
    expect(
      await codeOfAsync(() => readInclusionProof({ index: 3, treeSize: 3, getNodes: tree.getNodes })),
    ).toBe("ECT_LEDGER_INDEX_OUT_OF_RANGE");
    expect(await codeOfAsync(() => readTreeRoot({ treeSize: -1, getNodes: tree.getNodes }))).toBe(
      "ECT_LEDGER_INDEX_OUT_OF_RANGE",
    );
  });
});

describe("integration in batches", () => {
  it("any split of the same leaves into batches stores the same nodes, each once, and the same roots", async () => {
    const leaves = leafHashes(300);
    const splits = [[300], [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 69], [128, 127, 45], Array(300).fill(1)];
    let reference: Map<string, string> | undefined;
    for (const split of splits) {
      const store = new Map<string, Uint8Array>();
      const getNodes = async (ids: readonly MerkleNodeId[]) =>
        ids.map((id) => {
          const h = store.get(`${id.level}/${id.index}`);
          if (h === undefined) throw new Error(`missing ${id.level}/${id.index}`);
          return h;
        });
      let size = 0;
      for (const count of split) {
        const batch = leaves.slice(size, size + count);
        const result = await integrateLeafHashes({ treeSize: size, leafHashes: batch, getNodes });
        for (const node of result.nodes) {
          const key = `${node.id.level}/${node.id.index}`;
          expect(store.has(key), `${key} is written once`).toBe(false);
          store.set(key, node.hash);
        }
        size += count;
        expect(result.treeSize).toBe(size);
        expect(hex(result.root)).toBe(hex(refMth(leaves.slice(0, size))));
      }
      const nodes = new Map([...store].map(([k, v]) => [k, hex(v)]));
      expect(nodes.size).toBe(300 + 150 + 75 + 37 + 18 + 9 + 4 + 2 + 1); // every perfect subtree
      if (reference === undefined) reference = nodes;
      else expect(nodes).toEqual(reference);
    }
  });

  it("an empty batch changes nothing", async () => {
    const tree = new MemoryMerkleTree();
    tree.append(leafHashes(5));
    const result = await integrateLeafHashes({ treeSize: 5, leafHashes: [], getNodes: tree.getNodes });
    expect(result.nodes).toEqual([]);
    expect(hex(result.root)).toBe(hex(tree.root()));
  });

  it("refuses a leaf hash that is not 32 bytes", async () => {
    // A caller's mistake: an EctConfigError (a TypeError, code ECT_CONFIG_INVALID) naming the hash.
    expect(
      await configErrorOf(() => new MemoryMerkleTree().append([new Uint8Array(32), new Uint8Array(31)])),
    ).toBe("ECT_CONFIG_INVALID leafHashes[1]");
  });
});

describe("cost: every read is one getNodes call of O(log n) ids", () => {
  // A reader that answers any id with a fixed hash and records what was asked: enough to count
  // reads at sizes too large to build in a unit test.
  function countingReader() {
    const calls: number[] = [];
    const getNodes = async (ids: readonly MerkleNodeId[]) => {
      calls.push(ids.length);
      return ids.map(() => new Uint8Array(32));
    };
    return { calls, getNodes };
  }

  it.each([1_000_000, 1_048_576, 1_048_575, 2 ** 40 + 12_345])("tree size %i", async (treeSize) => {
    const log2 = Math.ceil(Math.log2(treeSize));
    for (const index of [0, 1, Math.floor(treeSize / 3), treeSize - 2, treeSize - 1]) {
      const r = countingReader();
      const proof = await readInclusionProof({ index, treeSize, getNodes: r.getNodes });
      expect(r.calls.length).toBe(1);
      expect(r.calls[0]).toBeLessThanOrEqual(2 * log2);
      expect(proof.length).toBeLessThanOrEqual(log2);
    }
    for (const size1 of [1, 7, Math.floor(treeSize / 2), treeSize - 1]) {
      const r = countingReader();
      await readConsistencyProof({ size1, size2: treeSize, getNodes: r.getNodes });
      expect(r.calls.length).toBe(1);
      expect(r.calls[0]).toBeLessThanOrEqual(2 * log2 + 1);
    }
    const r = countingReader();
    await readTreeRoot({ treeSize, getNodes: r.getNodes });
    expect(r.calls).toEqual([[...treeSize.toString(2)].filter((c) => c === "1").length]);
    const i = countingReader();
    const result = await integrateLeafHashes({ treeSize, leafHashes: leafHashes(3), getNodes: i.getNodes });
    expect(i.calls.length).toBe(1);
    expect(i.calls[0]).toBeLessThanOrEqual(log2 + 1);
    expect(result.treeSize).toBe(treeSize + 3);
  });

  it("stored-node proofs of a 5,000-leaf tree equal the in-memory ones", async () => {
    const tree = new MemoryMerkleTree();
    tree.append(leafHashes(5000));
    for (const [index, size] of [
      [0, 5000],
      [4999, 5000],
      [1234, 4097],
      [4096, 4097],
    ] as const) {
      const proof = await readInclusionProof({ index, treeSize: size, getNodes: tree.getNodes });
      expect(proof.map(hex)).toEqual(tree.inclusionProof(index, size).map(hex));
      verifyInclusion({
        leafHash: tree.leafHash(index),
        index,
        treeSize: size,
        proof,
        root: tree.root(size),
      });
    }
    const proof = await readConsistencyProof({ size1: 1234, size2: 5000, getNodes: tree.getNodes });
    verifyConsistency({ size1: 1234, size2: 5000, root1: tree.root(1234), root2: tree.root(), proof });
  });
});
