/**
 * RFC 9162 proof verification (§2.1.3.2 inclusion, §2.1.4.2 consistency), profile §7: pure
 * functions over byte arrays that run in any runtime. Every refusal is an `EctError` with code
 * `ECT_LEDGER_PROOF_INVALID`; its `member` names what is wrong (`index`, `treeSize`, `size1`,
 * `size2`, `leafHash`, `proof`, `root`, `root1`, `root2`) and its message the rule.
 *
 * The outcomes follow transparency-dev/merkle, whose vectors (testdata/rfc6962-merkle) these
 * functions pass: in particular a consistency proof from the empty tree is refused as meaningless
 * (every tree extends the empty tree; there is nothing to verify).
 */
import { EctError, EctErrorCodes } from "ect-core";
import { bytesEqual, hashChildren, MERKLE_HASH_LENGTH } from "./merkle-hash.js";

function invalid(member: string, message: string): EctError {
  return new EctError(EctErrorCodes.LEDGER_PROOF_INVALID, message, { member });
}

function checkCount(value: unknown, member: string): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(member, `${member} must be a non-negative safe integer`);
  }
}

function checkHash(value: unknown, member: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== MERKLE_HASH_LENGTH) {
    throw invalid(member, `${member} must be a ${MERKLE_HASH_LENGTH}-byte hash`);
  }
}

function checkProof(proof: unknown): asserts proof is readonly Uint8Array[] {
  if (!Array.isArray(proof)) throw invalid("proof", "proof must be an array of hashes");
  for (let i = 0; i < proof.length; i++) checkHash(proof[i], `proof[${i}]`);
}

/** Bit `i` of a safe integer (no 32-bit bitwise operators: trees may exceed 2^32 leaves). */
function bit(n: number, i: number): number {
  return Math.floor(n / 2 ** i) % 2;
}

function popCount(n: number): number {
  let count = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) count += v % 2;
  return count;
}

/** Number of low bits to drop from `a` and `b` before they are equal: the bit length of `a ^ b`. */
function divergenceLevel(a: number, b: number): number {
  let level = 0;
  for (let x = a, y = b; x !== y; x = Math.floor(x / 2), y = Math.floor(y / 2)) level++;
  return level;
}

function trailingZeros(n: number): number {
  let count = 0;
  for (let v = n; v % 2 === 0; v /= 2) count++;
  return count;
}

/**
 * Splits the inclusion proof of `index` in a tree of `treeSize` leaves: `inner` hashes below the
 * level where the paths to `index` and to the last leaf meet (left or right siblings), then `border`
 * hashes above it (left siblings only).
 */
function inclusionProofShape(index: number, treeSize: number): { inner: number; border: number } {
  const inner = divergenceLevel(index, treeSize - 1);
  return { inner, border: popCount(Math.floor(index / 2 ** inner)) };
}

/** Hashes `seed` up through `proof`, taking each as a left or right sibling by the bits of `index`. */
function chainInner(seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  let hash = seed;
  proof.forEach((p, i) => {
    hash = bit(index, i) === 0 ? hashChildren(hash, p) : hashChildren(p, hash);
  });
  return hash;
}

/** Like {@link chainInner} but only with the left siblings: the hash of the older, smaller tree. */
function chainInnerRight(seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  let hash = seed;
  proof.forEach((p, i) => {
    if (bit(index, i) === 1) hash = hashChildren(p, hash);
  });
  return hash;
}

/** Hashes `seed` up the tree's right border, where every proof hash is a left sibling. */
function chainBorderRight(seed: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  let hash = seed;
  for (const p of proof) hash = hashChildren(p, hash);
  return hash;
}

/**
 * Verifies an RFC 9162 inclusion proof: that the leaf with hash `leafHash` is at `index` in the
 * tree of size `treeSize` whose root is `root` (profile §7).
 *
 * @example
 * ```ts
 * verifyInclusion({ leafHash, index: 5, treeSize: 8, proof, root }); // throws unless included
 * ```
 * @throws EctError `ECT_LEDGER_PROOF_INVALID` when `index >= treeSize`, a hash is not 32 bytes, the
 *   proof has the wrong number of hashes for `(index, treeSize)`, or the recomputed root differs.
 */
