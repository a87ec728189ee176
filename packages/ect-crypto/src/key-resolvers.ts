import { type EctAlgorithm, EctError, EctErrorCodes, type KeyLookup, type KeyResolver } from "ect-core";
import { createRemoteJWKSet, customFetch, type FetchImplementation, type JWK } from "jose";
import { algorithmProfile, type EctCurve, isSupportedAlgorithm } from "./algorithms.js";
import { computeKeyId, type EctPublicKey, importPublicJwk } from "./keys.js";
import { isCryptoKey, publicJwkMembers } from "./signature/public-key-checks.js";

/** What the key resolvers of this package return: a public key ready for verification. */
export type EctVerificationKey = CryptoKey;

/** A key resolver as `verifyEct` uses it (SPEC 5.5). Custom resolvers may also return public JWKs. */
export type EctKeyResolver = KeyResolver<CryptoKey | JWK>;

function configError(member: string, message: string): EctError {
  return new EctError(EctErrorCodes.CONFIG_INVALID, message, { member });
}

function issuerSet(issuers: unknown, option: string): ReadonlySet<string> {
  const list = typeof issuers === "string" ? [issuers] : issuers;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((i) => typeof i === "string" && i.length > 0)
  ) {
    throw configError(option, `${option} must be a non-empty issuer string or array of them (SPEC 5.5)`);
  }
  return new Set(list as string[]);
}

function curveOfJwk(jwk: JWK): EctCurve | undefined {
  if (jwk.kty === "EC" && (jwk.crv === "P-256" || jwk.crv === "P-384" || jwk.crv === "P-521")) return jwk.crv;
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return "Ed25519";
  return undefined;
}

function curveOfCryptoKey(key: CryptoKey): EctCurve | undefined {
  const algorithm = key.algorithm as { name?: string; namedCurve?: string };
  if (algorithm.name === "Ed25519") return "Ed25519";
  const crv = algorithm.namedCurve;
  return algorithm.name === "ECDSA" && (crv === "P-256" || crv === "P-384" || crv === "P-521")
    ? crv
    : undefined;
}

/** Imports a JWK once; concurrent first uses share the import. */
function lazyImport(jwk: JWK): () => Promise<CryptoKey> {
  let imported: Promise<CryptoKey> | undefined;
  return () => {
    if (imported === undefined) {
      imported = importPublicJwk(jwk);
      imported.catch(() => {
        imported = undefined;
      });
    }
    return imported;
  };
}

// ---------------------------------------------------------------------------------------------
// Static map

/** One key of a {@link staticKeyResolver}. */
export interface StaticKeyEntry {
  /**
   * The issuer (`iss`) this key is bound to, or several. The key never resolves for any other
   * issuer (SPEC 5.5).
   */
  readonly iss: string | readonly string[];
  /** The `kid` it is found under; defaults to the key's own `kid` (an {@link EctPublicKey} or a JWK with `kid`). */
  readonly kid?: string;
  /** The public key: a `CryptoKey`, a public JWK, or an {@link EctPublicKey}. */
  readonly key: CryptoKey | JWK | EctPublicKey;
  /**
   * Algorithms the key may verify. Defaults to the key's own `alg` (an {@link EctPublicKey} or a
   * JWK with `alg`), else every algorithm of its curve. The verifier's allowlist applies too.
   */
  readonly algorithms?: readonly EctAlgorithm[];
}

interface ResolvedEntry {
  readonly algorithms: ReadonlySet<string>;
  readonly curve: EctCurve;
  readonly key: () => Promise<CryptoKey>;
}

/**
 * The table key of an (iss, kid) pair: unambiguous whatever characters either holds (a separator
 * such as U+0000 could move a kid's prefix into the issuer, SPEC 5.5).
 */
function tableKey(iss: string, kid: string): string {
  return JSON.stringify([iss, kid]);
}

/**
 * A key resolver over a fixed set of keys, each bound to its issuer(s) and `kid` (SPEC 5.5): a
 * lookup resolves only when both the `iss` and the `kid` match an entry. JWKs are imported once,
 * on first use.
 *
 * @example
 * ```ts
 * const keys = staticKeyResolver([{ iss: "spiffe://example.org/agent-a", key: agentA }]);
 * ```
 * @throws {@link EctError} `ECT_CONFIG_INVALID` for a missing `kid`, a duplicate `(iss, kid)`,
 *   a key of an unsupported type; `ECT_KEY_INVALID` for a JWK with private members.
 */
