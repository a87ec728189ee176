import {
  type AssuranceLevel,
  type AuditTokenVerifier,
  type Clock,
  decodeEct,
  type EctAlgorithm,
  type EctClaims,
  type EctConfig,
  EctError,
  EctErrorCodes,
  type EctHeader,
  err,
  isEctError,
  type Ledger,
  type LedgerReceipt,
  normalizeAudience,
  ok,
  type ReplayCache,
  type Result,
  replayRecordExpiry,
  resolveConfig,
  type VerificationCheck,
  type VerificationContext,
  type VerifiedEct,
  validateClaims,
  validateHeader,
} from "ect-core";
import { algorithmProfile, resolveAlgorithmAllowlist } from "./algorithms.js";
import type { EctKeyResolver } from "./key-resolvers.js";
import { MemoryReplayCache } from "./replay-cache.js";
import { beginVerification, endVerification, verifySignature } from "./signature/verify-signature.js";

/** Options of {@link createEctVerifier} and {@link verifyEct}. */
export interface VerifyEctOptions {
  /**
   * This verifier's own id: `aud` must contain it (SPEC 5.7). Required: a verifier without an id
   * refuses to run (only the audit verifier, {@link createAuditVerifier}, has none).
   */
  readonly verifierId: string;
  /** Resolves `{ kid, iss, alg }` to a public key bound to that issuer (SPEC 5.5). */
  readonly keys: EctKeyResolver;
  /**
   * Accepted `alg` values, exact and case-sensitive (SPEC 2). Default `["ES256"]`; may add `ES384`,
   * `ES512`, `EdDSA`, `Ed25519`. `none` and `HS*` are a configuration error.
   */
  readonly algorithms?: readonly EctAlgorithm[];
  /**
   * Lowest accepted assurance level (SPEC 1). 2 (default) refuses unsigned tokens; 1 accepts them;
   * 3 requires a `ledger` and every accepted token to be appended to it.
   */
  readonly minLevel?: 1 | 2 | 3;
  /** Milliseconds since the epoch, like `Date.now` (the default). Used for every time check. */
  readonly clock?: Clock;
  /** SPEC 4 settings (max ages, skew, replay cache size, max token length, max `pred` length). */
  readonly config?: Partial<EctConfig>;
  /**
   * The replay cache (SPEC 5.10), e.g. one shared by several instances. Without it,
   * {@link createEctVerifier} builds a {@link MemoryReplayCache} of `config.jtiReplayCacheSize`
   * entries; {@link verifyEct}, which cannot keep one between calls, requires it.
   */
  readonly replayCache?: ReplayCache;
  /**
   * Run without any replay check when no cache is available (SPEC 4: only when set explicitly).
   * Tokens can then be replayed until they expire.
   */
  readonly allowNoReplayCheck?: boolean;
  /** Extra checks after the claim and time rules, in order (SPEC 5.9), e.g. `ect-dag`'s `dagCheck`. */
  readonly checks?: readonly VerificationCheck[];
  /** An audit ledger: every accepted token is appended, reaching level 3 with a receipt (SPEC 5.12). */
  readonly ledger?: Ledger;
}

/** A verifier built once by {@link createEctVerifier}. */
export interface EctVerifier {
  /**
   * Verifies a token with the full SPEC 5 procedure and returns it verified.
   *
   * @throws {@link EctError} with the code of the first failed step.
   */
  verify(token: string): Promise<VerifiedEct>;
  /** Like {@link EctVerifier.verify} but returns a `Result` instead of throwing an `EctError`. */
  safeVerify(token: string): Promise<Result<VerifiedEct, EctError>>;
  /** The replay cache in use (the one it owns, or the one given), `undefined` when replay checks are off. */
  readonly replayCache: ReplayCache | undefined;
}

/** Options of {@link createAuditVerifier}. */
export interface AuditVerifierOptions {
  /** Resolves `{ kid, iss, alg }` to a public key bound to that issuer (SPEC 5.5). */
  readonly keys: EctKeyResolver;
  /** Accepted `alg` values (default `["ES256"]`). */
  readonly algorithms?: readonly EctAlgorithm[];
  /** 1 to accept unsigned tokens stored in the ledger; 2 (default) refuses them. */
  readonly minLevel?: 1 | 2;
  /** SPEC 4 settings (max token length, max `pred` length). */
  readonly config?: Partial<EctConfig>;
}

