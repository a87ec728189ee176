import { type EctAlgorithm, EctConfigError, EctError, EctErrorCodes, SUPPORTED_ALGORITHMS } from "ect-core";
import { assertKnownOptions, codePointLength, Limits } from "ect-core/internal";
import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importPKCS8,
  importSPKI,
  type JWK,
} from "jose";
import {
  algorithmProfile,
  algorithmsForCurve,
  defaultAlgorithmForCurve,
  type EctCurve,
  isSupportedAlgorithm,
  SUPPORTED_CURVES,
  webCryptoImportParams,
  webCryptoSignParams,
} from "./algorithms.js";
import { isCryptoKey, keyCurve } from "./key-curve.js";
import { publicJwkMembers } from "./signature/public-key-checks.js";

/** A key an ECT is signed with: the private key, its JWS algorithm and the `kid` put in the header. */
export interface EctSigningKey {
  /** The JWS algorithm (`ES256` by default; `ES384`, `ES512`, `EdDSA`, `Ed25519`). */
  readonly alg: EctAlgorithm;
  /** The key id written to the header: a lookup key for verifiers (1-256 characters, SPEC 2). */
  readonly kid: string;
  /** The private key. */
  readonly privateKey: CryptoKey;
}

/** A public key with the algorithm it verifies and its `kid`. */
export interface EctPublicKey {
  /** The JWS algorithm the key is for. */
  readonly alg: EctAlgorithm;
  /** The key id (1-256 characters). */
  readonly kid: string;
  /** The public key. */
  readonly publicKey: CryptoKey;
}

/** A generated or imported key pair: usable to sign ({@link EctSigningKey}) and to publish ({@link EctPublicKey}). */
export interface EctKeyPair extends EctSigningKey, EctPublicKey {}

/** An imported key: a pair when private material was imported, else a public key. */
export type EctImportedKey =
  | (EctKeyPair & {
      /** Private key material was imported (the public key is derived from it). */
      readonly type: "private";
    })
  | (EctPublicKey & {
      /** Only a public key was imported. */
      readonly type: "public";
    });

/** Where {@link importEctKey} reads a key from: a JWK object or a PEM string (SPKI or PKCS#8). */
export type EctKeyInput =
  | {
      /** A JWK (EC P-256/P-384/P-521 or OKP Ed25519), public or private. */
      readonly jwk: JWK;
    }
  | {
      /** A PEM `PUBLIC KEY` (SPKI) or `PRIVATE KEY` (PKCS#8). */
      readonly pem: string;
    };

/** Options of {@link generateEctKeyPair}. */
export interface GenerateEctKeyPairOptions {
  /** The algorithm: `ES256` (default), `ES384`, `ES512`, `EdDSA` or `Ed25519` (both Ed25519 keys). */
  readonly alg?: EctAlgorithm;
  /** The key id; defaults to the RFC 7638 SHA-256 thumbprint of the public key. */
  readonly kid?: string;
  /** Whether the private key can be exported (default `false`: it never leaves the process). */
  readonly extractable?: boolean;
}

/** Options of {@link importEctKey}. */
export interface ImportEctKeyOptions {
  /**
   * The algorithm. Defaults to the JWK's `alg` member, else the curve's algorithm (`ES256`,
   * `ES384`, `ES512`, or `EdDSA` for Ed25519). Must fit the key's curve.
   */
  readonly alg?: EctAlgorithm;
  /** The key id; defaults to the JWK's `kid` member, else the RFC 7638 thumbprint. */
  readonly kid?: string;
  /** Whether an imported private key can be exported again (default `false`). */
  readonly extractable?: boolean;
}

/** Options of {@link exportPublicJwk} and {@link exportPrivateJwk}. */
export interface ExportJwkOptions {
  /** The `kid` to write; defaults to the key's own, else its RFC 7638 thumbprint. */
  readonly kid?: string;
  /** The `alg` to write; defaults to the key's own, else the curve's algorithm. */
  readonly alg?: EctAlgorithm;
}

/** A JWK Set (RFC 7517 section 5). */
export interface EctJwks {
  /** The keys, each with `kid`, `alg` and `use: "sig"`. */
  readonly keys: JWK[];
}

