import { EctError, EctErrorCodes } from "ect-core";
import type { JWK } from "jose";
import type { EctCurve } from "../algorithms.js";

/** A public key as the verification path accepts it: a WebCrypto `CryptoKey` or a public JWK. */
export type PublicKeyInput = CryptoKey | JWK;

/** The members of a public JWK the platforms import from (everything else is dropped). */
export interface PublicJwkMembers {
  /** `EC` or `OKP`. */
  readonly kty: "EC" | "OKP";
  /** The curve. */
  readonly crv: EctCurve;
  /** The x coordinate (EC) or the public key (OKP). */
  readonly x: string;
  /** The y coordinate (EC only). */
  readonly y?: string;
}

function keyInvalid(message: string, cause?: unknown): EctError {
  return new EctError(EctErrorCodes.KEY_INVALID, message, cause === undefined ? {} : { cause });
}

/**
 * True for a genuine WebCrypto `CryptoKey` of this realm. An object that merely claims to be one
 * (`Symbol.toStringTag`) is not: it would be handed to the platform as a key.
 */
export function isCryptoKey(value: unknown): value is CryptoKey {
  if (typeof CryptoKey === "function") return value instanceof CryptoKey;
  return Object.prototype.toString.call(value) === "[object CryptoKey]";
}

/**
 * The curve of a public `CryptoKey` usable for verification: an ECDSA key on P-256/P-384/P-521 or
 * an Ed25519 key, of type `public`, with the `verify` usage.
 *
 * @throws {@link EctError} `ECT_KEY_INVALID`
 */
export function cryptoKeyCurve(key: CryptoKey): EctCurve {
  if (key.type !== "public") throw keyInvalid(`a public key is required, got a ${key.type} key`);
  if (!key.usages.includes("verify")) throw keyInvalid("the CryptoKey lacks the verify usage");
  const algorithm = key.algorithm as { name?: string; namedCurve?: string };
  if (algorithm.name === "ECDSA") {
    const crv = algorithm.namedCurve;
    if (crv === "P-256" || crv === "P-384" || crv === "P-521") return crv;
    throw keyInvalid(`unsupported ECDSA curve ${String(crv)}`);
  }
  if (algorithm.name === "Ed25519") return "Ed25519";
  throw keyInvalid(`a ${String(algorithm.name)} key cannot verify ECT signatures (ECDSA or Ed25519 only)`);
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Checks a public JWK and returns only the members needed to import it. A JWK carrying private
 * material (`d`, or symmetric `k`) is refused rather than silently stripped: it means a private key
 * was published or configured where a public one belongs.
 *
 * @throws {@link EctError} `ECT_KEY_INVALID`
 */
export function publicJwkMembers(jwk: JWK): PublicJwkMembers {
  if (jwk === null || typeof jwk !== "object" || Array.isArray(jwk))
    throw keyInvalid("a JWK must be an object");
  if (jwk.d !== undefined || jwk.k !== undefined) {
    throw keyInvalid("a public key is required, got a JWK with private or symmetric key material");
  }
  if (jwk.use !== undefined && jwk.use !== "sig")
    throw keyInvalid(`a JWK with use ${JSON.stringify(jwk.use)} cannot verify signatures`);
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes("verify"))) {
    throw keyInvalid("a JWK whose key_ops lack verify cannot verify signatures");
  }
  const { kty, crv, x, y } = jwk;
  if (typeof x !== "string" || !BASE64URL.test(x))
    throw keyInvalid("the JWK member x is missing or malformed");
  if (kty === "EC") {
    if (crv !== "P-256" && crv !== "P-384" && crv !== "P-521") {
      throw keyInvalid(`unsupported EC curve ${JSON.stringify(crv)}`);
    }
    if (typeof y !== "string" || !BASE64URL.test(y))
      throw keyInvalid("the JWK member y is missing or malformed");
    return { kty: "EC", crv, x, y };
  }
  if (kty === "OKP") {
    if (crv !== "Ed25519") throw keyInvalid(`unsupported OKP curve ${JSON.stringify(crv)}`);
    return { kty: "OKP", crv, x };
  }
  throw keyInvalid(`unsupported key type ${JSON.stringify(kty)} (EC or OKP only)`);
}
