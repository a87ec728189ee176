import { decodeEct, EctError, type EctErrorCode } from "ect-core";

/**
 * The claims of `token` read without trusting them, or `undefined` when it does not decode (the
 * verifier then reports why). Used to refuse a hash mismatch before the verifier runs, so a token
 * refused for its binding never burns its `jti` nor reaches a ledger (the same order as the HTTP
 * transport's body check).
 */
export function untrustedClaims(token: string): Readonly<Record<string, unknown>> | undefined {
  try {
    return decodeEct(token, { minLevel: 1 }).claims;
  } catch {
    return undefined;
  }
}

/**
 * Throws `code` unless `claims[claim]` equals `expected` (profile §10: `inp_hash` binds the
 * arguments, `out_hash` the result).
 */
export function assertHashClaim(
  claims: Readonly<Record<string, unknown>>,
  claim: "inp_hash" | "out_hash",
  expected: string,
  code: EctErrorCode,
): void {
  const actual = claims[claim];
  if (actual === undefined)
    throw new EctError(code, `${claim} is required on MCP (profile §10)`, { member: claim });
  if (actual !== expected) {
    throw new EctError(code, `${claim} is not the SHA-256 of the JCS form (profile §10)`, { member: claim });
  }
}
