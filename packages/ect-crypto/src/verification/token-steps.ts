/**
 * Profile §5 steps 1-7: what a token must be on its own, whether verified live or in audit mode
 * (§5.11). One function per step, in the order the profile gives them.
 *
 * @internal
 */
import {
  type DecodedEct,
  decodeEct,
  type EctClaims,
  EctError,
  EctErrorCodes,
  type EctHeader,
  isEctError,
  SUPPORTED_ALGORITHMS,
} from "ect-core";
import {
  asciiBytes,
  errorFromViolations,
  normalizeAudience,
  validateClaims,
  validateHeader,
} from "ect-core/internal";
import { algorithmProfile } from "../algorithms.js";
import { type ConfirmationKey, confirmedKey } from "../confirmation-key.js";
import { isSettledPromise, settledValue } from "../settled-answers.js";
import type { PublicKeyInput } from "../signature/public-key-checks.js";
import { checkSignature } from "../signature/verify-signature.js";
import type { Pipeline } from "./pipeline.js";

/** A token-supplied string for an error message: JSON-quoted (no control characters) and bounded. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}

/**
 * Profile §5.1-5.3: length before anything else, shape, canonical base64url, strict JSON. An L1
 * token below `minLevel` is refused here (L3 is an L2 envelope plus a ledger append, step 12).
 */
export function decodeStep(pipeline: Pipeline, token: string): DecodedEct {
  return decodeEct(token, {
    maxTokenLength: pipeline.config.maxTokenLength,
    minLevel: pipeline.minLevel === 1 ? 1 : 2,
  });
}

/**
 * Profile §5.4: the header rules of §2 (alg allowlist, typ, kid, closed member set). WIT-bound mode
 * (a `confirmation` key): any supported asymmetric `alg` passes here, the key step then requires
 * `cnf.jwk.alg`; `kid` is optional (profile §2 exception, §9.2).
 */
export function headerStep(
  pipeline: Pipeline,
  header: Readonly<Record<string, unknown>>,
  confirmation?: ConfirmationKey,
): EctHeader {
  const errors = validateHeader(
    header,
    confirmation === undefined
      ? { algorithms: pipeline.algorithms }
      : { algorithms: SUPPORTED_ALGORITHMS, kid: "optional" },
  );
  if (errors.length > 0) throw errorFromViolations(errors);
  return header as unknown as EctHeader;
}

/**
 * Profile §5.5: the key bound to `{ kid, iss, alg }`, from the verifier's resolver. `iss` comes
 * from the strictly decoded claims and must be usable before any resolver sees it. Not `async`:
 * the resolver's own promise, with one `then`, is the answer (no frame of its own per token); an
 * answer already settled (see `settledPromise`) is the key itself, with no microtask hop.
 */
export function keyStep(
  pipeline: Pipeline,
  header: EctHeader,
  claims: Readonly<Record<string, unknown>>,
  confirmation?: ConfirmationKey,
): PublicKeyInput | Promise<PublicKeyInput> {
  const iss = claims["iss"];
  if (iss === undefined) {
    throw new EctError(EctErrorCodes.CLAIM_MISSING, "required claim iss is missing", { member: "iss" });
  }
  if (typeof iss !== "string" || iss.length === 0) {
    throw new EctError(EctErrorCodes.ISS_INVALID, "iss must be a non-empty string", { member: "iss" });
  }
  // The WIT-bound variant (profile §9.2): the key is the WIT's cnf.jwk, bound to its sub.
  if (confirmation !== undefined) return confirmedKey(confirmation, header, iss);
  let lookup: unknown;
  try {
    lookup = pipeline.keys!.resolve({ kid: header.kid!, iss, alg: header.alg });
  } catch (cause) {
    throw resolverFailure(cause);
  }
  if (isSettledPromise(lookup)) return foundKey(settledValue(lookup), header, iss);
  return Promise.resolve(lookup).then(
    (key) => foundKey(key, header, iss),
    (cause: unknown) => {
      throw resolverFailure(cause);
    },
  );
}

/** The resolver's answer: a key, or `ECT_KEY_NOT_FOUND` when it has none (profile §5.5). */
function foundKey(key: unknown, header: EctHeader, iss: string): PublicKeyInput {
  if (key === undefined || key === null) {
    throw new EctError(
      EctErrorCodes.KEY_NOT_FOUND,
      `no ${header.alg} key with kid ${JSON.stringify(header.kid)} is bound to issuer ${quoted(iss)}`,
      { member: "kid" },
    );
  }
  return key as PublicKeyInput;
}

/** A resolver's own refusal (an `EctError`) as it is; anything else it threw is `ECT_KEY_RESOLUTION_FAILED`. */
function resolverFailure(cause: unknown): EctError {
  if (isEctError(cause)) return cause;
  return new EctError(EctErrorCodes.KEY_RESOLUTION_FAILED, "the key resolver failed", {
    member: "kid",
    cause,
  });
}

/**
 * Profile §5.6: the signature has the algorithm's exact length (ES256: 64 bytes of raw r‖s), then
 * verifies over the signing input exactly as received. Synchronous when the primitive answers on
 * the main thread.
 */
export function signatureStep(
  header: EctHeader,
  key: PublicKeyInput,
  decoded: DecodedEct,
): void | Promise<void> {
  const expected = algorithmProfile(header.alg)!.signatureLength;
  if (decoded.signature.length !== expected) {
    throw new EctError(
      EctErrorCodes.SIGNATURE_INVALID,
      `the signature is ${decoded.signature.length} bytes; ${header.alg} signatures are exactly ${expected} bytes`,
      { member: "signature" },
    );
  }
  const valid = checkSignature({
    alg: header.alg,
    key,
    signature: decoded.signature,
    data: asciiBytes(decoded.signingInput), // read by the primitive, never kept
  });
  if (typeof valid === "boolean") return refuseInvalid(valid);
  return valid.then(refuseInvalid);
}

function refuseInvalid(valid: boolean): void {
  if (!valid) {
    throw new EctError(EctErrorCodes.SIGNATURE_INVALID, "the signature does not verify", {
      member: "signature",
    });
  }
}

/**
 * Profile §5.7, first half: the claim rules of §3, on the claims exactly as {@link decodeStep}
 * returned them (forbidden names and depth were refused there, profile §5.3).
 */
export function claimsStep(pipeline: Pipeline, claims: Readonly<Record<string, unknown>>): EctClaims {
  const errors = validateClaims(claims, {
    maxPredLength: pipeline.config.maxPredLength,
    strictlyDecoded: true,
  });
  if (errors.length > 0) throw errorFromViolations(errors);
  return claims as unknown as EctClaims;
}

/** Profile §5.7, second half: `aud` contains this verifier's id. Returns `aud` as an array. */
export function audienceStep(pipeline: Pipeline, claims: EctClaims): readonly string[] {
  const audience = normalizeAudience(claims.aud);
  if (!audience.includes(pipeline.verifierId!)) {
    throw new EctError(EctErrorCodes.AUD_MISMATCH, "aud does not contain this verifier's id", {
      member: "aud",
    });
  }
  return audience;
}
