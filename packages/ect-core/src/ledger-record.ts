import { RECEIPT_TYP } from "./constants.js";
import { EctError, EctErrorCodes } from "./errors.js";
import type { JwsSigner, LedgerEntry, LedgerEntryRecord, LedgerReceipt } from "./interfaces.js";

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

/** The fields of an entry's receipt (SPEC 7), unsigned and frozen. */
export function unsignedReceipt(entry: LedgerEntryRecord | LedgerEntry): LedgerReceipt {
  return Object.freeze({
    seq: entry.seq,
    jti: entry.jti,
    wid: entry.wid,
    leafHash: entry.leafHash,
    chainHash: entry.chainHash,
    appendedAt: entry.ingestedAt,
  });
}

/**
 * An entry's receipt (SPEC 7), signed by `signer` as a JWS with `typ: ect-receipt+jwt` when one is
 * given. Every backend issues receipts with it, so receipts look the same whichever backend wrote them.
 *
 * @throws {@link EctError} `ECT_LEDGER_APPEND_FAILED` when the signer fails.
 */
export async function issueReceipt(
  entry: LedgerEntryRecord | LedgerEntry,
  signer?: JwsSigner,
): Promise<LedgerReceipt> {
  const fields = unsignedReceipt(entry);
  if (signer === undefined) return fields;
  try {
    return Object.freeze({
      ...fields,
      jws: await signer.sign({ ...fields } as Readonly<Record<string, unknown>>, RECEIPT_TYP),
    });
  } catch (cause) {
    throw new EctError(EctErrorCodes.LEDGER_APPEND_FAILED, "the receipt signer failed", { cause });
  }
}
