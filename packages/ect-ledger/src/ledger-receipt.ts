import { EctError, EctErrorCodes, type LedgerEntry, type LedgerReceipt } from "ect-core";
import { type JwsSigner, RECEIPT_TYP } from "ect-core/internal";

/** The fields of an entry's receipt (profile §7 "Sequencing"), unsigned and frozen. */
export function unsignedReceipt(entry: LedgerEntry): LedgerReceipt {
  return Object.freeze({
    index: entry.index,
    leafHash: entry.leafHash,
    ingestedAt: entry.ingestedAt,
    jti: entry.jti,
    wid: entry.wid,
  });
}

/**
 * An entry's receipt `{ index, leafHash, ingestedAt, jti, wid }` (profile §7), signed by `signer` as
 * a JWS with `typ: ect-receipt+jwt` when one is given. The one place receipts are made, so they look
 * the same whichever backend stored the entry.
 *
 * @throws {@link EctError} `ECT_LEDGER_APPEND_FAILED` when the signer fails.
 */
export async function issueReceipt(entry: LedgerEntry, signer?: JwsSigner): Promise<LedgerReceipt> {
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