export function staticKeyResolver(entries: readonly StaticKeyEntry[]): KeyResolver<EctVerificationKey> {
  if (!Array.isArray(entries)) throw configError("entries", "staticKeyResolver takes an array of entries");
  const table = new Map<string, ResolvedEntry>();
  for (const [index, entry] of entries.entries()) {
    const where = `entries[${index}]`;
    const issuers = issuerSet(entry?.iss, `${where}.iss`);
    const input = entry.key;
    let curve: EctCurve | undefined;
    let ownKid: string | undefined;
    let ownAlg: string | undefined;
    let load: () => Promise<CryptoKey>;
    if (isCryptoKey(input)) {
      curve = curveOfCryptoKey(input);
      if (input.type !== "public") throw configError(`${where}.key`, `${where}.key must be a public key`);
      load = () => Promise.resolve(input);
    } else if (
      typeof input === "object" &&
      input !== null &&
      isCryptoKey((input as EctPublicKey).publicKey)
    ) {
      const pub = input as EctPublicKey;
      curve = curveOfCryptoKey(pub.publicKey);
      if (pub.publicKey.type !== "public")
        throw configError(`${where}.key`, `${where}.key must be a public key`);
      ownKid = pub.kid;
      ownAlg = pub.alg;
      load = () => Promise.resolve(pub.publicKey);
    } else {
      const jwk = Object.freeze({ ...(input as JWK) });
      publicJwkMembers(jwk); // refuses private material now, not at the first verification
      curve = curveOfJwk(jwk);
      ownKid = jwk.kid;
      ownAlg = jwk.alg;
      load = lazyImport(jwk);
    }
    if (curve === undefined)
      throw configError(`${where}.key`, `${where}.key is not an EC or Ed25519 public key`);
    const kid = entry.kid ?? ownKid;
    if (typeof kid !== "string" || kid.length === 0) {
      throw configError(`${where}.kid`, `${where} has no kid (give kid, or a key that carries one)`);
    }
    const algorithms = entry.algorithms ?? (ownAlg === undefined ? undefined : [ownAlg]);
    const allowed = new Set<string>();
    for (const alg of algorithms ?? ["ES256", "ES384", "ES512", "EdDSA", "Ed25519"]) {
      if (!isSupportedAlgorithm(alg)) {
        throw configError(`${where}.algorithms`, `${where}: unsupported algorithm ${JSON.stringify(alg)}`);
      }
      if (algorithmProfile(alg)!.curve === curve) allowed.add(alg);
      else if (algorithms !== undefined) {
        throw configError(`${where}.algorithms`, `${where}: a ${curve} key cannot verify ${alg}`);
      }
    }
    for (const iss of issuers) {
      const id = tableKey(iss, kid);
      if (table.has(id)) {
        throw configError(
          where,
          `${where}: issuer ${JSON.stringify(iss)} already has a key with kid ${JSON.stringify(kid)}`,
        );
      }
      table.set(id, { algorithms: allowed, curve, key: load });
    }
  }
  return {
    async resolve({ kid, iss, alg }: KeyLookup): Promise<EctVerificationKey | undefined> {
      const entry = table.get(tableKey(iss, kid));
      if (entry === undefined || !entry.algorithms.has(alg)) return undefined;
      return entry.key();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Local JWK Set

/** Options of {@link jwksKeyResolver}. */
export interface JwksKeyResolverOptions {
  /** The issuer(s) whose keys this JWK Set holds: keys never resolve for another `iss` (SPEC 5.5). */
  readonly issuers: string | readonly string[];
}

interface IndexedJwk {
  readonly jwk: JWK;
  readonly curve: EctCurve;
  readonly load: () => Promise<CryptoKey>;
}

function isSignatureJwk(jwk: JWK): boolean {
  if (jwk.use !== undefined && jwk.use !== "sig") return false;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes("verify")))
    return false;
  return curveOfJwk(jwk) !== undefined;
}

/**
 * A key resolver over a local JWK Set trusted for the given issuers (SPEC 5.5). A key is found by
 * `kid` (a key without `kid` by its RFC 7638 thumbprint), must fit the algorithm (curve, and the
 * JWK's own `alg` when it has one), and is imported once. Keys of other types (RSA, symmetric, ...)
 * are ignored; private keys and duplicate `kid`s are refused.
 *
 * @example
 * ```ts
 * const keys = jwksKeyResolver(await (await fetch(url)).json(), { issuers: ["https://agents.example"] });
 * ```
 * @throws {@link EctError} `ECT_CONFIG_INVALID` for a malformed set, duplicate `kid`s or missing
 *   issuers; `ECT_KEY_INVALID` for a member with private key material.
 */
export function jwksKeyResolver(
  jwks: { readonly keys: readonly JWK[] },
  options: JwksKeyResolverOptions,
): KeyResolver<EctVerificationKey> {
  const issuers = issuerSet(options?.issuers, "issuers");
  if (jwks === null || typeof jwks !== "object" || !Array.isArray(jwks.keys)) {
    throw configError("jwks", "jwks must be a JWK Set: an object with a keys array");
  }
  const usable: JWK[] = [];
  const explicitKids = new Set<string>();
  for (const [index, member] of jwks.keys.entries()) {
    if (member === null || typeof member !== "object" || Array.isArray(member)) {
      throw configError("jwks", `jwks.keys[${index}] is not an object`);
    }
    if (member.d !== undefined || member.k !== undefined) {
      throw new EctError(
        EctErrorCodes.KEY_INVALID,
        `jwks.keys[${index}] holds private or symmetric key material`,
      );
    }
    if (!isSignatureJwk(member)) continue;
    const jwk = Object.freeze(structuredClone(member));
    publicJwkMembers(jwk);
    if (jwk.kid !== undefined) {
      if (typeof jwk.kid !== "string" || jwk.kid.length === 0)
        throw configError("jwks", `jwks.keys[${index}].kid is invalid`);
      if (explicitKids.has(jwk.kid))
        throw configError("jwks", `two keys share the kid ${JSON.stringify(jwk.kid)}`);
      explicitKids.add(jwk.kid);
    }
    usable.push(jwk);
  }
  // Thumbprints need SHA-256, which is asynchronous: the index is built once, on first use.
  let index: Promise<Map<string, IndexedJwk>> | undefined;
  const buildIndex = async (): Promise<Map<string, IndexedJwk>> => {
    const map = new Map<string, IndexedJwk>();
    for (const jwk of usable) {
      const kid = jwk.kid ?? (await computeKeyId(jwk));
      if (map.has(kid)) {
        throw new EctError(
          EctErrorCodes.KEY_RESOLUTION_FAILED,
          `two keys of the JWK Set share the kid ${JSON.stringify(kid)}`,
        );
      }
      map.set(kid, { jwk, curve: curveOfJwk(jwk)!, load: lazyImport(jwk) });
    }
    return map;
  };
  return {
    async resolve({ kid, iss, alg }: KeyLookup): Promise<EctVerificationKey | undefined> {
      if (!issuers.has(iss)) return undefined;
      const profile = algorithmProfile(alg);
      if (profile === undefined) return undefined;
      if (index === undefined) {
        index = buildIndex();
        index.catch(() => {
          index = undefined;
        });
      }
      const found = (await index).get(kid);
      if (found === undefined || found.curve !== profile.curve) return undefined;
      if (found.jwk.alg !== undefined && found.jwk.alg !== alg) return undefined;
      return found.load();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Remote JWK Set

/** Options of {@link remoteJwksKeyResolver}; the caching options are jose's `createRemoteJWKSet` ones. */
export interface RemoteJwksKeyResolverOptions {
  /** The issuer(s) whose keys this JWK Set holds: other issuers never cause a fetch (SPEC 5.5). */
  readonly issuers: string | readonly string[];
  /** Milliseconds a fetch may take (jose default 5000). */
  readonly timeoutDuration?: number;
  /** Milliseconds after a fetch during which an unknown `kid` does not trigger a refetch (jose default 30000). */
  readonly cooldownDuration?: number;
  /** Milliseconds a fetched set is used before it is refetched (jose default 600000). */
  readonly cacheMaxAge?: number;
  /** Headers sent with the request. */
  readonly headers?: Record<string, string>;
  /** A fetch implementation (for proxies, tests); defaults to the global `fetch`. */
  readonly fetch?: FetchImplementation;
  /** Allow an `http:` URL (default `false`: only `https:`, since the keys decide what is trusted). */
  readonly allowInsecureHttp?: boolean;
}

/** A key resolver over a remote JWK Set; {@link RemoteJwksKeyResolver.reload} forces a refetch. */
export interface RemoteJwksKeyResolver extends KeyResolver<EctVerificationKey> {
  /** Fetches the JWK Set now (e.g. after a key rotation was announced). */
  reload(): Promise<void>;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? (error as { code?: string }).code : undefined;
}

/**
 * A key resolver over a remote JWK Set (a `jwks_uri`) trusted for the given issuers (SPEC 5.5),
 * built on jose's `createRemoteJWKSet`: cached, refetched after `cacheMaxAge`, an unknown `kid`
 * refetches at most once per `cooldownDuration`, each fetch bounded by `timeoutDuration`. Only
 * lookups for the configured issuers ever reach the network. A failed fetch is
 * `ECT_KEY_RESOLUTION_FAILED`; a `kid` the set does not hold resolves to nothing (`ECT_KEY_NOT_FOUND`).
 *
 * @example
 * ```ts
 * const keys = remoteJwksKeyResolver("https://agents.example/.well-known/jwks.json", {
 *   issuers: ["https://agents.example"],
 * });
 * ```
 * @throws {@link EctError} `ECT_CONFIG_INVALID` for a bad URL or options.
 */
export function remoteJwksKeyResolver(
  url: string | URL,
  options: RemoteJwksKeyResolverOptions,
): RemoteJwksKeyResolver {
  const issuers = issuerSet(options?.issuers, "issuers");
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch (cause) {
    throw new EctError(EctErrorCodes.CONFIG_INVALID, "url is not a valid URL", { member: "url", cause });
  }
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && options.allowInsecureHttp === true)) {
    throw configError(
      "url",
      `the JWK Set URL must be https: (got ${parsed.protocol}); allowInsecureHttp permits http:`,
    );
  }
  let remote: ReturnType<typeof createRemoteJWKSet>;
  try {
    remote = createRemoteJWKSet(parsed, {
      ...(options.timeoutDuration === undefined ? {} : { timeoutDuration: options.timeoutDuration }),
      ...(options.cooldownDuration === undefined ? {} : { cooldownDuration: options.cooldownDuration }),
      ...(options.cacheMaxAge === undefined ? {} : { cacheMaxAge: options.cacheMaxAge }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.fetch === undefined ? {} : { [customFetch]: options.fetch }),
    });
  } catch (cause) {
    throw new EctError(EctErrorCodes.CONFIG_INVALID, `invalid remote JWK Set options: ${String(cause)}`, {
      cause,
    });
  }
  return {
    async resolve({ kid, iss, alg }: KeyLookup): Promise<EctVerificationKey | undefined> {
      if (!issuers.has(iss) || !isSupportedAlgorithm(alg)) return undefined;
      try {
        return await remote({ alg, kid });
      } catch (error) {
        const code = errorCode(error);
        if (code === "ERR_JWKS_NO_MATCHING_KEY") return undefined;
        const reason =
          code === "ERR_JWKS_MULTIPLE_MATCHING_KEYS"
            ? `several keys of the JWK Set match kid ${JSON.stringify(kid)}`
            : code === "ERR_JWKS_TIMEOUT"
              ? "fetching the JWK Set timed out"
              : "the JWK Set could not be fetched or used";
        throw new EctError(EctErrorCodes.KEY_RESOLUTION_FAILED, reason, { cause: error });
      }
    },
    async reload(): Promise<void> {
      try {
        await remote.reload();
      } catch (cause) {
        throw new EctError(EctErrorCodes.KEY_RESOLUTION_FAILED, "the JWK Set could not be fetched", {
          cause,
        });
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Composition

/**
 * A resolver that asks each resolver in turn and returns the first key found, e.g. one
 * {@link jwksKeyResolver} per issuer. A resolver that fails ends the lookup with its error
 * (fail closed).
 */
export function combineKeyResolvers<TKey>(resolvers: readonly KeyResolver<TKey>[]): KeyResolver<TKey> {
  if (!Array.isArray(resolvers) || resolvers.length === 0) {
    throw configError("resolvers", "combineKeyResolvers takes a non-empty array of resolvers");
  }
  const list = [...resolvers];
  return {
    async resolve(lookup: KeyLookup): Promise<TKey | undefined> {
      for (const resolver of list) {
        const key = await resolver.resolve(lookup);
        if (key !== undefined) return key;
      }
      return undefined;
    },
  };
}
