import { EctError, EctErrorCodes } from "ect-core";
import { base64urlDecode, isCanonicalBase64url } from "ect-core/internal";
import type { JWK } from "jose";
import type { EctCurve } from "../algorithms.js";
import { keyCurve } from "../key-curve.js";

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
 * The curve of a public `CryptoKey` usable for verification: an ECDSA key on P-256/P-384/P-521 or
 * an Ed25519 key, of type `public`, with the `verify` usage.
 *
 * @throws {@link EctError} `ECT_KEY_INVALID`
 */
export function cryptoKeyCurve(key: CryptoKey): EctCurve {
  if (key.type !== "public") throw keyInvalid(`a public key is required, got a ${key.type} key`);
  if (!key.usages.includes("verify")) throw keyInvalid("the CryptoKey lacks the verify usage");
  const curve = keyCurve(key);
  if (curve !== undefined) return curve;
  const algorithm = key.algorithm as { name?: string; namedCurve?: string };
  if (algorithm.name === "ECDSA") throw keyInvalid(`unsupported ECDSA curve ${String(algorithm.namedCurve)}`);
  throw keyInvalid(`a ${String(algorithm.name)} key cannot verify ECT signatures (ECDSA or Ed25519 only)`);
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The encodings of the Ed25519 points of small order (libsodium's list; the sign bit, top bit of
 * the last byte, is ignored when comparing). With such a public key the signature R = identity,
 * S = 0 verifies for every message (or for a fixed fraction of them), which node:crypto and
 * WebCrypto accept (RFC 8032 cofactorless verification): whoever publishes one makes its issuer's
 * tokens forgeable by anyone, and the audit ledger loses non-repudiation (SPEC 5.6).
 */
const SMALL_ORDER_ED25519: readonly string[] = [
  "0000000000000000000000000000000000000000000000000000000000000000", // order 4
  "0100000000000000000000000000000000000000000000000000000000000000", // identity
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p - 1, order 2
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p (non-canonical 0)
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p + 1 (non-canonical 1)
];

/**
 * Refuses an Ed25519 public key (its 32 raw bytes) of small order.
 *
 * @throws {@link EctError} `ECT_KEY_INVALID`
 */
export function assertNotSmallOrderEd25519(raw: Uint8Array): void {
  if (raw.length !== 32) return; // not an Ed25519 key: the platform import refuses it
  let hex = "";
  for (let i = 0; i < 32; i++) hex += (i === 31 ? raw[i]! & 0x7f : raw[i]!).toString(16).padStart(2, "0");
  if (SMALL_ORDER_ED25519.includes(hex)) {
    throw keyInvalid(
      "an Ed25519 public key of small order cannot verify signatures (anyone could forge them)",
    );
  }
}

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
  if (kty !== "EC" && kty !== "OKP")
    throw keyInvalid(`unsupported key type ${JSON.stringify(kty)} (EC or OKP only)`);
  const curve = keyCurve(jwk);
  if (curve === undefined) throw keyInvalid(`unsupported ${kty} curve ${JSON.stringify(crv)}`);
  if (curve === "Ed25519") {
    if (isCanonicalBase64url(x)) assertNotSmallOrderEd25519(base64urlDecode(x));
    return { kty: "OKP", crv: curve, x };
  }
  if (typeof y !== "string" || !BASE64URL.test(y))
    throw keyInvalid("the JWK member y is missing or malformed");
  return { kty: "EC", crv: curve, x, y };
}
