import {
  type DecodedEct,
  decodeEct,
  EctConfigError,
  EctError,
  type EctErrorCode,
  isEctError,
  SUPPORTED_ALGORITHMS,
} from "ect-core";
import { isForbiddenAlgorithm, normalizeTyp } from "ect-core/internal";
import { verifyJwsSignature } from "ect-crypto";
import type { JWK } from "jose";

const SUPPORTED = new Set<string>(SUPPORTED_ALGORITHMS);
// WITs and WPTs name their key through the trust anchors (`kid`) or the WIT (`cnf.jwk`): nothing in
// a header is ever fetched or trusted as a key (profile §2, §9.1), so the header set is closed.
const HEADER_MEMBERS = new Set(["alg", "typ", "kid"]);

/** A WIT or WPT envelope after the strict decoder and the header rules. */
export interface DecodedJwt extends DecodedEct {
  /** The header: `alg` (supported, asymmetric), `typ`, optional `kid`. */
  readonly header: { readonly alg: string; readonly typ: string; readonly kid?: string };
}

/**
 * Decodes a WIT or WPT with the ECT decoder's strict rules (length, canonical base64url, strict
 * I-JSON objects, profile §5.1-5.3) and checks its header: `typ` (media type rules of RFC 7515,
 * like ECTs), an asymmetric `alg` this library verifies (never `none` or `HS*`), `kid` a string if
 * present, no other member. Every failure is `invalid`, carrying the decoder's error as cause.
 */
export function decodeJwt(
  token: unknown,
  options: { readonly typ: string; readonly invalid: EctErrorCode; readonly maxTokenLength: number },
): DecodedJwt {
  const { typ, invalid } = options;
  const what = typ === "wit+jwt" ? "WIT" : "WPT";
  let decoded: DecodedEct;
  try {
    decoded = decodeEct(token, { maxTokenLength: options.maxTokenLength, minLevel: 2 });
  } catch (cause) {
    if (!isEctError(cause)) throw cause;
    throw new EctError(invalid, `the ${what} is malformed: ${cause.message}`, { cause });
  }
  const header = decoded.header!;
  const alg = header["alg"];
  if (typeof alg !== "string" || isForbiddenAlgorithm(alg) || !SUPPORTED.has(alg)) {
    throw new EctError(invalid, `the ${what}'s alg must be an asymmetric algorithm`, { member: "alg" });
  }
  const t = header["typ"];
  if (typeof t !== "string" || normalizeTyp(t) !== typ) {
    throw new EctError(invalid, `the ${what}'s typ must be ${typ}`, { member: "typ" });
  }
  if (header["kid"] !== undefined && typeof header["kid"] !== "string") {
    throw new EctError(invalid, `the ${what}'s kid must be a string`, { member: "kid" });
  }
  for (const name of Object.keys(header)) {
    if (!HEADER_MEMBERS.has(name)) {
      throw new EctError(invalid, `the ${what}'s header member ${JSON.stringify(name)} is not allowed`, {
        member: name,
      });
    }
  }
  return decoded as DecodedJwt;
}

/** An own property of a decoded JSON object (never an inherited one). */
export function own(record: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

/** Integer seconds within the I-JSON safe range (profile §3). */
export function isSafeSeconds(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value);
}

/** The clock's current time in (fractional) seconds. */
export function nowSeconds(now: number | (() => number) | undefined): number {
  const ms = typeof now === "function" ? now() : (now ?? Date.now());
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    // A clock that breaks its contract is a programming error, never a token refusal (profile §5).
    throw new EctConfigError("now", "must be (or return) finite milliseconds since the epoch", {
      received: ms,
    });
  }
  return ms / 1000;
}

/**
 * Whether a decoded WIT/WPT's signature verifies with `key` (ect-crypto's one signature primitive).
 * A key that cannot verify this `alg` (another curve, unusable) counts as not verifying.
 */
export async function signatureVerifies(decoded: DecodedJwt, key: JWK): Promise<boolean> {
  try {
    return await verifyJwsSignature({
      alg: decoded.header.alg,
      key,
      signingInput: decoded.signingInput,
      signature: decoded.signature,
    });
  } catch (cause) {
    if (!isEctError(cause)) throw cause;
    return false;
  }
}
