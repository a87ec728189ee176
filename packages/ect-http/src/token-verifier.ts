import type { VerifiedEct } from "ect-core";

/**
 * What the HTTP layer needs from a verifier: one method that verifies a token and either returns it
 * verified or throws an `EctError`. `ect-crypto`'s `createEctVerifier` returns one; any object of
 * this shape works, so the transport does not depend on how tokens are verified.
 */
export interface EctTokenVerifier {
  /**
   * Verifies one token (SPEC 5) and returns it verified.
   *
   * @throws an `EctError` carrying the refusal code
   */
  verify(token: string): Promise<VerifiedEct>;
}