function keyInvalid(message: string, cause?: unknown): EctError {
  return new EctError(EctErrorCodes.KEY_INVALID, message, cause === undefined ? {} : { cause });
}

/**
 * Throws `ECT_KID_INVALID` unless `kid` is a string of 1-256 characters (SPEC 2), counted in Unicode
 * code points as ect-core's `validateHeader` counts them, so every kid a verifier accepts can sign.
 */
export function assertValidKid(kid: unknown): asserts kid is string {
  if (typeof kid !== "string" || kid.length === 0 || codePointLength(kid) > Limits.KID_MAX_LENGTH) {
    throw new EctError(
      EctErrorCodes.KID_INVALID,
      `kid must be a string of 1-${Limits.KID_MAX_LENGTH} characters`,
      { member: "kid" },
    );
  }
}

/** The curve of a JWK (public or private) of a supported type. */
function jwkCurve(jwk: JWK): EctCurve {
  if (jwk === null || typeof jwk !== "object" || Array.isArray(jwk))
    throw keyInvalid("a JWK must be an object");
  const curve = keyCurve(jwk);
  if (curve !== undefined) return curve;
  throw keyInvalid(
    `unsupported key: kty ${JSON.stringify(jwk.kty)} crv ${JSON.stringify(jwk.crv)} (EC P-256/P-384/P-521 or OKP Ed25519)`,
  );
}

/** The curve of a `CryptoKey` of either type (public or private). */
function cryptoKeyCurveAnyType(key: CryptoKey): EctCurve {
  const curve = keyCurve(key);
  if (curve !== undefined) return curve;
  const algorithm = key.algorithm as { name?: string; namedCurve?: string };
  throw keyInvalid(
    `unsupported key algorithm ${String(algorithm.name)} ${String(algorithm.namedCurve ?? "")}`,
  );
}

/** The algorithm for a key on `curve`: the one asked for, else the JWK's own, else the curve's. */
function chooseAlgorithm(curve: EctCurve, requested: unknown, fromJwk: unknown): EctAlgorithm {
  if (requested !== undefined && fromJwk !== undefined && requested !== fromJwk) {
    throw keyInvalid(`the JWK says alg ${JSON.stringify(fromJwk)}, the options ${JSON.stringify(requested)}`);
  }
  const alg = requested ?? fromJwk ?? defaultAlgorithmForCurve(curve);
  if (!isSupportedAlgorithm(alg)) throw keyInvalid(`unsupported algorithm ${JSON.stringify(alg)}`);
  if (!algorithmsForCurve(curve).includes(alg)) throw keyInvalid(`a ${curve} key cannot be used with ${alg}`);
  return alg;
}

/**
 * Imports the public members of a JWK as a verification `CryptoKey` (used by the key resolvers,
 * once per JWK).
 *
 * @throws {@link EctError} `ECT_KEY_INVALID`
 * @internal
 */
export async function importPublicJwk(jwk: JWK): Promise<CryptoKey> {
  const members = publicJwkMembers(jwk);
  try {
    return await crypto.subtle.importKey("jwk", members, webCryptoImportParams(members.crv), true, [
      "verify",
    ]);
  } catch (cause) {
    throw keyInvalid("the JWK is not a valid public key", cause);
  }
}

/**
 * The RFC 7638 JWK thumbprint (SHA-256, base64url) of a key: the `kid` this library derives when
 * none is given. Private and public forms of one key have the same thumbprint.
 *
 * @param key - a JWK, a public `CryptoKey`, or an extractable private one.
 * @throws {@link EctError} `ECT_KEY_INVALID`
 */
export async function computeKeyId(key: CryptoKey | JWK): Promise<string> {
  try {
    return await calculateJwkThumbprint(key, "sha256");
  } catch (cause) {
    throw keyInvalid("cannot compute the JWK thumbprint of this key", cause);
  }
}

/**
 * Generates a key pair for signing ECTs. ES256 (P-256) by default; `ES384`, `ES512`, `EdDSA` or
 * `Ed25519` on request. The `kid` defaults to the RFC 7638 thumbprint of the public key.
 *
 * @example
 * ```ts
 * const key = await generateEctKeyPair(); // { alg: "ES256", kid, privateKey, publicKey }
 * ```
 * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for an unknown option or
 *   an unsupported `alg`; {@link EctError} `ECT_KID_INVALID`.
 */
