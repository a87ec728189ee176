/**
 * The RFC 9162 tree over stored perfect-subtree hashes (profile §7).
 *
 * A backend stores, for every perfect subtree the log has completed, its hash under the id
 * `{ level, index }` (the subtree of `2^level` leaves starting at leaf `index · 2^level`; level 0 are
 * the leaf hashes). Those hashes never change once written, so storage is append-only, as in
 * transparency-dev/tessera. Every tree of size n is the fold of the perfect subtrees given by the
 * binary digits of n, and every range a proof needs is a fold of at most log2(n) stored nodes, so
 * the root, an inclusion proof and a consistency proof each read O(log n) nodes in one `getNodes`
 * call, and integrating a batch of b leaves reads the O(log n) nodes of the old tree's right border.
 *
 * Sizes and indexes are plain safe integers; the arithmetic below uses division, not 32-bit bitwise
 * operators, so trees beyond 2^32 leaves are handled.
 */
import { EctConfigError, EctError, EctErrorCodes } from "ect-core";
import { emptyTreeRoot, hashChildren, MERKLE_HASH_LENGTH } from "./merkle-hash.js";

/**
 * The id of a stored perfect subtree: `2^level` leaves starting at leaf `index · 2^level`.
 * Level 0, index i is the hash of leaf i.
 */
export interface MerkleNodeId {
  /** Height of the subtree: 0 for a leaf hash. */
  readonly level: number;
  /** Position of the subtree among those of its level, from 0 at the left. */
  readonly index: number;
}

/**
 * Reads stored node hashes, one per id, in the order asked. A backend answers from its store; a
 * missing node is a storage fault and should throw.
 */
export type MerkleNodeReader = (ids: readonly MerkleNodeId[]) => Promise<readonly Uint8Array[]>;

/** The same reader, synchronous (an in-memory tree). */
export type MerkleNodeReaderSync = (ids: readonly MerkleNodeId[]) => readonly Uint8Array[];

/** A node hash to store, produced by {@link integrateLeafHashes}. */
export interface MerkleNode {
  /** Which perfect subtree this is. */
  readonly id: MerkleNodeId;
  /** Its 32-byte hash. */
  readonly hash: Uint8Array;
}

/** The outcome of integrating a batch of leaves: what to store and the new tree head. */
export interface MerkleIntegration {
  /** The tree size after the batch. */
  readonly treeSize: number;
  /** The root of the tree of that size. */
  readonly root: Uint8Array;
  /** Every perfect subtree completed by the batch, leaves first, in level then index order. */
  readonly nodes: readonly MerkleNode[];
}

/** A `[start, end)` leaf range of the tree whose hash a proof or a root needs. */
interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/** What to read, and how to turn the hashes read (in the order of `ids`) into the answer. */
interface ReadPlan<T> {
  readonly ids: readonly MerkleNodeId[];
  finish(hashes: readonly Uint8Array[]): T;
}

function outOfRange(message: string): EctError {
  return new EctError(EctErrorCodes.LEDGER_INDEX_OUT_OF_RANGE, message);
}

function checkCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw outOfRange(`${name} must be a non-negative safe integer, got ${String(value)}`);
  }
}

/** 2^e as a number (exact for e < 53). */
function pow2(e: number): number {
  return 2 ** e;
}

/** The largest power of two that is <= n (n >= 1). */
function largestPowerOfTwoAtMost(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

/** The largest power of two that is < n (n >= 2): RFC 9162's split point k. */
function largestPowerOfTwoBelow(n: number): number {
  return largestPowerOfTwoAtMost(n - 1);
}

/**
 * The perfect subtrees whose fold is the RFC 9162 hash of `[start, end)`, largest (leftmost) first.
 * `start` is aligned the way every range of an RFC 9162 tree is, so the greedy split is exact.
 */
function rangeNodeIds(range: LeafRange): MerkleNodeId[] {
  const ids: MerkleNodeId[] = [];
  let start = range.start;
  while (start < range.end) {
    const width = largestPowerOfTwoAtMost(range.end - start);
    const level = Math.log2(width);
    ids.push({ level, index: start / width });
    start += width;
  }
  return ids;
}

/** Folds the hashes of consecutive perfect subtrees, right to left, into the range's hash. */
function foldRange(hashes: readonly Uint8Array[]): Uint8Array {
  let hash = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) hash = hashChildren(hashes[i]!, hash);
  return hash;
}