interface Pipeline {
  readonly verifierId: string | undefined;
  readonly keys: EctKeyResolver;
  readonly algorithms: readonly EctAlgorithm[];
  readonly minLevel: 1 | 2 | 3;
  readonly clock: Clock;
  readonly config: EctConfig;
  readonly replayCache: ReplayCache | undefined;
  readonly checks: readonly VerificationCheck[];
  readonly ledger: Ledger | undefined;
}

function configError(member: string, message: string): EctError {
  return new EctError(EctErrorCodes.CONFIG_INVALID, message, { member });
}

/** The first of several violations, carrying all of them as `details`. */
function firstOf(errors: readonly EctError[]): EctError {
  const first = errors[0]!;
  if (errors.length === 1) return first;
  return new EctError(first.code, first.message, {
    ...(first.member === undefined ? {} : { member: first.member }),
    details: errors,
  });
}

function checkResolver(keys: unknown): EctKeyResolver {
  if (keys === null || typeof keys !== "object" || typeof (keys as EctKeyResolver).resolve !== "function") {
    throw configError("keys", "keys must be a key resolver (an object with resolve({ kid, iss, alg }))");
  }
  return keys as EctKeyResolver;
}

function checkMinLevel(minLevel: unknown, allowed: readonly number[]): 1 | 2 | 3 {
  const level = minLevel ?? 2;
  if (!allowed.includes(level as number)) {
    throw configError("minLevel", `minLevel must be one of ${allowed.join(", ")}`);
  }
  return level as 1 | 2 | 3;
}

/** Validates the options once (SPEC 2, 4, 5.7, 5.10, 5.12). */
function buildPipeline(options: VerifyEctOptions, ownsReplayCache: boolean): Pipeline {
  if (options === null || typeof options !== "object")
    throw configError("options", "verifier options are required");
  const { verifierId } = options;
  if (typeof verifierId !== "string" || verifierId.length === 0) {
    throw configError(
      "verifierId",
      "verifierId is required: a verifier without an id cannot check aud (SPEC 5.7); use createAuditVerifier for audits",
    );
  }
  const keys = checkResolver(options.keys);
  const algorithms = resolveAlgorithmAllowlist(options.algorithms);
  const config = resolveConfig(options.config);
  const minLevel = checkMinLevel(options.minLevel, [1, 2, 3]);
  const ledger = options.ledger;
  if (ledger !== undefined && (ledger === null || typeof ledger.append !== "function")) {
    throw configError("ledger", "ledger must implement Ledger (append)");
  }
  if (minLevel === 3 && ledger === undefined) {
    throw configError(
      "minLevel",
      "minLevel 3 requires a ledger: L3 means the token was appended to one (SPEC 1)",
    );
  }
  const clock = options.clock ?? Date.now;
  if (typeof clock !== "function")
    throw configError("clock", "clock must be a function returning milliseconds");
  const checks = options.checks ?? [];
  if (!Array.isArray(checks) || !checks.every((c) => typeof c === "function")) {
    throw configError("checks", "checks must be an array of functions");
  }
  let replayCache = options.replayCache;
  if (replayCache !== undefined) {
    if (
      replayCache === null ||
      typeof replayCache.checkAndRecord !== "function" ||
      typeof replayCache.release !== "function"
    ) {
      throw configError("replayCache", "replayCache must implement ReplayCache (checkAndRecord, release)");
    }
  } else if (ownsReplayCache && config.jtiReplayCacheSize > 0) {
    replayCache = new MemoryReplayCache({ capacity: config.jtiReplayCacheSize });
  } else if (options.allowNoReplayCheck !== true) {
    throw configError(
      "replayCache",
      ownsReplayCache
        ? "jtiReplayCacheSize is 0: pass a replayCache, or set allowNoReplayCheck: true to run without replay checks (SPEC 4)"
        : "verifyEct cannot keep a replay cache between calls: pass a replayCache, use createEctVerifier, or set allowNoReplayCheck: true (SPEC 4)",
    );
  }
  return {
    verifierId,
    keys,
    algorithms,
    minLevel,
    clock,
    config,
    replayCache,
    checks: [...checks],
    ledger,
  };
}

const ascii = new TextEncoder();

interface Verified {
  readonly level: 1 | 2;
  readonly header: EctHeader | undefined;
  readonly claims: EctClaims;
}

