import {
  type AssuranceLevel,
  type DecodedEct,
  type EctAlgorithm,
  type EctClaims,
  type EctConfig,
  type EctConfigError,
  EctError,
  EctErrorCodes,
  type EctHeader,
  isEctError,
  type LedgerReceipt,
  type ReplayCache,
  type Result,
  type VerifiedEct,
} from "ect-core";
import { assertKnownOptions, err, normalizeAudience, ok } from "ect-core/internal";
import type { ConfirmationKey } from "./confirmation-key.js";
import type { EctKeyResolver } from "./key-resolvers.js";
import type { PublicKeyInput } from "./signature/public-key-checks.js";
import { beginVerification, endVerification } from "./signature/verify-signature.js";
import {
  checksStep,
  type Instant,
  ledgerStep,
  replayStep,
  timeStep,
} from "./verification/acceptance-steps.js";
import {
  AUDIT_VERIFIER_OPTIONS,
  buildPipeline,
  checkConfig,
  checkKeySource,
  checkMinLevel,
  configError,
  type Pipeline,
  type VerifyEctOptions,
} from "./verification/pipeline.js";
import { checkTimeRules } from "./verification/time-rules.js";
import {
  audienceStep,
  claimsStep,
  decodeStep,
  headerStep,
  keyStep,
  signatureStep,
} from "./verification/token-steps.js";

export type { VerifyEctOptions };

/** Per-call input of {@link EctVerifier.verify}. */
export interface VerifyCallOptions {
  /**
   * The key the token must be signed with, bound to a subject (WIT-bound mode, profile §9.2).
   * Required by a verifier built with `keyBinding: "confirmation"`, refused by any other.
   */
  readonly confirmationKey?: ConfirmationKey;
}

/** A verifier built once by {@link createEctVerifier}. */
export interface EctVerifier {
  /**
   * Verifies a token with the full profile §5 procedure and returns it verified.
   *
   * @throws {@link EctError} with the code of the first failed step.
   */
  verify(token: string, options?: VerifyCallOptions): Promise<VerifiedEct>;
  /** Like {@link EctVerifier.verify} but returns a `Result` instead of throwing an `EctError`. */
  safeVerify(token: string, options?: VerifyCallOptions): Promise<Result<VerifiedEct, EctError>>;
  /** The replay cache in use (the one it owns, or the one given), `undefined` when replay checks are off. */
  readonly replayCache: ReplayCache | undefined;
}

/** Options of {@link createAuditVerifier}. */
export interface AuditVerifierOptions {
  /**
   * Resolves `{ kid, iss, alg }` to a public key bound to that issuer (profile §5.5). Required, except
   * with `keyBinding: "confirmation"`, where it must be absent.
   */
  readonly keys?: EctKeyResolver;
  /**
   * `"confirmation"`: WIT-bound audits (profile §9.4); each call's context carries the
   * `confirmationKey` taken from the stored WIT (see {@link VerifyEctOptions.keyBinding}).
   */
  readonly keyBinding?: "resolver" | "confirmation";
  /** Accepted `alg` values (default `["ES256"]`). */
  readonly algorithms?: readonly EctAlgorithm[];
  /** 1 to accept unsigned tokens stored in the ledger; 2 (default) refuses them. */
  readonly minLevel?: 1 | 2;
  /** profile §4 settings (max token length, max `pred` length). */
  readonly config?: Partial<EctConfig>;
}

/**
 * What {@link createAuditVerifier} returns: an `AuditTokenVerifier` (ledgers call it with
 * `{ ingestedAt }`) whose context may also carry the `confirmationKey` of a WIT-bound entry.
 */
export type EctAuditVerifier = (
  token: string,
  context: {
    /** Ingestion time, milliseconds since the epoch. */
    readonly ingestedAt: number;
    /** WIT-bound mode: the stored WIT's confirmed key (profile §9.4). */
    readonly confirmationKey?: ConfirmationKey;
  },
) => Promise<Result<VerifiedEct, EctError>>;

