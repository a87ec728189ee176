import {
  type EctAlgorithm,
  EctConfigError,
  EctError,
  EctErrorCodes,
  type KeyLookup,
  type KeyResolver,
} from "ect-core";
import { assertKnownOptions } from "ect-core/internal";
import { createRemoteJWKSet, customFetch, type FetchImplementation, type JWK } from "jose";
import { algorithmProfile, algorithmsForCurve, type EctCurve, isSupportedAlgorithm } from "./algorithms.js";
import { isCryptoKey, keyCurve } from "./key-curve.js";
import { computeKeyId, type EctPublicKey, importPublicJwk } from "./keys.js";
import { settledPromise } from "./settled-answers.js";
import { publicJwkMembers } from "./signature/public-key-checks.js";

/** What the key resolvers of this package return: a public key ready for verification. */
export type EctVerificationKey = CryptoKey;

/** A key resolver as `verifyEct` uses it (SPEC 5.5). Custom resolvers may also return public JWKs. */
export type EctKeyResolver = KeyResolver<CryptoKey | JWK>;

// Every mistake in how a resolver is configured (options, entries, issuers, kids, algorithms) is an
// EctConfigError at construction, never a refusal at verify time. A key that is itself unusable
// (private or symmetric material, a small-order Ed25519 point, a malformed coordinate) keeps its
// own code, ECT_KEY_INVALID, as everywhere else a key is refused - also at construction.

function issuerSet(issuers: unknown, option: string): ReadonlySet<string> {
  const list = typeof issuers === "string" ? [issuers] : issuers;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((i) => typeof i === "string" && i.length > 0)
  ) {
    throw new EctConfigError(option, "must be a non-empty issuer string or array of them (profile §5.5)", {
      received: issuers,
    });
  }
  return new Set(list as string[]);
}