export async function generateEctKeyPair(options: GenerateEctKeyPairOptions = {}): Promise<EctKeyPair> {
  checkKeyOptions(options, GENERATE_OPTIONS);
  const alg = options.alg ?? "ES256";
  if (options.kid !== undefined) assertValidKid(options.kid);
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: options.extractable ?? false,
    ...(algorithmProfile(alg)!.kind === "eddsa" ? { crv: "Ed25519" } : {}),
  });
  const kid = options.kid ?? (await computeKeyId(publicKey));
  return Object.freeze({ alg, kid, privateKey, publicKey });
}

const GENERATE_OPTIONS: readonly (keyof GenerateEctKeyPairOptions)[] = ["alg", "kid", "extractable"];
const IMPORT_OPTIONS: readonly (keyof ImportEctKeyOptions)[] = ["alg", "kid", "extractable"];
const EXPORT_OPTIONS: readonly (keyof ExportJwkOptions)[] = ["kid", "alg"];

/**
 * The option mistakes of the key functions: an options object that is not one, an unknown option,
 * an `alg` this library does not support (profile §2). A key that does not fit a supported `alg` is
 * the key's problem (`ECT_KEY_INVALID`), not an option mistake.
 */
function checkKeyOptions(options: unknown, known: readonly string[]): void {
  assertKnownOptions(options, known);
  const alg = (options as { alg?: unknown }).alg;
  if (alg !== undefined && !isSupportedAlgorithm(alg)) {
    throw new EctConfigError("alg", `must be one of ${SUPPORTED_ALGORITHMS.join(", ")}`, { received: alg });
  }
}

const PROBE = new TextEncoder().encode("ect-crypto key consistency probe");

async function importJwkKey(jwk: JWK, options: ImportEctKeyOptions): Promise<EctImportedKey> {
  const curve = jwkCurve(jwk);
  const alg = chooseAlgorithm(curve, options.alg, jwk.alg);
  const kid = options.kid ?? jwk.kid ?? (await computeKeyId(jwk));
  assertValidKid(kid);
  const params = webCryptoImportParams(curve);
  const publicMembers = publicJwkMembers(
    curve === "Ed25519"
      ? { kty: "OKP", crv: curve, x: jwk.x as string }
      : { kty: "EC", crv: curve, x: jwk.x as string, y: jwk.y as string },
  );
  let publicKey: CryptoKey;
  try {
    publicKey = await crypto.subtle.importKey("jwk", publicMembers, params, true, ["verify"]);
  } catch (cause) {
    throw keyInvalid("the JWK is not a valid public key", cause);
  }
  if (jwk.d === undefined) return Object.freeze({ type: "public", alg, kid, publicKey });
  if (typeof jwk.d !== "string") throw keyInvalid("the JWK member d is malformed");
  let privateKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey(
      "jwk",
      { ...publicMembers, d: jwk.d },
      params,
      options.extractable ?? false,
      ["sign"],
    );
  } catch (cause) {
    throw keyInvalid("the JWK is not a valid private key", cause);
  }
  // A private JWK whose d does not belong to its x/y would sign tokens nobody can verify with the
  // published key: check the pair once, here.
  const signParams = webCryptoSignParams(algorithmProfile(alg)!);
  const probe = await crypto.subtle.sign(signParams, privateKey, PROBE);
  if (!(await crypto.subtle.verify(signParams, publicKey, probe, PROBE))) {
    throw keyInvalid("the private key (d) does not belong to the public key (x, y) of the JWK");
  }
  return Object.freeze({ type: "private", alg, kid, privateKey, publicKey });
}

// One algorithm per curve: the platform's PEM parser refuses a key whose curve does not fit.
const PEM_CANDIDATES: readonly EctAlgorithm[] = SUPPORTED_CURVES.map(defaultAlgorithmForCurve);