/** A call's confirmation key, present exactly when the pipeline is in WIT-bound mode. */
function checkConfirmation(
  pipeline: Pipeline,
  options: { readonly confirmationKey?: ConfirmationKey } | undefined,
): ConfirmationKey | undefined {
  const confirmation = options?.confirmationKey;
  if (pipeline.keys === undefined) {
    if (
      confirmation === null ||
      typeof confirmation !== "object" ||
      typeof confirmation.subject !== "string"
    ) {
      throw configError(
        "confirmationKey",
        'a verifier with keyBinding "confirmation" needs a confirmationKey per call',
      );
    }
    return confirmation;
  }
  if (confirmation !== undefined) {
    throw configError("confirmationKey", 'needs a verifier built with keyBinding "confirmation"');
  }
  return undefined;
}

/** A token that passed profile §5 steps 1-7 (what live and audit verification share). */
interface ValidToken {
  readonly decoded: DecodedEct;
  readonly header: EctHeader | undefined;
  readonly claims: EctClaims;
}

/**
 * Profile §5 steps 1-7 without the audience: decode, header, key, signature, claims. Not `async`:
 * the token itself when every step answered synchronously (a key already at hand, a signature
 * checked on the main thread), else a promise of it. A refusal before the first pending step
 * throws, later ones reject; callers handle both. Continuations live in their own functions so
 * the synchronous path allocates no closure.
 */
function validToken(
  pipeline: Pipeline,
  token: string,
  confirmation: ConfirmationKey | undefined,
): ValidToken | Promise<ValidToken> {
  const decoded = decodeStep(pipeline, token); // §5.1-5.3
  if (decoded.level !== 2) return withClaims(pipeline, decoded, undefined);
  const header = headerStep(pipeline, decoded.header!, confirmation); // §5.4
  const key = keyStep(pipeline, header, decoded.claims, confirmation); // §5.5, §9.2
  return key instanceof Promise
    ? key.then((resolved) => signedToken(pipeline, decoded, header, resolved))
    : signedToken(pipeline, decoded, header, key);
}

/** Profile §5.6, then the claim rules of §5.7 (first half). */
function signedToken(
  pipeline: Pipeline,
  decoded: DecodedEct,
  header: EctHeader,
  key: PublicKeyInput,
): ValidToken | Promise<ValidToken> {
  const signed = signatureStep(header, key, decoded); // §5.6
  return signed === undefined
    ? withClaims(pipeline, decoded, header)
    : signed.then(() => withClaims(pipeline, decoded, header));
}

/** Profile §5.7, first half: the claim rules, completing a valid token. */
function withClaims(pipeline: Pipeline, decoded: DecodedEct, header: EctHeader | undefined): ValidToken {
  return { decoded, header, claims: claimsStep(pipeline, decoded.claims) };
}

/**
 * Profile §5, steps 1-10 and 12, in order; the first failure ends it. Not `async`: when every step
 * answered synchronously (sequential verification with the in-memory replay cache and a static key)
 * the verified token is built without a microtask hop or a suspended frame; a step answering with a
 * promise continues the same steps after it settles. Always answers with a promise.
 */
function runPipeline(pipeline: Pipeline, token: string, call?: VerifyCallOptions): Promise<VerifiedEct> {
  let confirmation: ConfirmationKey | undefined;
  try {
    confirmation = checkConfirmation(pipeline, call);
  } catch (error) {
    return Promise.reject(error);
  }
  beginVerification();
  let pending = false;
  try {
    const valid = validToken(pipeline, token, confirmation); // §5.1-5.7
    const verified =
      valid instanceof Promise
        ? acceptWhenValid(pipeline, token, valid, confirmation)
        : acceptToken(pipeline, token, valid, confirmation); // §5.7-5.12
    if (!(verified instanceof Promise)) return Promise.resolve(verified);
    pending = true;
    return verified.finally(endVerification);
  } catch (error) {
    return Promise.reject(error);
  } finally {
    if (!pending) endVerification();
  }
}

