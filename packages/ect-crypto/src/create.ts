import {
  type Clock,
  ECT_TYP,
  type EctClaimsInput,
  type EctConfig,
  EctConfigError,
  EctError,
  EctErrorCodes,
  isEctError,
  resolveConfig,
} from "ect-core";
import {
  assertKnownOptions,
  base64urlEncode,
  base64urlEncodeText,
  errorFromViolations,
  Limits,
  parseStrictJson,
  validateClaims,
} from "ect-core/internal";
import { type AlgorithmProfile, supportedAlgorithmProfile } from "./algorithms.js";
import { isCryptoKey } from "./key-curve.js";
import { assertValidKid, type EctSigningKey } from "./keys.js";
import { beginSigning, endSigning, signJws } from "./signature/sign-jws.js";

/** Options of {@link createEct}. */
export interface CreateEctOptions {
  /** Milliseconds since the epoch, like `Date.now` (the default). Fills `iat`. */
  readonly clock?: Clock;
  /** SPEC 4 settings: `defaultExpiryMin` fills `exp`, `maxPredLength` and `maxTokenLength` are enforced. */
  readonly config?: Partial<EctConfig>;
  /**
   * 2 (default): a compact JWS. 1: an unsigned token (base64url of the claims JSON, SPEC 1), only
   * when asked for explicitly, with `null` as the key; verifiers refuse it unless their `minLevel`
   * is 1.
   */
  readonly level?: 1 | 2;
}

/** The names {@link CreateEctOptions} has: any other is a misspelling, refused before signing. */
const CREATE_OPTION_NAMES: ReadonlySet<string> = new Set(["clock", "config", "level"]);

const utf8 = new TextEncoder();

/** Length of the unpadded base64url form of `n` bytes. */
function base64urlLength(n: number): number {
  return Math.ceil((n * 4) / 3);
}

/**
 * The exact claims JSON that will be signed, checked as a verifier will check it: serialised once,
 * parsed back with the strict parser (duplicate names, forbidden names, depth) and run through
 * every SPEC 3 rule. What is validated is byte for byte what is signed.
 */
function serializeClaims(claims: Record<string, unknown>, config: EctConfig): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(claims);
  } catch (cause) {
    throw new EctError(EctErrorCodes.JSON_INVALID, "claims cannot be serialised as JSON", {
      member: "claims",
      cause,
    });
  }
  if (typeof text !== "string") {
    throw new EctError(EctErrorCodes.JSON_NOT_OBJECT, "claims must be a JSON object", { member: "claims" });
  }
  const parsed = parseStrictJson(text, { member: "claims", maxDepth: Limits.JSON_MAX_DEPTH });
  const errors = validateClaims(parsed, { maxPredLength: config.maxPredLength });
  if (errors.length > 0) throw errorFromViolations(errors);
  return text;
}

/** The settings when `createEct` is given none: resolved once. */
let defaultConfig: EctConfig | undefined;

function defaultSettings(): EctConfig {
  defaultConfig ??= resolveConfig();
  return defaultConfig;
}

/** A signing key's protected header, encoded: `{ alg, typ: "exec+jwt", kid }` (SPEC 2). */
interface EncodedHeader {
  readonly alg: string;
  readonly kid: string;
  readonly profile: AlgorithmProfile;
  readonly segment: string;
}

// Encoded once per signing key object (and again if its alg or kid is changed). A WeakMap keeps
// no key alive.
const encodedHeaders = new WeakMap<EctSigningKey, EncodedHeader>();

/**
 * The base64url header segment for `key`, its `alg` and `kid` checked.
 *
 * @throws {@link EctError} `ECT_ALG_NOT_ALLOWED`, `ECT_KID_INVALID`
 */
function headerOf(key: EctSigningKey): EncodedHeader {
  const known = encodedHeaders.get(key);
  if (known !== undefined && known.alg === key.alg && known.kid === key.kid) return known;
  const { alg, kid } = key;
  const profile = supportedAlgorithmProfile(alg);
  assertValidKid(kid);
  const encoded: EncodedHeader = {
    alg,
    kid,
    profile,
    segment: base64urlEncodeText(JSON.stringify({ alg, typ: ECT_TYP, kid })),
  };
  encodedHeaders.set(key, encoded);
  return encoded;
}

