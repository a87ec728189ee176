/// <reference types="node" />
/**
 * SHA-256 on Node: node:crypto's `createHash`, selected by the package's `imports` map (`#sha256`,
 * `node` condition only; every other runtime gets the portable `sha256.ts`). Measured in the same
 * run (`node bench/run.mjs --only sha256`): about 2.5x faster than the portable implementation on
 * a ledger leaf of a 760-character token and 7x on 4 KiB, equal on a 65-byte tree node. The
 * default entry never imports `node:`.
 *
 * @internal
 */
import { hash } from "node:crypto";

/**
 * SHA-256 of `bytes`, synchronous (node:crypto's one-shot `hash`, no Hash object; Node >= 20.12).
 * Copied into a plain 32-byte `Uint8Array`, which V8 keeps inside its heap: ledgers keep tree nodes
 * for good, and a view over node:crypto's Buffer would keep its external memory instead.
 */
export function sha256Sync(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(hash("sha256", bytes, "buffer"));
}