/** SPEC 5 steps 1-7 (without the audience): what live and audit verification share. */
async function verifyTokenRules(pipeline: Pipeline, token: string): Promise<Verified> {
  beginVerification();
  try {
    return await verifyTokenRulesNow(pipeline, token);
  } finally {
    endVerification();
  }
}

async function verifyTokenRulesNow(pipeline: Pipeline, token: string): Promise<Verified> {
  const { config } = pipeline;
  // SPEC 5.1-5.3: length before anything else, shape, canonical base64url, strict JSON. An L1
  // token below minLevel is refused here (L3 is an L2 envelope plus a ledger append, step 12).
  const decoded = decodeEct(token, {
    maxTokenLength: config.maxTokenLength,
    minLevel: pipeline.minLevel === 1 ? 1 : 2,
  });
  let header: EctHeader | undefined;
  if (decoded.level === 2) {
    // SPEC 5.4: header rules (alg allowlist, typ, kid, closed member set).
    const headerErrors = validateHeader(decoded.header!, { algorithms: pipeline.algorithms });
    if (headerErrors.length > 0) throw firstOf(headerErrors);
    header = decoded.header as unknown as EctHeader;

    // SPEC 5.5: key resolution for { kid, iss, alg }; iss comes from the strictly decoded claims
    // and must be usable before any resolver sees it.
    const iss = decoded.claims["iss"];
    if (iss === undefined) {
      throw new EctError(EctErrorCodes.CLAIM_MISSING, "required claim iss is missing", { member: "iss" });
    }
    if (typeof iss !== "string" || iss.length === 0) {
      throw new EctError(EctErrorCodes.ISS_INVALID, "iss must be a non-empty string", { member: "iss" });
    }
    let key: unknown;
    try {
      key = await pipeline.keys.resolve({ kid: header.kid, iss, alg: header.alg });
    } catch (cause) {
      if (isEctError(cause)) throw cause;
      throw new EctError(EctErrorCodes.KEY_RESOLUTION_FAILED, "the key resolver failed", {
        member: "kid",
        cause,
      });
    }
    if (key === undefined || key === null) {
      throw new EctError(
        EctErrorCodes.KEY_NOT_FOUND,
        `no ${header.alg} key with kid ${JSON.stringify(header.kid)} is bound to issuer ${quoted(iss)}`,
        { member: "kid" },
      );
    }

    // SPEC 5.6: the signature has the algorithm's exact length (ES256: 64 bytes of raw r‖s), then
    // verifies over the signing input exactly as received.
    const expected = algorithmProfile(header.alg)!.signatureLength;
    if (decoded.signature.length !== expected) {
      throw new EctError(
        EctErrorCodes.SIGNATURE_INVALID,
        `the signature is ${decoded.signature.length} bytes; ${header.alg} signatures are exactly ${expected} bytes`,
        { member: "signature" },
      );
    }
    const valid = await verifySignature({
      alg: header.alg,
      key: key as CryptoKey,
      signature: decoded.signature,
      data: ascii.encode(decoded.signingInput),
    });
    if (!valid) {
      throw new EctError(EctErrorCodes.SIGNATURE_INVALID, "the signature does not verify", {
        member: "signature",
      });
    }
  }

  // SPEC 5.7: claim rules (SPEC 3).
  const claimErrors = validateClaims(decoded.claims, { maxPredLength: config.maxPredLength });
  if (claimErrors.length > 0) throw firstOf(claimErrors);
  return { level: decoded.level, header, claims: decoded.claims as unknown as EctClaims };
}