/**
 * Creates an ECT. Fills `iat` (now), `exp` (`iat` + SPEC 4 default expiry, 10 minutes) and `jti` (a
 * random UUID) when absent, never changes the caller's object, and validates every claim before
 * signing: a bad claim is a thrown {@link EctError}, never a signed bad token. The header is
 * exactly `{ alg, typ: "exec+jwt", kid }` (SPEC 2).
 *
 * With `{ level: 1 }` and a `null` key it returns an unsigned L1 token instead (SPEC 1).
 *
 * @example
 * ```ts
 * const key = await generateEctKeyPair();
 * const token = await createEct(
 *   { iss: "spiffe://example.org/agent-a", aud: "spiffe://example.org/agent-b", exec_act: "summarise", pred: [] },
 *   key,
 * );
 * ```
 * @throws {@link EctError} a claim code (`ECT_CLAIM_MISSING`, `ECT_AUD_INVALID`, ...),
 *   `ECT_TOKEN_TOO_LONG`, `ECT_ALG_NOT_ALLOWED`, `ECT_KID_INVALID`, `ECT_KEY_INVALID`.
 * @throws {@link EctConfigError} (code `ECT_CONFIG_INVALID`, a `TypeError`) for an option mistake,
 *   naming the option: an unknown or misspelt name (`levl`), a bad `level`, `clock` or `config.*`
 *   value, a key given at level 1 or missing at level 2.
 */
export async function createEct(
  claims: EctClaimsInput,
  key: EctSigningKey | null,
  options: CreateEctOptions = {},
): Promise<string> {
  assertKnownOptions(options, CREATE_OPTION_NAMES);
  const config =
    options.config === undefined ? defaultSettings() : resolveConfig(options.config, { path: "config." });
  const level = options.level ?? 2;
  if (level !== 1 && level !== 2) throw new EctConfigError("level", "must be 1 or 2", { received: level });
  if (level === 2 && (key === null || key === undefined)) {
    throw new EctConfigError(
      "key",
      "is required at level 2 (pass { level: 1 } and null for an unsigned token)",
    );
  }
  if (level === 1 && key !== null && key !== undefined) {
    throw new EctConfigError("key", "must be null for an unsigned (level 1) token");
  }
  if (claims === null || typeof claims !== "object" || Array.isArray(claims)) {
    throw new EctError(EctErrorCodes.JSON_NOT_OBJECT, "claims must be an object", { member: "claims" });
  }
  const clock = options.clock ?? Date.now;
  if (typeof clock !== "function")
    throw new EctConfigError("clock", "must be a function returning milliseconds", { received: clock });
  const nowMs = clock();
  if (typeof nowMs !== "number" || !Number.isFinite(nowMs)) {
    throw new EctConfigError("clock", "must return finite milliseconds since the epoch", { received: nowMs });
  }

  // A shallow copy: the caller's object is never written to.
  const filled: Record<string, unknown> = { ...claims };
  if (filled["iat"] === undefined) filled["iat"] = Math.floor(nowMs / 1000);
  const iat = filled["iat"];
  if (typeof iat !== "number" || !Number.isSafeInteger(iat)) {
    // exp is derived from iat: report the iat, not a missing exp.
    throw new EctError(EctErrorCodes.IAT_INVALID, "iat must be finite integer seconds", { member: "iat" });
  }
  if (filled["exp"] === undefined) filled["exp"] = iat + config.defaultExpiryMin * 60;
  if (filled["jti"] === undefined) filled["jti"] = crypto.randomUUID();
  const text = serializeClaims(filled, config);
  const payload = base64urlEncodeText(text);

  if (level === 1) {
    if (payload.length > config.maxTokenLength) {
      throw new EctError(
        EctErrorCodes.TOKEN_TOO_LONG,
        `the token would be ${payload.length} characters, more than ${config.maxTokenLength}`,
      );
    }
    return payload;
  }

  const signingKey = key!;
  const { segment: header, profile } = headerOf(signingKey);
  if (!isCryptoKey(signingKey.privateKey) || signingKey.privateKey.type !== "private") {
    throw new EctError(EctErrorCodes.KEY_INVALID, "the signing key must be a private CryptoKey");
  }
  const length = header.length + 1 + payload.length + 1 + base64urlLength(profile.signatureLength);
  if (length > config.maxTokenLength) {
    throw new EctError(
      EctErrorCodes.TOKEN_TOO_LONG,
      `the token would be ${length} characters, more than ${config.maxTokenLength}`,
    );
  }
  // The compact JWS (RFC 7515 section 7.1) over exactly the bytes validated above.
  const signingInput = `${header}.${payload}`;
  beginSigning();
  try {
    const signed = signJws(profile, signingKey.privateKey, utf8.encode(signingInput));
    const signature = signed instanceof Uint8Array ? signed : await signed;
    return `${signingInput}.${base64urlEncode(signature)}`;
  } catch (cause) {
    if (isEctError(cause)) throw cause;
    throw new EctError(
      EctErrorCodes.KEY_INVALID,
      `the private key cannot sign ${signingKey.alg} (wrong type or curve)`,
      { cause },
    );
  } finally {
    endSigning();
  }
}
