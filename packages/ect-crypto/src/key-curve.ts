/**
 * Which curve is this key: the one answer for JWKs, WebCrypto `CryptoKey`s and node:crypto
 * `KeyObject`s (profile §2: ECDSA on P-256/P-384/P-521 and Ed25519 only). Callers add their own
 * checks (public or private, usages) and their own refusal; this module only names the curve.
 *
 * No `node:` import here: a `KeyObject` is read through its documented properties, so the browser
 * entry stays free of Node modules and only the Node signature primitive uses
 * {@link keyObjectCurve}.
 */
import type { JWK } from "jose";
import type { EctCurve } from "./algorithms.js";

/** The EC curves as JWK `crv` and WebCrypto `namedCurve` name them (the same strings). */
const EC_CURVES: ReadonlySet<string> = new Set<EctCurve>(["P-256", "P-384", "P-521"]);

/** node:crypto's (OpenSSL's) names of the EC curves. */
const NODE_EC_CURVES: ReadonlyMap<string, EctCurve> = new Map<string, EctCurve>([
  ["prime256v1", "P-256"],
  ["secp384r1", "P-384"],
  ["secp521r1", "P-521"],
]);

/** What {@link keyObjectCurve} reads of a node:crypto `KeyObject`. */
export interface KeyObjectCurveMembers {
  /** `"ec"`, `"ed25519"`, ... */
  readonly asymmetricKeyType?: string | undefined;
  /** `namedCurve` is OpenSSL's curve name, e.g. `prime256v1`. */
  readonly asymmetricKeyDetails?: { readonly namedCurve?: string | undefined } | undefined;
}

/**
 * The curve of a key ECTs are signed with (profile §2), or `undefined` for any other key: a JWK
 * (`kty` `EC` with `crv` P-256/P-384/P-521, or `kty` `OKP` with `crv` Ed25519) or a WebCrypto
 * `CryptoKey` (`ECDSA` on one of those curves, or `Ed25519`). Public and private keys alike; it does
 * not check key material, type or usages.
 *
 * @example
 * ```ts
 * keyCurve({ kty: "EC", crv: "P-256", x, y }); // "P-256"
 * keyCurve(rsaJwk); // undefined
 * ```
 */
export function keyCurve(key: CryptoKey | JWK): EctCurve | undefined {
  if (isCryptoKey(key)) return cryptoKeyAlgorithmCurve(key.algorithm);
  if (key === null || typeof key !== "object") return undefined;
  const { kty, crv } = key;
  if (kty === "EC") return typeof crv === "string" && EC_CURVES.has(crv) ? (crv as EctCurve) : undefined;
  return kty === "OKP" && crv === "Ed25519" ? "Ed25519" : undefined;
}

/**
 * True for a genuine WebCrypto `CryptoKey` of this realm. An object that merely claims to be one
 * (`Symbol.toStringTag`) is not: it would be handed to the platform as a key.
 *
 * @internal
 */
export function isCryptoKey(value: unknown): value is CryptoKey {
  if (typeof CryptoKey === "function") return value instanceof CryptoKey;
  return Object.prototype.toString.call(value) === "[object CryptoKey]";
}

/** The curve of a WebCrypto key algorithm (`{ name, namedCurve }`). */
function cryptoKeyAlgorithmCurve(keyAlgorithm: KeyAlgorithm): EctCurve | undefined {
  const algorithm = keyAlgorithm as { name?: unknown; namedCurve?: unknown };
  if (algorithm.name === "Ed25519") return "Ed25519";
  const crv = algorithm.namedCurve;
  return algorithm.name === "ECDSA" && typeof crv === "string" && EC_CURVES.has(crv)
    ? (crv as EctCurve)
    : undefined;
}

/**
 * The curve of a node:crypto `KeyObject`, or `undefined` for any other key type or curve.
 *
 * @internal
 */
export function keyObjectCurve(keyObject: KeyObjectCurveMembers): EctCurve | undefined {
  if (keyObject.asymmetricKeyType === "ed25519") return "Ed25519";
  if (keyObject.asymmetricKeyType !== "ec") return undefined;
  return NODE_EC_CURVES.get(keyObject.asymmetricKeyDetails?.namedCurve ?? "");
}
