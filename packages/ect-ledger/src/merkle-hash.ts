/**
 * RFC 9162 §2.1.1 hashing (profile §7): a leaf is `SHA-256(0x00 ‖ leaf input)`, an interior node
 * `SHA-256(0x01 ‖ left ‖ right)`, and the empty tree's root is the SHA-256 of nothing. The distinct
 * prefixes keep a leaf from ever being read as an interior node (second-preimage resistance).
 */
import { sha256Sync } from "ect-core/internal";

/** Length in bytes of every hash in the tree (SHA-256). */
export const MERKLE_HASH_LENGTH = 32;

const LEAF_PREFIX = 0x00;
const encoder = new TextEncoder();
const NODE_PREFIX = 0x01;

/**
 * The leaf hash of RFC 9162 §2.1.1: `SHA-256(0x00 ‖ leafInput)`.
 *
 * @param leafInput - the exact bytes of the leaf (for a ledger entry, its leaf input, profile §7).
 * @returns the 32-byte leaf hash.
 */
export function hashLeaf(leafInput: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(1 + leafInput.length);
  bytes[0] = LEAF_PREFIX;
  bytes.set(leafInput, 1);
  return sha256Sync(bytes);
}

/**
 * {@link hashLeaf} of the bytes of an ASCII string (a ledger entry's leaf input, profile §7: base64url,
 * dots, digits and JSON punctuation), written straight after the prefix: no intermediate copy.
 */
export function hashAsciiLeaf(text: string): Uint8Array {
  const bytes = new Uint8Array(1 + text.length);
  bytes[0] = LEAF_PREFIX;
  encoder.encodeInto(text, bytes.subarray(1));
  return sha256Sync(bytes);
}

/**
 * The interior node hash of RFC 9162 §2.1.1: `SHA-256(0x01 ‖ left ‖ right)`.
 *
 * @param left - the left child's hash.
 * @param right - the right child's hash.
 * @returns the 32-byte node hash.
 */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(1 + left.length + right.length);
  bytes[0] = NODE_PREFIX;
  bytes.set(left, 1);
  bytes.set(right, 1 + left.length);
  return sha256Sync(bytes);
}

/**
 * The root of the empty tree (RFC 9162 §2.1.1: the hash of the empty string), a fresh copy on
 * every call so a caller cannot alter the shared value.
 */
export function emptyTreeRoot(): Uint8Array {
  return sha256Sync(new Uint8Array(0));
}

/**
 * The Merkle Tree Hash (RFC 9162 §2.1.1 `MTH`) of a list of leaf hashes, computed in memory:
 * the reference definition the stored-node functions of `merkle-tree.ts` are tested against.
 *
 * @param leafHashes - the leaf hashes, in index order.
 * @returns the 32-byte root; for an empty list, {@link emptyTreeRoot}.
 */
export function merkleTreeHash(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return emptyTreeRoot();
  // Bottom-up pairing gives the same tree as RFC 9162's largest-power-of-two split: an odd node at
  // the end of a level is carried up unchanged, which is exactly the left-balanced shape.
  let level: Uint8Array[] = [...leafHashes];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(hashChildren(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** True when the two byte arrays are equal (not constant-time: tree hashes are public). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