export function verifyInclusion(options: {
  /** The leaf hash, `SHA-256(0x00 ‖ leaf input)`. */
  readonly leafHash: Uint8Array;
  /** The leaf's index (0-based). */
  readonly index: number;
  /** The size of the tree the proof and root are for. */
  readonly treeSize: number;
  /** The proof hashes, from the leaf's sibling up to the root's child. */
  readonly proof: readonly Uint8Array[];
  /** The expected root of the tree of size `treeSize`. */
  readonly root: Uint8Array;
}): void {
  const { leafHash, index, treeSize, proof, root } = options;
  checkCount(index, "index");
  checkCount(treeSize, "treeSize");
  if (index >= treeSize) throw invalid("index", `index ${index} is not in a tree of size ${treeSize}`);
  checkHash(leafHash, "leafHash");
  checkProof(proof);
  const { inner, border } = inclusionProofShape(index, treeSize);
  if (proof.length !== inner + border) {
    throw invalid(
      "proof",
      `an inclusion proof of index ${index} in a tree of size ${treeSize} has ${inner + border} hashes, not ${proof.length}`,
    );
  }
  const computed = chainBorderRight(chainInner(leafHash, proof.slice(0, inner), index), proof.slice(inner));
  if (!(root instanceof Uint8Array) || !bytesEqual(computed, root)) {
    throw invalid("root", "the inclusion proof does not lead to the expected root");
  }
}

/**
 * Verifies an RFC 9162 consistency proof: that the tree of size `size2` with root `root2` extends
 * the tree of size `size1` with root `root1` (profile §7). Requires `0 < size1 <= size2`; for equal
 * sizes the proof must be empty and the roots equal.
 *
 * @example
 * ```ts
 * verifyConsistency({ size1: 3, size2: 8, root1, root2, proof }); // throws unless consistent
 * ```
 * @throws EctError `ECT_LEDGER_PROOF_INVALID` when `size1` is 0 or larger than `size2`, a hash is
 *   not 32 bytes, the proof has the wrong number of hashes, or either recomputed root differs.
 */
export function verifyConsistency(options: {
  /** The earlier tree size. */
  readonly size1: number;
  /** The later tree size. */
  readonly size2: number;
  /** The earlier tree's root. */
  readonly root1: Uint8Array;
  /** The later tree's root. */
  readonly root2: Uint8Array;
  /** The proof hashes (RFC 9162 §2.1.4). */
  readonly proof: readonly Uint8Array[];
}): void {
  const { size1, size2, root1, root2, proof } = options;
  checkCount(size1, "size1");
  checkCount(size2, "size2");
  if (!Array.isArray(proof)) throw invalid("proof", "proof must be an array of hashes");
  if (size1 > size2) throw invalid("size1", `size1 ${size1} is larger than size2 ${size2}`);
  if (size1 === 0) throw invalid("size1", "a consistency proof from the empty tree is meaningless");
  if (size1 === size2) {
    if (proof.length > 0) throw invalid("proof", "equal sizes need an empty proof");
    if (!(root1 instanceof Uint8Array) || !(root2 instanceof Uint8Array) || !bytesEqual(root1, root2)) {
      throw invalid("root2", "equal sizes but different roots");
    }
    return;
  }
  if (proof.length === 0) throw invalid("proof", "the proof is empty");
  checkProof(proof);
  checkHash(root1, "root1");
  checkHash(root2, "root2");

  // The proof is a suffix of the inclusion proof of leaf size1 - 1 in the tree of size2, starting at
  // the level of the largest perfect subtree ending at size1 (whose hash comes first, unless that
  // subtree is the whole old tree, whose hash is root1).
  const { inner: forkLevel, border } = inclusionProofShape(size1 - 1, size2);
  const shift = trailingZeros(size1);
  const inner = forkLevel - shift;
  const oldTreeIsPerfect = size1 === 2 ** shift;
  const seed = oldTreeIsPerfect ? root1 : proof[0]!;
  const rest = oldTreeIsPerfect ? proof : proof.slice(1);
  const expected = (oldTreeIsPerfect ? 0 : 1) + inner + border;
  if (proof.length !== expected) {
    throw invalid(
      "proof",
      `a consistency proof from size ${size1} to size ${size2} has ${expected} hashes, not ${proof.length}`,
    );
  }
  const mask = Math.floor((size1 - 1) / 2 ** shift);
  const hash1 = chainBorderRight(chainInnerRight(seed, rest.slice(0, inner), mask), rest.slice(inner));
  if (!bytesEqual(hash1, root1)) throw invalid("root1", "the consistency proof does not lead to root1");
  const hash2 = chainBorderRight(chainInner(seed, rest.slice(0, inner), mask), rest.slice(inner));
  if (!bytesEqual(hash2, root2)) throw invalid("root2", "the consistency proof does not lead to root2");
}