function acceptWhenValid(
  pipeline: Pipeline,
  token: string,
  valid: Promise<ValidToken>,
  confirmation: ConfirmationKey | undefined,
): Promise<VerifiedEct> {
  return valid.then((resolved) => acceptToken(pipeline, token, resolved, confirmation));
}

/**
 * Profile §5.7 (audience) to §5.12 for a token that passed steps 1-7. Without checks or a ledger
 * (nothing left that needs a frame) the replay step is the last, read synchronously when it can be.
 */
function acceptToken(
  pipeline: Pipeline,
  token: string,
  valid: ValidToken,
  confirmation: ConfirmationKey | undefined,
): VerifiedEct | Promise<VerifiedEct> {
  const audience = audienceStep(pipeline, valid.claims); // §5.7
  const now = timeStep(pipeline, valid.claims); // §5.8
  if (pipeline.checks.length > 0 || pipeline.ledger !== undefined) {
    return acceptChecked(pipeline, token, valid, audience, now, confirmation); // §5.9-5.12
  }
  const replayed =
    pipeline.replayCache === undefined
      ? undefined
      : replayStep(pipeline, pipeline.replayCache, valid.claims, now); // §5.10
  const { decoded, header, claims } = valid;
  const verified = verifiedEct(token, decoded.level, header, claims, audience, undefined, undefined);
  return replayed === undefined ? verified : valueAfter(replayed, verified);
}

function valueAfter<T>(step: Promise<void>, value: T): Promise<T> {
  return step.then(() => value);
}

/** Profile §5.9, §5.10 and §5.12, in order, for a verifier with checks or a ledger. */
async function acceptChecked(
  pipeline: Pipeline,
  token: string,
  { decoded, header, claims }: ValidToken,
  audience: readonly string[],
  now: Instant,
  confirmation: ConfirmationKey | undefined,
): Promise<VerifiedEct> {
  // Predecessors a check or the ledger allowed while unresolved.
  const unresolved = new Set<string>();
  if (pipeline.checks.length > 0) {
    const context = { token, level: decoded.level, header, claims, now: Math.floor(now.seconds) };
    await checksStep(pipeline, context, unresolved); // §5.9
  }
  if (pipeline.replayCache !== undefined) await replayStep(pipeline, pipeline.replayCache, claims, now); // §5.10
  if (pipeline.ledger === undefined) {
    return verifiedEct(token, decoded.level, header, claims, audience, unresolved, undefined);
  }
  const { level, receipt } = await ledgerStep(
    pipeline,
    pipeline.ledger,
    decoded,
    claims,
    now,
    unresolved,
    confirmation?.credential,
  ); // §5.12
  return verifiedEct(token, level, header, claims, audience, unresolved, receipt);
}