async function importPemKey(pem: string, options: ImportEctKeyOptions): Promise<EctImportedKey> {
  if (typeof pem !== "string") throw keyInvalid("pem must be a string");
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
  const importer = label === "PUBLIC KEY" ? importSPKI : label === "PRIVATE KEY" ? importPKCS8 : undefined;
  if (importer === undefined) {
    const hint =
      label === "EC PRIVATE KEY"
        ? "; convert a SEC1 key to PKCS#8 first (openssl pkcs8 -topk8 -nocrypt)"
        : label === "ENCRYPTED PRIVATE KEY"
          ? "; encrypted keys are not supported"
          : "";
    throw keyInvalid(`expected a PEM PUBLIC KEY (SPKI) or PRIVATE KEY (PKCS#8)${hint}`);
  }
  // The platform's own parser decides the curve: try each algorithm (only once, at import).
  const candidates = options.alg === undefined ? PEM_CANDIDATES : [options.alg];
  let lastError: unknown;
  for (const alg of candidates) {
    if (!isSupportedAlgorithm(alg)) throw keyInvalid(`unsupported algorithm ${JSON.stringify(alg)}`);
    let key: CryptoKey;
    try {
      key = await importer(pem, alg, { extractable: true });
    } catch (error) {
      lastError = error;
      continue;
    }
    const jwk = await exportJWK(key);
    return importJwkKey(
      { ...jwk, ...(options.alg === undefined ? {} : { alg: options.alg }) },
      { ...options, alg: options.alg ?? defaultAlgorithmForCurve(jwkCurve(jwk)) },
    );
  }
  throw keyInvalid("the PEM is not a supported EC (P-256/P-384/P-521) or Ed25519 key", lastError);
}

/**
 * Imports a key from a JWK or a PEM string. A private key (JWK with `d`, PEM `PRIVATE KEY`)
 * yields a key pair (its public half derived from it, and checked to match); a public key yields
 * a public key. The `kid` is the option's, else the JWK's, else the RFC 7638 thumbprint.
 *
 * @example
 * ```ts
 * const signer = await importEctKey({ pem: privatePem }); // signer.type === "private"
 * const publicKey = await importEctKey({ jwk: publishedJwk }); // publicKey.type === "public"
 * ```
 * @throws {@link EctError} `ECT_KEY_INVALID`, `ECT_KID_INVALID`; {@link EctConfigError} (a
 *   `TypeError`, code `ECT_CONFIG_INVALID`) for an unknown option or an unsupported `alg` option.
 */
export async function importEctKey(
  input: EctKeyInput,
  options: ImportEctKeyOptions = {},
): Promise<EctImportedKey> {
  checkKeyOptions(options, IMPORT_OPTIONS);
  if (input === null || typeof input !== "object") throw keyInvalid("importEctKey takes { jwk } or { pem }");
  if (options.kid !== undefined) assertValidKid(options.kid);
  if ("jwk" in input) return importJwkKey(input.jwk, options);
  if ("pem" in input) return importPemKey(input.pem, options);
  throw keyInvalid("importEctKey takes { jwk } or { pem }");
}

function isEctPublicKey(value: unknown): value is EctPublicKey {
  return typeof value === "object" && value !== null && isCryptoKey((value as EctPublicKey).publicKey);
}

function isEctSigningKey(value: unknown): value is EctSigningKey {
  return typeof value === "object" && value !== null && isCryptoKey((value as EctSigningKey).privateKey);
}

function publicMembersOf(jwk: JWK): JWK {
  return jwk.kty === "OKP"
    ? { kty: jwk.kty, crv: jwk.crv!, x: jwk.x! }
    : { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! };
}

async function exportWith(
  key: CryptoKey,
  wantType: "public" | "private",
  ownKid: string | undefined,
  ownAlg: EctAlgorithm | undefined,
  options: ExportJwkOptions,
): Promise<JWK> {
  if (key.type !== wantType) throw keyInvalid(`a ${wantType} key is required, got a ${key.type} key`);
  const curve = cryptoKeyCurveAnyType(key);
  let exported: JWK;
  try {
    exported = await exportJWK(key);
  } catch (cause) {
    throw keyInvalid("the key is not extractable", cause);
  }
  const kid = options.kid ?? ownKid ?? (await computeKeyId(publicMembersOf(exported)));
  assertValidKid(kid);
  const alg = chooseAlgorithm(curve, options.alg ?? ownAlg, undefined);
  const out: JWK = publicMembersOf(exported);
  if (wantType === "private") out.d = exported.d!;
  return { ...out, kid, alg, use: "sig" };
}