/** A plan that reads the node ids of several ranges and returns each range's hash, in order. */
function rangesPlan(ranges: readonly LeafRange[]): ReadPlan<Uint8Array[]> {
  const perRange = ranges.map(rangeNodeIds);
  return {
    ids: perRange.flat(),
    finish(hashes) {
      checkHashes(
        hashes,
        perRange.reduce((n, ids) => n + ids.length, 0),
      );
      const out: Uint8Array[] = [];
      let offset = 0;
      for (const ids of perRange) {
        out.push(foldRange(hashes.slice(offset, offset + ids.length)));
        offset += ids.length;
      }
      return out;
    },
  };
}

function checkHashes(hashes: readonly Uint8Array[], expected: number): void {
  if (hashes.length !== expected) {
    throw new EctError(
      EctErrorCodes.LEDGER_UNAVAILABLE,
      `the node reader returned ${hashes.length} hashes for ${expected} ids`,
    );
  }
  for (const h of hashes) {
    if (!(h instanceof Uint8Array) || h.length !== MERKLE_HASH_LENGTH) {
      throw new EctError(
        EctErrorCodes.LEDGER_UNAVAILABLE,
        "the node reader returned a hash that is not 32 bytes",
      );
    }
  }
}

function rootPlan(treeSize: number): ReadPlan<Uint8Array> {
  checkCount(treeSize, "treeSize");
  if (treeSize === 0) return { ids: [], finish: () => emptyTreeRoot() };
  const plan = rangesPlan([{ start: 0, end: treeSize }]);
  return { ids: plan.ids, finish: (hashes) => plan.finish(hashes)[0]! };
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]), iteratively: the sibling ranges from the root down, reversed. */
function inclusionPlan(index: number, treeSize: number): ReadPlan<Uint8Array[]> {
  checkCount(index, "index");
  checkCount(treeSize, "treeSize");
  if (index >= treeSize) throw outOfRange(`index ${index} is not in a tree of size ${treeSize}`);
  const siblings: LeafRange[] = [];
  let start = 0;
  let end = treeSize;
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start);
    if (index < start + k) {
      siblings.push({ start: start + k, end });
      end = start + k;
    } else {
      siblings.push({ start, end: start + k });
      start += k;
    }
  }
  siblings.reverse();
  return rangesPlan(siblings);
}

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], true), iteratively, for 0 < size1 <= size2. */
function consistencyPlan(size1: number, size2: number): ReadPlan<Uint8Array[]> {
  checkCount(size1, "size1");
  checkCount(size2, "size2");
  if (size1 > size2) throw outOfRange(`size1 ${size1} is larger than size2 ${size2}`);
  // RFC 9162 defines no proof from the empty tree (every tree extends it): the proof is empty.
  if (size1 === 0 || size1 === size2) return rangesPlan([]);
  const nodes: LeafRange[] = [];
  let start = 0;
  let end = size2;
  let m = size1; // size1 relative to `start`
  let startFromOldRoot = true; // RFC 9162's flag b
  for (;;) {
    if (m === end - start) {
      if (!startFromOldRoot) nodes.push({ start, end });
      break;
    }
    const k = largestPowerOfTwoBelow(end - start);
    if (m <= k) {
      nodes.push({ start: start + k, end });
      end = start + k;
    } else {
      nodes.push({ start, end: start + k });
      start += k;
      m -= k;
      startFromOldRoot = false;
    }
  }
  nodes.reverse();
  return rangesPlan(nodes);
}