/** Imports a JWK once; concurrent first uses share the import. */
function lazyImport(jwk: JWK): () => Promise<CryptoKey> {
  let imported: Promise<CryptoKey> | undefined;
  return () => {
    if (imported === undefined) {
      imported = importPublicJwk(jwk);
      imported.then(
        (key) => {
          imported = settledPromise(key); // later lookups answer without a microtask hop
        },
        () => {
          imported = undefined;
        },
      );
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

const STATIC_ENTRY_MEMBERS: readonly (keyof StaticKeyEntry)[] = ["iss", "kid", "key", "algorithms"];

interface ResolvedEntry {
  readonly algorithms: ReadonlySet<string>;
  readonly curve: EctCurve;
  readonly key: () => Promise<CryptoKey>;
}

/** No key for this lookup: one settled promise shared by every such answer. */
const NO_KEY: Promise<undefined> = settledPromise(undefined);

/**
 * A key resolver over a fixed set of keys, each bound to its issuer(s) and `kid` (SPEC 5.5): a
 * lookup resolves only when both the `iss` and the `kid` match an entry. JWKs are imported once,
 * on first use.
 *
 * @example
 * ```ts
 * const keys = staticKeyResolver([{ iss: "spiffe://example.org/agent-a", key: agentA }]);
 * ```
 * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) at construction for an
 *   unknown entry member, a missing `kid`, a duplicate `(iss, kid)`, a key of an unsupported type, an
 *   algorithm the key cannot verify (option path e.g. `entries[0].algorithms[0]`); {@link EctError}
 *   `ECT_KEY_INVALID` for a JWK with private members or an unusable public key.
 */
export function staticKeyResolver(entries: readonly StaticKeyEntry[]): KeyResolver<EctVerificationKey> {
  if (!Array.isArray(entries)) {
    throw new EctConfigError("entries", "must be an array of entries", { received: entries });
  }
  // iss -> kid -> entry: two exact lookups, unambiguous whatever characters either holds (SPEC 5.5).
  const table = new Map<string, Map<string, ResolvedEntry>>();
  for (const [index, entry] of entries.entries()) {
    const where = `entries[${index}]`;
    assertKnownOptions(entry, STATIC_ENTRY_MEMBERS, `${where}.`);
    const issuers = issuerSet(entry.iss, `${where}.iss`);
    const input = entry.key;
    let curve: EctCurve | undefined;
    let ownKid: string | undefined;
    let ownAlg: string | undefined;
    let load: () => Promise<CryptoKey>;
    if (isCryptoKey(input)) {
      curve = keyCurve(input);
      if (input.type !== "public") throw new EctConfigError(`${where}.key`, "must be a public key");
      const loaded = settledPromise(input);
      load = () => loaded;
    } else if (
      typeof input === "object" &&
      input !== null &&
      isCryptoKey((input as EctPublicKey).publicKey)
    ) {
      const pub = input as EctPublicKey;
      curve = keyCurve(pub.publicKey);
      if (pub.publicKey.type !== "public")
        throw new EctConfigError(`${where}.key.publicKey`, "must be a public key");
      ownKid = pub.kid;
      ownAlg = pub.alg;
      const loaded = settledPromise(pub.publicKey);
      load = () => loaded;
    } else {
      const jwk = Object.freeze({ ...(input as JWK) });
      publicJwkMembers(jwk); // refuses private material now, not at the first verification
      curve = keyCurve(jwk);
      ownKid = jwk.kid;
      ownAlg = jwk.alg;
      load = lazyImport(jwk);
    }
    if (curve === undefined)
      throw new EctConfigError(`${where}.key`, "must be an EC (P-256/P-384/P-521) or Ed25519 public key");
    const kid = entry.kid ?? ownKid;
    if (typeof kid !== "string" || kid.length === 0) {
      throw new EctConfigError(`${where}.kid`, "is required (give kid, or a key that carries one)", {
        received: kid,
      });
    }
    // The entry's algorithms, else the key's own alg, else every algorithm of the key's curve.
    const given = entry.algorithms ?? (ownAlg === undefined ? undefined : [ownAlg]);
    const option = entry.algorithms === undefined ? `${where}.key.alg` : `${where}.algorithms`;
    if (given !== undefined && !Array.isArray(given)) {
      throw new EctConfigError(option, "must be an array of algorithms", { received: given });
    }
    for (const [i, alg] of (given ?? []).entries()) {
      const path = entry.algorithms === undefined ? option : `${option}[${i}]`;
      if (!isSupportedAlgorithm(alg)) {
        throw new EctConfigError(path, "must be a supported algorithm", { received: alg });
      }
      if (algorithmProfile(alg)!.curve !== curve) {
        throw new EctConfigError(path, `must fit the key: a ${curve} key cannot verify ${alg}`);
      }
    }
    const allowed: ReadonlySet<string> = new Set(given ?? algorithmsForCurve(curve));
    for (const iss of issuers) {
      let kids = table.get(iss);
      if (kids === undefined) {
        kids = new Map();
        table.set(iss, kids);
      }
      if (kids.has(kid)) {
        throw new EctConfigError(
          where,
          `must not repeat a key: issuer ${JSON.stringify(iss)} already has a key with kid ${JSON.stringify(kid)}`,
        );
      }
      kids.set(kid, { algorithms: allowed, curve, key: load });
    }
  }
  return {
    // Not async: the answer is a promise the entry already holds (or NO_KEY), never a new one.
    resolve({ kid, iss, alg }: KeyLookup): Promise<EctVerificationKey | undefined> {
      const entry = table.get(iss)?.get(kid);
      if (entry === undefined || !entry.algorithms.has(alg)) return NO_KEY;
      return entry.key();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Local JWK Set

const JWKS_OPTIONS: readonly (keyof JwksKeyResolverOptions)[] = ["issuers"];

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
  return keyCurve(jwk) !== undefined;
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
 * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) at construction for
 *   an unknown option, missing issuers, a malformed set (option path e.g. `jwks.keys[2]`) or
 *   duplicate `kid`s; {@link EctError} `ECT_KEY_INVALID` for a member with private key material.
 */
export function jwksKeyResolver(
  jwks: { readonly keys: readonly JWK[] },
  options: JwksKeyResolverOptions,
): KeyResolver<EctVerificationKey> {
  assertKnownOptions(options, JWKS_OPTIONS);
  const issuers = issuerSet(options.issuers, "issuers");
  if (jwks === null || typeof jwks !== "object" || !Array.isArray(jwks.keys)) {
    throw new EctConfigError("jwks", "must be a JWK Set: an object with a keys array", { received: jwks });
  }
  const usable: JWK[] = [];
  const explicitKids = new Set<string>();
  for (const [index, member] of jwks.keys.entries()) {
    const where = `jwks.keys[${index}]`;
    if (member === null || typeof member !== "object" || Array.isArray(member)) {
      throw new EctConfigError(where, "must be a JWK object", { received: member });
    }
    if (member.d !== undefined || member.k !== undefined) {
      throw new EctError(EctErrorCodes.KEY_INVALID, `${where} holds private or symmetric key material`);
    }
    if (!isSignatureJwk(member)) continue;
    const jwk = Object.freeze(structuredClone(member));
    publicJwkMembers(jwk);
    if (jwk.kid !== undefined) {
      if (typeof jwk.kid !== "string" || jwk.kid.length === 0)
        throw new EctConfigError(`${where}.kid`, "must be a non-empty string", { received: jwk.kid });
      if (explicitKids.has(jwk.kid))
        throw new EctConfigError(`${where}.kid`, "must be unique in the set", { received: jwk.kid });
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
      map.set(kid, { jwk, curve: keyCurve(jwk)!, load: lazyImport(jwk) });
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

const REMOTE_JWKS_OPTIONS: readonly (keyof RemoteJwksKeyResolverOptions)[] = [
  "issuers",
  "timeoutDuration",
  "cooldownDuration",
  "cacheMaxAge",
  "headers",
  "fetch",
  "allowInsecureHttp",
];

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
 * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) at construction for a
 *   bad URL, an unknown option or an option of the wrong type. A set fetched later that cannot be
 *   used is a refusal at verify time (`ECT_KEY_RESOLUTION_FAILED`): it is not configuration.
 */
export function remoteJwksKeyResolver(
  url: string | URL,
  options: RemoteJwksKeyResolverOptions,
): RemoteJwksKeyResolver {
  assertKnownOptions(options, REMOTE_JWKS_OPTIONS);
  const issuers = issuerSet(options.issuers, "issuers");
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch (cause) {
    throw new EctConfigError("url", "must be a valid URL", { received: String(url), cause });
  }
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && options.allowInsecureHttp === true)) {
    throw new EctConfigError("url", "must be https: (allowInsecureHttp permits http:)", {
      received: parsed.protocol,
    });
  }
  for (const name of ["timeoutDuration", "cooldownDuration", "cacheMaxAge"] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== "number" || Number.isNaN(value) || value < 0)) {
      throw new EctConfigError(name, "must be a non-negative number of milliseconds", { received: value });
    }
  }
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw new EctConfigError("fetch", "must be a fetch function", { received: options.fetch });
  }
  if (options.allowInsecureHttp !== undefined && typeof options.allowInsecureHttp !== "boolean") {
    throw new EctConfigError("allowInsecureHttp", "must be a boolean", {
      received: options.allowInsecureHttp,
    });
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
    // jose's own checks (e.g. of headers): still a construction-time configuration mistake.
    throw new EctConfigError("options", `must be valid remote JWK Set options (${String(cause)})`, { cause });
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
 *
 * @throws {@link EctConfigError} for an empty list or a member that is not a resolver.
 */
export function combineKeyResolvers<TKey>(resolvers: readonly KeyResolver<TKey>[]): KeyResolver<TKey> {
  if (!Array.isArray(resolvers) || resolvers.length === 0) {
    throw new EctConfigError("resolvers", "must be a non-empty array of resolvers", { received: resolvers });
  }
  resolvers.forEach((resolver, index) => {
    if (resolver === null || typeof resolver !== "object" || typeof resolver.resolve !== "function") {
      throw new EctConfigError(`resolvers[${index}]`, "must be a key resolver (an object with resolve)");
    }
  });
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
