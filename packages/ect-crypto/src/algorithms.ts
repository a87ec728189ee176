import { type EctAlgorithm, EctConfigError, EctError, EctErrorCodes, SUPPORTED_ALGORITHMS } from "ect-core";
import { DEFAULT_ALGORITHMS, isForbiddenAlgorithm } from "ect-core/internal";

/** The curve a signing algorithm works on (SPEC 2: only asymmetric algorithms). */
export type EctCurve = "P-256" | "P-384" | "P-521" | "Ed25519";

/**
 * What the signature primitive needs to know about one JWS algorithm: its curve, hash and the exact
 * signature length (JWS ECDSA signatures are raw `r‖s`, RFC 7518 section 3.4; SPEC 5.6).
 */
export interface AlgorithmProfile {
  /** The JWS `alg` value. */
  readonly alg: EctAlgorithm;
  /** `ecdsa` or `eddsa`. */
  readonly kind: "ecdsa" | "eddsa";
  /** The curve a key must be on to be used with this algorithm. */
  readonly curve: EctCurve;
  /** The hash for ECDSA (`undefined` for EdDSA, which hashes internally). */
  readonly hash: "SHA-256" | "SHA-384" | "SHA-512" | undefined;
  /** Exact signature length in bytes: 64 for ES256, 96 for ES384, 132 for ES512, 64 for EdDSA. */
  readonly signatureLength: number;
}

/**
 * The one algorithm table (profile §2): every algorithm this library signs and verifies with, its
 * curve, hash and exact signature length. Everything else (the algorithms of a curve, a curve's
 * default algorithm, the WebCrypto parameters) is derived from it. The first row of a curve is that
 * curve's default algorithm (an Ed25519 key signs as `EdDSA`, RFC 8037, for interoperability).
 * Typed by `EctAlgorithm`, so ect-core's `SUPPORTED_ALGORITHMS` and this table cannot drift apart.
 */
const ALGORITHM_TABLE: Readonly<Record<EctAlgorithm, AlgorithmProfile>> = {
  ES256: { alg: "ES256", kind: "ecdsa", curve: "P-256", hash: "SHA-256", signatureLength: 64 },
  ES384: { alg: "ES384", kind: "ecdsa", curve: "P-384", hash: "SHA-384", signatureLength: 96 },
  ES512: { alg: "ES512", kind: "ecdsa", curve: "P-521", hash: "SHA-512", signatureLength: 132 },
  EdDSA: { alg: "EdDSA", kind: "eddsa", curve: "Ed25519", hash: undefined, signatureLength: 64 },
  Ed25519: { alg: "Ed25519", kind: "eddsa", curve: "Ed25519", hash: undefined, signatureLength: 64 },
};

const PROFILES: ReadonlyMap<string, AlgorithmProfile> = new Map(Object.entries(ALGORITHM_TABLE));

const ALGORITHMS_OF_CURVE: ReadonlyMap<EctCurve, readonly EctAlgorithm[]> = (() => {
  const byCurve = new Map<EctCurve, EctAlgorithm[]>();
  for (const { alg, curve } of PROFILES.values()) byCurve.set(curve, [...(byCurve.get(curve) ?? []), alg]);
  return new Map([...byCurve].map(([curve, algs]) => [curve, Object.freeze(algs)]));
})();

/**
 * The curves of the table, in its order.
 *
 * @internal
 */
export const SUPPORTED_CURVES: readonly EctCurve[] = Object.freeze([...ALGORITHMS_OF_CURVE.keys()]);

/** The profile of a supported algorithm, or `undefined` (exact, case-sensitive match, SPEC 2). */
export function algorithmProfile(alg: string): AlgorithmProfile | undefined {
  return PROFILES.get(alg);
}

/**
 * The profile of `alg` when this library signs and verifies with it (profile §2), for a signer or a
 * verifier about to use it.
 *
 * @throws {@link EctError} `ECT_ALG_NOT_ALLOWED` (member `alg`) for any other value.
 */
