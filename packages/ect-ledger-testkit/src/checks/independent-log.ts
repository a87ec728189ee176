/**
 * The profile §7 formats written again, independently of `ect-ledger`, with node:crypto: what the
 * suite measures a ledger against. A ledger that computes a leaf, a root or a signature its own
 * way fails here even when its own verifiers agree with it.
 */
import { createHash, createPublicKey, verify } from "node:crypto";
import type { StoredCheckpoint } from "ect-ledger";

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** SHA-256(0x00 ‖ `{"ect":…,"ingested_at":…[,"wit":…]}`) as hex (profile §7 "Leaf input"). */
export function independentLeafHash(token: string, ingestedAt: number, wit: string | null): string {
  const input = `{"ect":${JSON.stringify(token)},"ingested_at":${ingestedAt}${wit === null ? "" : `,"wit":${JSON.stringify(wit)}`}}`;
  return Buffer.from(sha256(Uint8Array.of(0), Buffer.from(input, "utf8"))).toString("hex");
}

/** RFC 9162 §2.1.1 MTH over leaf hashes, recursively. */
export function independentRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Uint8Array.of(1), independentRoot(leaves.slice(0, k)), independentRoot(leaves.slice(k)));
}

/**
 * Checks a checkpoint note with node:crypto's Ed25519 (C2SP signed-note and tlog-checkpoint):
 * text = origin, size, base64 root; one signature line by `name` with key id ‖ signature.
 * Returns what is wrong, or `undefined`.
 */
export function checkCheckpointNote(
  checkpoint: StoredCheckpoint,
  expected: { origin: string; root: Uint8Array; publicKey: Uint8Array; keyId: number },
): string | undefined {
  const split = checkpoint.note.indexOf("\n\n");
  if (split < 0) return "the note has no signature block";
  const text = checkpoint.note.slice(0, split + 1);
  const wantText = `${expected.origin}\n${checkpoint.size}\n${Buffer.from(expected.root).toString("base64")}\n`;
  if (text !== wantText)
    return `the checkpoint text is ${JSON.stringify(text)}, expected ${JSON.stringify(wantText)}`;
  const lines = checkpoint.note
    .slice(split + 2)
    .split("\n")
    .filter((l) => l !== "");
  const prefix = `\u2014 ${expected.origin} `;
  const line = lines.find((l) => l.startsWith(prefix));
  if (line === undefined) return "no signature line by the log's key name";
  const blob = Buffer.from(line.slice(prefix.length), "base64");
  if (blob.length < 4 || blob.readUInt32BE(0) !== expected.keyId)
    return "the signature's key id is not the log key's";
  const key = createPublicKey({
    key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(expected.publicKey)]),
    format: "der",
    type: "spki",
  });
  if (!verify(null, Buffer.from(text, "utf8"), key, blob.subarray(4)))
    return "the Ed25519 signature does not verify";
  return undefined;
}
