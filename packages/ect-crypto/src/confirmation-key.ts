import { EctError, EctErrorCodes } from "ect-core";
import type { JWK } from "jose";
import { computeKeyId } from "./keys.js";
import { verifySignature } from "./signature/verify-signature.js";

/**
 * A key confirmed by a credential (RFC 7800 `cnf`), such as a WIMSE Workload Identity Token's
 * `cnf.jwk`: the ECT key step's WIT-bound variant uses it instead of a key resolver (profile §5.5,
 * §9.2). The caller has verified the credential; `ect-wimse` builds these from a verified WIT.
 */
export interface ConfirmationKey {
  /** The confirmed public JWK. It must carry `alg`: the ECT's `alg` must equal it (profile §9.2). */
  readonly jwk: JWK;
  /** Who the key is bound to (the WIT's `sub`): the ECT's `iss` must equal it exactly (profile §9.2). */
  readonly subject: string;
  /**
   * The credential the key came from (the WIT, compact form). At level 3 it is appended to the
   * ledger with the token (`append(token, { wit })`, profile §7), so an audit can re-verify the ECT.
   */
  readonly credential?: string;
}

// RFC 7638 thumbprints are computed once per JWK object (treat confirmation keys as immutable).
const thumbprints = new WeakMap<object, Promise<string>>();

function thumbprintOf(jwk: JWK): Promise<string> {
  let thumbprint = thumbprints.get(jwk);
  if (thumbprint === undefined) {
    thumbprint = computeKeyId(jwk);
    thumbprints.set(jwk, thumbprint);
  }
  return thumbprint;
}

/**
 * The key step's WIT-bound variant (profile §5.5, §9.2, §2 exception), run after the header rules
 * (with `kid` optional): `alg` equals `cnf.jwk.alg`, `iss` equals the bound subject exactly, a `kid`
 * if present is the RFC 7638 thumbprint of the key. Returns the key to verify the signature with.
 *
 * @throws {@link EctError} `ECT_WIT_ALG_MISMATCH`, `ECT_WIT_SUBJECT_MISMATCH`,
 *   `ECT_WIT_KID_MISMATCH`, `ECT_KEY_INVALID` for a key without `alg`.
 * @internal
 */
export async function confirmedKey(
  confirmation: ConfirmationKey,
  header: { readonly alg: string; readonly kid?: string | undefined },
  iss: string,
): Promise<JWK> {
  const { jwk, subject } = confirmation;
  if (typeof jwk?.alg !== "string") {
    throw new EctError(EctErrorCodes.KEY_INVALID, "the confirmation key has no alg", {
      member: "cnf.jwk.alg",
    });
  }
  if (header.alg !== jwk.alg) {
    throw new EctError(
      EctErrorCodes.WIT_ALG_MISMATCH,
      `header.alg ${JSON.stringify(header.alg)} is not the WIT's cnf.jwk.alg ${JSON.stringify(jwk.alg)}`,
      { member: "alg" },
    );
  }
  if (iss !== subject) {
    throw new EctError(EctErrorCodes.WIT_SUBJECT_MISMATCH, "iss is not the WIT's sub", { member: "iss" });
  }
  if (header.kid !== undefined && header.kid !== (await thumbprintOf(jwk))) {
    throw new EctError(
      EctErrorCodes.WIT_KID_MISMATCH,
      "header.kid is not the RFC 7638 thumbprint of the WIT's cnf.jwk",
      { member: "kid" },
    );
  }
  return jwk;
}

/** What {@link verifyJwsSignature} checks. */
export interface JwsSignatureInput {
  /** The JWS `alg` (the caller has checked it is the one expected). */
  readonly alg: string;
  /** The public key: a `CryptoKey` or a public JWK. */
  readonly key: CryptoKey | JWK;
  /** `header.payload` of the compact JWS, exactly as received. */
  readonly signingInput: string;
  /** The decoded signature bytes. */
  readonly signature: Uint8Array;
}

const ascii = new TextEncoder();

/**
 * Verifies a compact JWS signature through the same primitive as ECT verification (exact signature
 * length, small-order Ed25519 keys refused, private JWKs refused). Used for WITs and WPTs
 * (`ect-wimse`), whose envelopes are decoded with the same strict decoder as ECTs.
 *
 * @returns `true` when the signature verifies.
 * @throws {@link EctError} `ECT_KEY_INVALID` for an unusable key or one on another curve than `alg`,
 *   `ECT_ALG_NOT_ALLOWED` for an algorithm the library does not support.
 */
export function verifyJwsSignature(input: JwsSignatureInput): Promise<boolean> {
  return verifySignature({
    alg: input.alg,
    key: input.key,
    signature: input.signature,
    data: ascii.encode(input.signingInput),
  });
}