export function supportedAlgorithmProfile(alg: unknown): AlgorithmProfile {
  const profile = typeof alg === "string" ? PROFILES.get(alg) : undefined;
  if (profile === undefined) {
    throw new EctError(EctErrorCodes.ALG_NOT_ALLOWED, `alg ${JSON.stringify(alg)} is not supported`, {
      member: "alg",
    });
  }
  return profile;
}

/** True when `alg` is one of the asymmetric algorithms this library signs and verifies with. */
export function isSupportedAlgorithm(alg: unknown): alg is EctAlgorithm {
  return typeof alg === "string" && PROFILES.has(alg);
}

/**
 * The algorithms a key on `curve` signs and verifies with, its default first: `["ES256"]` for
 * P-256, `["EdDSA", "Ed25519"]` for Ed25519 (profile §2).
 *
 * @example
 * ```ts
 * algorithmsForCurve(keyCurve(jwk)!); // e.g. ["ES256"]
 * ```
 */
export function algorithmsForCurve(curve: EctCurve): readonly EctAlgorithm[] {
  return ALGORITHMS_OF_CURVE.get(curve) ?? [];
}

/** The default algorithm for a curve (an Ed25519 key signs as `EdDSA`, RFC 8037, for interoperability). */
export function defaultAlgorithmForCurve(curve: EctCurve): EctAlgorithm {
  return algorithmsForCurve(curve)[0]!;
}

const IMPORT_PARAMS: ReadonlyMap<EctCurve, EcKeyImportParams | Algorithm> = new Map(
  SUPPORTED_CURVES.map((curve) => [
    curve,
    ALGORITHM_TABLE[defaultAlgorithmForCurve(curve)].kind === "ecdsa"
      ? { name: "ECDSA", namedCurve: curve }
      : { name: curve },
  ]),
);

const SIGN_PARAMS: ReadonlyMap<string, EcdsaParams | Algorithm> = new Map(
  [...PROFILES].map(([alg, { kind, hash, curve }]) => [
    alg,
    kind === "ecdsa" ? { name: "ECDSA", hash: hash! } : { name: curve },
  ]),
);

/**
 * The WebCrypto parameters to import a key on `curve` (`{ name: "ECDSA", namedCurve }` or
 * `{ name: "Ed25519" }`), one object per curve.
 *
 * @internal
 */
export function webCryptoImportParams(curve: EctCurve): EcKeyImportParams | Algorithm {
  return IMPORT_PARAMS.get(curve)!;
}

/**
 * The WebCrypto parameters to sign or verify with `profile`'s algorithm (`{ name: "ECDSA", hash }`
 * or `{ name: "Ed25519" }`), one object per algorithm.
 *
 * @internal
 */
export function webCryptoSignParams(profile: AlgorithmProfile): EcdsaParams | Algorithm {
  return SIGN_PARAMS.get(profile.alg)!;
}

/**
 * Checks a verifier's algorithm allowlist once, at construction (SPEC 2): a non-empty list of
 * supported asymmetric algorithms. `none` and every `HS*` algorithm are refused even when
 * configured, and so is anything this library cannot verify.
 *
 * @throws {@link EctConfigError} naming the option path, e.g. `algorithms[0]`.
 */
export function resolveAlgorithmAllowlist(
  algorithms: readonly string[] | undefined,
  option = "algorithms",
): readonly EctAlgorithm[] {
  if (algorithms === undefined) return DEFAULT_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new EctConfigError(option, "must be a non-empty array", { received: algorithms });
  }
  algorithms.forEach((alg, index) => {
    if (typeof alg !== "string" || isForbiddenAlgorithm(alg)) {
      throw new EctConfigError(
        `${option}[${index}]`,
        "must not be none or a symmetric (HS*) algorithm: they are never accepted (profile §2)",
        { received: alg },
      );
    }
    if (!isSupportedAlgorithm(alg)) {
      throw new EctConfigError(`${option}[${index}]`, `must be one of ${SUPPORTED_ALGORITHMS.join(", ")}`, {
        received: alg,
      });
    }
  });
  return Object.freeze([...new Set(algorithms as EctAlgorithm[])]);
}