/** A token-supplied string for an error message: JSON-quoted (no control characters) and bounded. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}

function currentMilliseconds(clock: Clock): number {
  const ms = clock();
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    throw configError("clock", "clock must return finite milliseconds since the epoch");
  }
  return ms;
}

async function release(cache: ReplayCache, claims: EctClaims): Promise<void> {
  try {
    await cache.release({ wid: claims.wid, jti: claims.jti });
  } catch {
    // The jti stays burnt: fail closed, and keep the refusal that brought us here.
  }
}

async function runPipeline(pipeline: Pipeline, token: string): Promise<VerifiedEct> {
  const { level, header, claims } = await verifyTokenRules(pipeline, token);
  const { config } = pipeline;

  // SPEC 5.7: audience.
  const audience = normalizeAudience(claims.aud);
  if (!audience.includes(pipeline.verifierId!)) {
    throw new EctError(EctErrorCodes.AUD_MISMATCH, `aud does not contain this verifier's id`, {
      member: "aud",
    });
  }

  // SPEC 5.8: time, with the injectable clock. now is exact (fractional) seconds.
  const nowMs = currentMilliseconds(pipeline.clock);
  const now = nowMs / 1000;
  if (!(claims.exp + config.clockSkewSec > now)) {
    throw new EctError(EctErrorCodes.EXPIRED, "the token expired (exp + skew <= now)", { member: "exp" });
  }
  if (claims.iat > now + config.iatMaxFutureSec) {
    throw new EctError(
      EctErrorCodes.IAT_IN_FUTURE,
      `iat is more than ${config.iatMaxFutureSec} s in the future`,
      {
        member: "iat",
      },
    );
  }
  if (claims.iat < now - config.iatMaxAgeMinutes * 60) {
    throw new EctError(EctErrorCodes.IAT_TOO_OLD, `iat is more than ${config.iatMaxAgeMinutes} min old`, {
      member: "iat",
    });
  }

  // SPEC 5.9: extra checks (DAG rules and the caller's own).
  const unresolved = new Set<string>();
  if (pipeline.checks.length > 0) {
    const context: VerificationContext = { token, level, header, claims, now: Math.floor(now) };
    for (const check of pipeline.checks) {
      let outcome: Awaited<ReturnType<VerificationCheck>>;
      try {
        outcome = await check(context);
      } catch (cause) {
        if (isEctError(cause)) throw cause;
        throw new EctError(EctErrorCodes.CHECK_FAILED, "a verification check refused the token", { cause });
      }
      for (const jti of outcome?.unresolvedPredecessors ?? []) unresolved.add(jti);
    }
  }

  // SPEC 5.10: replay, recorded only now that everything else passed. The record lasts at least
  // as long as the token could be accepted (replayRecordExpiry), in whole seconds.
  const cache = pipeline.replayCache;
  if (cache !== undefined) {
    let fresh: boolean;
    try {
      fresh = await cache.checkAndRecord({
        wid: claims.wid,
        jti: claims.jti,
        expiresAt: Math.ceil(replayRecordExpiry(claims, now, config)),
        now,
      });
    } catch (cause) {
      if (isEctError(cause)) throw cause;
      throw new EctError(EctErrorCodes.REPLAY_CACHE_UNAVAILABLE, "the replay cache failed", { cause });
    }
    if (!fresh) {
      throw new EctError(EctErrorCodes.REPLAY, "this (wid, jti) was accepted before", { member: "jti" });
    }
  }

  // SPEC 5.12: L3, the ledger append. A refusal releases the replay record.
  let reached: AssuranceLevel = level;
  let receipt: LedgerReceipt | undefined;
  if (pipeline.ledger !== undefined) {
    let refusal: EctError | undefined;
    try {
      // The clock's own reading, floored: ledgers take integer milliseconds, and `now * 1000` is
      // not one for fractional clocks (or even for some integer readings, by rounding).
      const result = await pipeline.ledger.append(token, { now: Math.floor(nowMs) });
      switch (result.status) {
        case "appended":
          receipt = result.receipt;
          for (const jti of result.unresolvedPredecessors ?? []) unresolved.add(jti);
          if (level === 2) reached = 3;
          break;
        case "duplicate":
          refusal = new EctError(EctErrorCodes.REPLAY, "the ledger already holds this token", {
            member: "jti",
          });
          break;
        case "conflict":
          refusal = new EctError(
            EctErrorCodes.LEDGER_CONFLICT,
            `the ledger holds a different token with this (wid, jti) (seq ${result.existing.seq})`,
            { member: "jti" },
          );
          break;
        case "rejected":
          refusal =
            result.violations.length > 0
              ? firstOf(result.violations)
              : new EctError(EctErrorCodes.LEDGER_APPEND_FAILED, "the ledger rejected the token");
          break;
        default:
          refusal = new EctError(EctErrorCodes.LEDGER_APPEND_FAILED, "the ledger returned an unknown status");
      }
    } catch (cause) {
      refusal = isEctError(cause)
        ? cause
        : new EctError(EctErrorCodes.LEDGER_APPEND_FAILED, "the ledger append failed", { cause });
    }
    if (refusal !== undefined) {
      if (cache !== undefined) await release(cache, claims);
      throw refusal;
    }
  }

  return Object.freeze({
    token,
    level: reached,
    header,
    claims,
    audience,
    unresolvedPredecessors: [...unresolved],
    ...(receipt === undefined ? {} : { receipt }),
  });
}

function safely<T>(promise: Promise<T>): Promise<Result<T, EctError>> {
  return promise.then(
    (value) => ok(value),
    (error: unknown) => {
      if (isEctError(error)) return err(error);
      throw error;
    },
  );
}

/**
 * Builds a verifier once: validates the options, and owns a {@link MemoryReplayCache} of
 * `config.jtiReplayCacheSize` entries unless a `replayCache` is given. Each `verify` runs SPEC 5
 * in order, the first failure ending it:
 *
 * 1-3. length (before anything else), shape and level (`minLevel`), canonical base64url, strict
 *      JSON (`decodeEct`); 4. header rules; 5. key resolution for `{ kid, iss, alg }`;
 * 6. signature (exact length first); 7. claim rules, then `aud` contains `verifierId`;
 * 8. time: `exp + skew > now`, `iat <= now + maxFuture`, `iat >= now - maxAge`;
 * 9. extra `checks`; 10. replay check-and-record (only now, so a refused token never burns its
 *    `jti`); 12. with a `ledger`, the append (level 3 and a receipt; a refusal releases the record).
 *
 * @example
 * ```ts
 * const verifier = createEctVerifier({ verifierId: "spiffe://example.org/agent-b", keys });
 * const { claims } = await verifier.verify(token);
 * ```
 * @throws {@link EctError} `ECT_CONFIG_INVALID` for invalid options: no `verifierId`, `none`/`HS*`
 *   in `algorithms`, `minLevel` 3 without a ledger, no replay cache possible without
 *   `allowNoReplayCheck`.
 */
