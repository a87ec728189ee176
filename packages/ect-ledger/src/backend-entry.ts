import type { LedgerBackendEntry, LedgerEntryDraft } from "./backend-contract.js";

/**
 * The entry a backend stores for `draft` at `index` (profile §7 "Entry"): every member of the draft
 * as the ledger computed it, its decoded claims included (for fast lookups), without the identity
 * key, which a backend indexes by instead.
 *
 * @example
 * ```ts
 * const entry = Object.freeze(backendEntryOf(draft, entries.length));
 * ```
 */
export function backendEntryOf(draft: LedgerEntryDraft, index: number): LedgerBackendEntry {
  return {
    index,
    token: draft.token,
    jti: draft.jti,
    wid: draft.wid,
    iss: draft.iss,
    ingestedAt: draft.ingestedAt,
    wit: draft.wit,
    leafHash: draft.leafHash,
    claims: draft.claims,
  };
}
