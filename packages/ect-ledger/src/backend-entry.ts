import type { EctClaims } from "ect-core";
import type { LedgerBackendEntry, LedgerEntryDraft } from "./backend-contract.js";

/**
 * The entry a backend stores for `draft` at `index` (profile §7 "Entry"): every member of the draft
 * as the ledger computed it, its decoded claims included (for fast lookups), without the identity
 * key, which a backend indexes by instead; and the closure mark `closedAncestors` (profile §6 note),
 * `undefined` unless the backend keeps marks and `sequence` was given one. One literal with every
 * member, so every entry has the same shape (an object spread per append cost more than the rest
 * of the memory backend's sequencing step). Not frozen.
 *
 * @example
 * ```ts
 * const entry = Object.freeze(backendEntryOf(draft, entries.length));
 * ```
 */
export function backendEntryOf(
  draft: LedgerEntryDraft,
  index: number,
  closedAncestors?: number,
): LedgerBackendEntry {
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
    closedAncestors,
  };
}

/**
 * The draft of a new entry from a token and its decoded claims (profile §7 "Entry"): what the
 * append and the import hand a backend. Positional, with one object shape, because the append
 * builds one per token.
 *
 * @internal
 */
export function entryDraftOf(
  token: string,
  claims: EctClaims,
  ingestedAt: number,
  wit: string | null,
  leafHash: string,
  key: string,
  closedAncestors: number | undefined,
): LedgerEntryDraft {
  return {
    token,
    jti: claims.jti,
    wid: claims.wid ?? null,
    iss: claims.iss,
    ingestedAt,
    wit,
    leafHash,
    key,
    claims,
    closedAncestors,
  };
}