export function createEctVerifier(options: VerifyEctOptions): EctVerifier {
  const pipeline = buildPipeline(options, true);
  return Object.freeze({
    verify: (token: string) => runPipeline(pipeline, token),
    safeVerify: (token: string) => safely(runPipeline(pipeline, token)),
    replayCache: pipeline.replayCache,
  });
}

/**
 * Verifies one token with the SPEC 5 procedure (see {@link createEctVerifier}). It validates the
 * options on every call and keeps nothing between calls, so it needs a `replayCache` (or
 * `allowNoReplayCheck: true`); a service verifying many tokens should build a verifier once with
 * {@link createEctVerifier}.
 *
 * @throws {@link EctError} with the code of the first failed step, or `ECT_CONFIG_INVALID`.
 */
export async function verifyEct(token: string, options: VerifyEctOptions): Promise<VerifiedEct> {
  return runPipeline(buildPipeline(options, false), token);
}

/**
 * {@link verifyEct} returning a `Result`: `{ ok: true, value }` or `{ ok: false, error }` with the
 * `EctError` (also for invalid options).
 */
export async function safeVerifyEct(
  token: string,
  options: VerifyEctOptions,
): Promise<Result<VerifiedEct, EctError>> {
  return safely(Promise.resolve().then(() => verifyEct(token, options)));
}

/**
 * Builds the audit-mode verifier ledgers use to re-verify stored tokens (SPEC 5.11): signature,
 * header and claim rules apply as at the ingestion time; freshness, audience and replay do not.
 *
 * @throws {@link EctError} `ECT_CONFIG_INVALID` for invalid options.
 */
export function createAuditVerifier(options: AuditVerifierOptions): AuditTokenVerifier {
  if (options === null || typeof options !== "object")
    throw configError("options", "audit verifier options are required");
  const pipeline: Pipeline = {
    verifierId: undefined,
    keys: checkResolver(options.keys),
    algorithms: resolveAlgorithmAllowlist(options.algorithms),
    minLevel: checkMinLevel(options.minLevel, [1, 2]),
    clock: Date.now,
    config: resolveConfig(options.config),
    replayCache: undefined,
    checks: [],
    ledger: undefined,
  };
  return async (token, context) => {
    try {
      const ingestedAt = context?.ingestedAt;
      if (typeof ingestedAt !== "number" || !Number.isFinite(ingestedAt)) {
        throw configError("ingestedAt", "ingestedAt must be finite milliseconds since the epoch");
      }
      const { level, header, claims } = await verifyTokenRules(pipeline, token);
      return ok(
        Object.freeze({
          token,
          level,
          header,
          claims,
          audience: normalizeAudience(claims.aud),
          unresolvedPredecessors: [],
        }),
      );
    } catch (error) {
      if (isEctError(error)) return err(error);
      throw error;
    }
  };
}