function integrationPlan(treeSize: number, leafHashes: readonly Uint8Array[]): ReadPlan<MerkleIntegration> {
  checkCount(treeSize, "treeSize");
  const newSize = treeSize + leafHashes.length;
  checkCount(newSize, "treeSize + leafHashes.length");
  for (const [index, h] of leafHashes.entries()) {
    if (!(h instanceof Uint8Array) || h.length !== MERKLE_HASH_LENGTH) {
      throw new EctConfigError(`leafHashes[${index}]`, "must be a 32-byte hash");
    }
  }
  // The old tree's right border: the perfect subtrees of size treeSize. They are the only old nodes
  // a new node can have as a child, and with the new ones they cover the new tree's root.
  const border = treeSize === 0 ? [] : rangeNodeIds({ start: 0, end: treeSize });
  return {
    ids: border,
    finish(hashes) {
      checkHashes(hashes, border.length);
      const old = new Map<number, Uint8Array>(); // level -> hash of the border node at that level
      for (let i = 0; i < border.length; i++) old.set(border[i]!.level, hashes[i]!);
      const nodes: MerkleNode[] = [];
      // Level by level: new nodes are indexes [first, last) with first = floor(treeSize / 2^level).
      let below: Uint8Array[] = [...leafHashes];
      let belowFirst = treeSize;
      for (let i = 0; i < leafHashes.length; i++) {
        nodes.push({ id: { level: 0, index: treeSize + i }, hash: leafHashes[i]! });
      }
      const levelsNew: Uint8Array[][] = [below];
      const levelsFirst: number[] = [belowFirst];
      for (let level = 1; pow2(level) <= newSize; level++) {
        const width = pow2(level);
        const first = Math.floor(treeSize / width);
        const last = Math.floor(newSize / width);
        const current: Uint8Array[] = [];
        const child = (i: number): Uint8Array =>
          i >= belowFirst ? below[i - belowFirst]! : old.get(level - 1)!;
        for (let index = first; index < last; index++) {
          const hash = hashChildren(child(2 * index), child(2 * index + 1));
          current.push(hash);
          nodes.push({ id: { level, index }, hash });
        }
        below = current;
        belowFirst = first;
        levelsNew.push(current);
        levelsFirst.push(first);
      }
      // The new root folds the perfect subtrees of newSize: each is either new or on the old border.
      let root: Uint8Array;
      if (newSize === 0) {
        root = emptyTreeRoot();
      } else {
        const parts = rangeNodeIds({ start: 0, end: newSize }).map((id) =>
          id.index >= (levelsFirst[id.level] ?? Number.POSITIVE_INFINITY)
            ? levelsNew[id.level]![id.index - levelsFirst[id.level]!]!
            : old.get(id.level)!,
        );
        root = foldRange(parts);
      }
      return { treeSize: newSize, root, nodes };
    },
  };
}

async function runPlan<T>(plan: ReadPlan<T>, getNodes: MerkleNodeReader): Promise<T> {
  return plan.finish(plan.ids.length === 0 ? [] : await getNodes(plan.ids));
}

function runPlanSync<T>(plan: ReadPlan<T>, getNodes: MerkleNodeReaderSync): T {
  return plan.finish(plan.ids.length === 0 ? [] : getNodes(plan.ids));
}

/**
 * The root of the tree of size `treeSize` (RFC 9162 §2.1.1 MTH), reading at most log2(n) + 1 nodes.
 *
 * @throws EctError `ECT_LEDGER_INDEX_OUT_OF_RANGE` when `treeSize` is not a non-negative safe integer.
 */
export async function readTreeRoot(options: {
  /** The tree size (number of leaves). */
  readonly treeSize: number;
  /** Reads stored node hashes. */
  readonly getNodes: MerkleNodeReader;
}): Promise<Uint8Array> {
  return runPlan(rootPlan(options.treeSize), options.getNodes);
}

/**
 * The inclusion proof of leaf `index` in the tree of size `treeSize` (RFC 9162 §2.1.3.1), hashes
 * ordered from the leaf's sibling up to the root's child, reading O(log n) nodes.
 *
 * @throws EctError `ECT_LEDGER_INDEX_OUT_OF_RANGE` unless `0 <= index < treeSize`.
 */
export async function readInclusionProof(options: {
  /** The leaf's index (0-based). */
  readonly index: number;
  /** The size of the tree the proof is for. */
  readonly treeSize: number;
  /** Reads stored node hashes. */
  readonly getNodes: MerkleNodeReader;
}): Promise<Uint8Array[]> {
  return runPlan(inclusionPlan(options.index, options.treeSize), options.getNodes);
}

/**
 * The consistency proof from size `size1` to size `size2` (RFC 9162 §2.1.4.1), reading O(log n)
 * nodes. Empty when `size1` is 0 or equals `size2` (nothing to prove; {@link verifyConsistency}
 * refuses `size1 = 0` as meaningless, like transparency-dev/merkle).
 *
 * @throws EctError `ECT_LEDGER_INDEX_OUT_OF_RANGE` unless `0 <= size1 <= size2`.
 */
export async function readConsistencyProof(options: {
  /** The earlier tree size. */
  readonly size1: number;
  /** The later tree size. */
  readonly size2: number;
  /** Reads stored node hashes. */
  readonly getNodes: MerkleNodeReader;
}): Promise<Uint8Array[]> {
  return runPlan(consistencyPlan(options.size1, options.size2), options.getNodes);
}