/** The frozen result, built member by member: no spread of the optional receipt. */
function verifiedEct(
  token: string,
  level: AssuranceLevel,
  header: EctHeader | undefined,
  claims: EctClaims,
  audience: readonly string[],
  unresolved: Set<string> | undefined,
  receipt: LedgerReceipt | undefined,
): VerifiedEct {
  const verified: {
    -readonly [K in keyof VerifiedEct]: VerifiedEct[K];
  } = {
    token,
    level,
    header,
    claims,
    audience,
    unresolvedPredecessors: unresolved === undefined ? [] : [...unresolved],
  };
  if (receipt !== undefined) verified.receipt = receipt;
  return Object.freeze(verified);
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
 * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for invalid options: no
 *   `verifierId`, `none`/`HS*` in `algorithms`, `minLevel` 3 without a ledger, no replay cache
 *   possible without `allowNoReplayCheck`. A misconfigured verifier never reaches a token.
 */
export function createEctVerifier(options: VerifyEctOptions): EctVerifier {
  const pipeline = buildPipeline(options, true);
  return Object.freeze({
    verify: (token: string, call?: VerifyCallOptions) => runPipeline(pipeline, token, call),
    safeVerify: (token: string, call?: VerifyCallOptions) =>
      safely(Promise.resolve().then(() => runPipeline(pipeline, token, call))),
    replayCache: pipeline.replayCache,
  });
}

/**
 * Verifies one token with the profile §5 procedure (see {@link createEctVerifier}). It validates the
 * options on every call and keeps nothing between calls, so it needs a `replayCache` (or
 * `allowNoReplayCheck: true`); a service verifying many tokens should build a verifier once with
 * {@link createEctVerifier}.
 *
 * @example
 * ```ts
 * import { createEct, generateEctKeyPair, MemoryReplayCache, staticKeyResolver, verifyEct } from "ect-crypto";
 *
 * const key = await generateEctKeyPair();
 * const token = await createEct(
 *   { iss: "spiffe://example.org/agent-a", aud: "spiffe://example.org/agent-b", exec_act: "plan", pred: [] },
 *   key,
 * );
 * const replayCache = new MemoryReplayCache(); // shared by every call: a second verify of the token is a replay
 * const { claims } = await verifyEct(token, {
 *   verifierId: "spiffe://example.org/agent-b",
 *   keys: staticKeyResolver([{ iss: "spiffe://example.org/agent-a", key }]),
 *   replayCache,
 * });
 * console.log(claims.exec_act); // "plan"
 * ```
 *
 * @throws {@link EctError} with the code of the first failed step; {@link EctConfigError} for
 *   invalid options (a programming error, not a refusal).
 */
export function verifyEct(token: string, options: VerifyEctOptions): Promise<VerifiedEct> {
  let pipeline: Pipeline;
  try {
    pipeline = buildPipeline(options, false);
  } catch (error) {
    return Promise.reject(error); // invalid options reject, as from an async function
  }
  return runPipeline(pipeline, token);
}

/**
 * {@link verifyEct} returning a `Result`: `{ ok: true, value }` or `{ ok: false, error }` with the
 * `EctError` of a refused token. Invalid options are not a refusal: the promise rejects with an
 * {@link EctConfigError} (profile §5).
 */
export async function safeVerifyEct(
  token: string,
  options: VerifyEctOptions,
): Promise<Result<VerifiedEct, EctError>> {
  const pipeline = buildPipeline(options, false);
  return safely(runPipeline(pipeline, token));
}

/**
 * Builds the audit-mode verifier ledgers use to re-verify stored tokens (profile §5.11): as of the
 * time the ledger ingested the token, the signature, header and claim rules apply, and so do the
 * time rules of §5.8 (`exp`, `iat` not in the future, `nbf`) evaluated at `ingestedAt`; freshness
 * (the maximum age of `iat`), audience and replay do not.
 *
 * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for an unknown or
 *   invalid option, at construction.
 */
export function createAuditVerifier(options: AuditVerifierOptions): EctAuditVerifier {
  assertKnownOptions(options, AUDIT_VERIFIER_OPTIONS);
  const { keys, algorithms } = checkKeySource(options);
  const pipeline: Pipeline = {
    verifierId: undefined,
    keys,
    algorithms,
    minLevel: checkMinLevel(options.minLevel, [1, 2]),
    clock: Date.now,
    config: checkConfig(options.config),
    replayCache: undefined,
    checks: [],
    ledger: undefined,
  };
  return async (token, context) => {
    const ingestedAt = context?.ingestedAt;
    try {
      if (typeof ingestedAt !== "number" || !Number.isFinite(ingestedAt)) {
        // A stored record's time, not an option: the audit reports it like any broken record.
        throw new EctError(
          EctErrorCodes.CONFIG_INVALID,
          "ingestedAt must be finite milliseconds since the epoch",
          {
            member: "ingestedAt",
          },
        );
      }
      const confirmation = checkConfirmation(pipeline, context);
      const { decoded, header, claims } = await validToken(pipeline, token, confirmation); // §5.1-5.7
      checkTimeRules(claims, ingestedAt / 1000, pipeline.config, { freshness: false }); // §5.8 at ingestion
      return ok(
        Object.freeze({
          token,
          level: decoded.level,
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