/**
 * Exports a public key as a JWK with `kid` (the key's own, else the RFC 7638 thumbprint), `alg`
 * and `use: "sig"`, ready to publish in a JWK Set.
 *
 * @throws {@link EctError} `ECT_KEY_INVALID`; {@link EctConfigError} for an unknown option or an
 *   unsupported `alg` option.
 */
export async function exportPublicJwk(
  key: EctPublicKey | CryptoKey,
  options: ExportJwkOptions = {},
): Promise<JWK> {
  checkKeyOptions(options, EXPORT_OPTIONS);
  if (isEctPublicKey(key)) return exportWith(key.publicKey, "public", key.kid, key.alg, options);
  if (!isCryptoKey(key)) throw keyInvalid("exportPublicJwk takes an EctPublicKey or a CryptoKey");
  return exportWith(key, "public", undefined, undefined, options);
}

/**
 * Exports a private key as a JWK (with `d`, `kid`, `alg`, `use: "sig"`). The key must have been
 * generated or imported with `extractable: true`. Keep the result secret.
 *
 * @throws {@link EctError} `ECT_KEY_INVALID` (e.g. not extractable); {@link EctConfigError} for an
 *   unknown option or an unsupported `alg` option.
 */
export async function exportPrivateJwk(
  key: EctSigningKey | CryptoKey,
  options: ExportJwkOptions = {},
): Promise<JWK> {
  checkKeyOptions(options, EXPORT_OPTIONS);
  if (isEctSigningKey(key)) return exportWith(key.privateKey, "private", key.kid, key.alg, options);
  if (!isCryptoKey(key)) throw keyInvalid("exportPrivateJwk takes an EctSigningKey or a CryptoKey");
  return exportWith(key, "private", undefined, undefined, options);
}

/**
 * Exports a public key as PEM (SPKI, `-----BEGIN PUBLIC KEY-----`).
 *
 * @throws {@link EctError} `ECT_KEY_INVALID`
 */
export async function exportPublicPem(key: EctPublicKey | CryptoKey): Promise<string> {
  const cryptoKey = isEctPublicKey(key) ? key.publicKey : key;
  if (!isCryptoKey(cryptoKey) || cryptoKey.type !== "public") throw keyInvalid("a public key is required");
  cryptoKeyCurveAnyType(cryptoKey);
  return exportSPKI(cryptoKey);
}

/**
 * Exports a private key as PEM (PKCS#8, `-----BEGIN PRIVATE KEY-----`). The key must be
 * extractable. Keep the result secret.
 *
 * @throws {@link EctError} `ECT_KEY_INVALID`
 */
export async function exportPrivatePem(key: EctSigningKey | CryptoKey): Promise<string> {
  const cryptoKey = isEctSigningKey(key) ? key.privateKey : key;
  if (!isCryptoKey(cryptoKey) || cryptoKey.type !== "private") throw keyInvalid("a private key is required");
  cryptoKeyCurveAnyType(cryptoKey);
  try {
    return await exportPKCS8(cryptoKey);
  } catch (cause) {
    throw keyInvalid("the key is not extractable", cause);
  }
}

/**
 * Builds the public JWK Set to publish (e.g. at a `jwks_uri`): every key with its `kid` (derived as
 * the RFC 7638 thumbprint when not given), `alg` and `use: "sig"`. Private members never appear;
 * a JWK input carrying them is refused. Two keys with one `kid` are refused.
 *
 * @throws {@link EctError} `ECT_KEY_INVALID`
 */
export async function exportJwks(keys: readonly (EctPublicKey | CryptoKey | JWK)[]): Promise<EctJwks> {
  const out: JWK[] = [];
  const kids = new Set<string>();
  for (const key of keys) {
    let jwk: JWK;
    if (isEctPublicKey(key) || isCryptoKey(key)) {
      jwk = await exportPublicJwk(key);
    } else {
      const members = publicJwkMembers(key);
      const curve = jwkCurve(key);
      const kid = key.kid ?? (await computeKeyId(members as JWK));
      assertValidKid(kid);
      jwk = { ...members, kid, alg: chooseAlgorithm(curve, undefined, key.alg), use: "sig" };
    }
    if (kids.has(jwk.kid!)) throw keyInvalid(`two keys share the kid ${JSON.stringify(jwk.kid)}`);
    kids.add(jwk.kid!);
    out.push(jwk);
  }
  return { keys: out };
}
