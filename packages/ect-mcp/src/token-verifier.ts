import type { VerifiedEct } from "ect-core";

/**
 * What ect-mcp needs from a verifier: one method that verifies a token and returns it verified or
 * throws an `EctError`. `ect-crypto`'s `createEctVerifier` returns one; so can a WIMSE-bound
 * verifier or one with a ledger (level 3) and DAG checks: they plug in unchanged.
 */
export interface EctTokenVerifier {
  /**
   * Verifies one token (profile §5) and returns it verified.
   *
   * @throws an `EctError` carrying the refusal code
   */
  verify(token: string): Promise<VerifiedEct>;
}

/** What ect-mcp needs from a ledger: append a token the caller created (profile §7). */
export interface EctAppendTarget {
  /** Appends `token`; ect-mcp requires the status `"appended"`. */
  append(token: string): Promise<{
    /** `"appended"` when the token is new and stored. */
    readonly status: string;
  }>;
}