/**
 * Integrates a batch of new leaves into the tree of size `treeSize`: returns every perfect subtree
 * the batch completes (to store; none is ever rewritten) and the new root. Reads only the old tree's
 * right border (at most log2(n) + 1 nodes), so the cost is O(batch + log n).
 *
 * @throws EctError `ECT_LEDGER_INDEX_OUT_OF_RANGE` for a bad `treeSize`,
 *   `ECT_CONFIG_INVALID` for a leaf hash that is not 32 bytes.
 */
export async function integrateLeafHashes(options: {
  /** The tree size before the batch (the number of leaves already integrated). */
  readonly treeSize: number;
  /** The leaf hashes of entries `treeSize`, `treeSize + 1`, … in order. */
  readonly leafHashes: readonly Uint8Array[];
  /** Reads stored node hashes. */
  readonly getNodes: MerkleNodeReader;
}): Promise<MerkleIntegration> {
  return runPlan(integrationPlan(options.treeSize, options.leafHashes), options.getNodes);
}

/**
 * An RFC 9162 tree held in memory: every perfect subtree hash, per level. The synchronous
 * counterpart of the `read*` functions over the same stored-node layout (tests, audits that rebuild
 * a tree, small logs), and a `getNodes` reader for the asynchronous ones.
 *
 * @example
 * ```ts
 * const tree = new MemoryMerkleTree();
 * tree.append([hashLeaf(new TextEncoder().encode("a")), hashLeaf(new TextEncoder().encode("b"))]);
 * const proof = tree.inclusionProof(0, 2);
 * verifyInclusion({ leafHash: tree.leafHash(0), index: 0, treeSize: 2, proof, root: tree.root() });
 * ```
 */
export class MemoryMerkleTree {
  readonly #levels: Uint8Array[][] = [];

  /** The number of leaves integrated so far. */
  get size(): number {
    return this.#levels[0]?.length ?? 0;
  }

  /** The stored hashes for `ids`, synchronously; throws `RangeError` for a node not yet complete. */
  readonly readNodes: MerkleNodeReaderSync = (ids) =>
    ids.map((id) => {
      const hash = this.#levels[id.level]?.[id.index];
      if (hash === undefined) throw new RangeError(`no stored node at level ${id.level}, index ${id.index}`);
      return hash;
    });

  /** The stored hashes for `ids`, as a {@link MerkleNodeReader} for the asynchronous functions. */
  readonly getNodes: MerkleNodeReader = async (ids) => this.readNodes(ids);

  /** Appends leaf hashes and returns the integration (new nodes and root), like {@link integrateLeafHashes}. */
  append(leafHashes: readonly Uint8Array[]): MerkleIntegration {
    const result = runPlanSync(integrationPlan(this.size, leafHashes), this.readNodes);
    for (const { id, hash } of result.nodes) {
      const level = this.#levels[id.level] ?? [];
      this.#levels[id.level] = level;
      level[id.index] = hash;
    }
    return result;
  }

  /** The hash of leaf `index`. */
  leafHash(index: number): Uint8Array {
    checkCount(index, "index");
    if (index >= this.size) throw outOfRange(`index ${index} is not in a tree of size ${this.size}`);
    return this.#levels[0]![index]!;
  }

  /** The root of the tree of size `treeSize` (default: the whole tree). */
  root(treeSize: number = this.size): Uint8Array {
    this.#checkSize(treeSize);
    return runPlanSync(rootPlan(treeSize), this.readNodes);
  }

  /** The inclusion proof of leaf `index` in the tree of size `treeSize` (default: the whole tree). */
  inclusionProof(index: number, treeSize: number = this.size): Uint8Array[] {
    this.#checkSize(treeSize);
    return runPlanSync(inclusionPlan(index, treeSize), this.readNodes);
  }

  /** The consistency proof from `size1` to `size2` (default: the whole tree). */
  consistencyProof(size1: number, size2: number = this.size): Uint8Array[] {
    this.#checkSize(size2);
    return runPlanSync(consistencyPlan(size1, size2), this.readNodes);
  }

  #checkSize(treeSize: number): void {
    checkCount(treeSize, "treeSize");
    if (treeSize > this.size)
      throw outOfRange(`tree size ${treeSize} is beyond the ${this.size} leaves stored`);
  }
}
