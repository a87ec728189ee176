import type { LedgerEntry, LedgerEntryRecord } from "./interfaces.js";

/**
 * The exported form of a ledger entry (SPEC 7 export as JSON Lines): exactly the
 * {@link LedgerEntryRecord} members, in the order `seq, token, jti, wid, iss, ingestedAt, leafHash,
 * chainHash` (claims are re-derived from the token on import). Every backend exports with it, so
 * exports of different backends are byte-for-byte comparable.
 */
export function ledgerEntryRecord(entry: LedgerEntryRecord | LedgerEntry): LedgerEntryRecord {
  return {
    seq: entry.seq,
    token: entry.token,
    jti: entry.jti,
    wid: entry.wid,
    iss: entry.iss,
    ingestedAt: entry.ingestedAt,
    leafHash: entry.leafHash,
    chainHash: entry.chainHash,
  };
}
