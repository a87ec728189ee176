import {
  EctConfigError,
  EctError,
  EctErrorCodes,
  isEctError,
  type ReplayCache,
  sha256Base64url,
} from "ect-core";
import { assertKnownOptions, Defaults, integerOption } from "ect-core/internal";
import { decodeJwt, isSafeSeconds, nowSeconds, own, signatureVerifies } from "./jwt-envelope.js";
import { bearerToken, fieldLines, targetUriWithoutQuery, type WorkloadRequest } from "./request.js";
import type { VerifiedWit } from "./wit.js";

/** The `typ` of a Workload Proof Token (draft-ietf-wimse-wpt). */
export const WPT_TYP = "wpt+jwt";

/** The header field of a Txn-Token (draft-ietf-oauth-transaction-tokens), hashed by `tth`. */
export const TXN_TOKEN_HEADER = "txn-token";

/** The `oth` name of the `Execution-Context` header field (profile §8, §9.3). */
export const EXECUTION_CONTEXT_OTH = "execution-context";

/** Options of {@link verifyWpt}. */
export interface VerifyWptOptions {
  /** The WIT the WPT came with, verified by `verifyWit`: its `cnf.jwk` verifies the WPT. */
  readonly wit: VerifiedWit;
  /** The request the WPT came with. */
  readonly request: WorkloadRequest;
  /**
   * Records WPT `jti`s (profile §9.3: "not seen before"). The same interface as the ECT replay
   * cache (`ect-crypto`'s `MemoryReplayCache`, a Redis one): entries are scoped per sender
   * (`wid` = `wpt <sub>`), so WPT and ECT ids never collide in a shared cache.
   */
  readonly replayCache: ReplayCache;
  /** Milliseconds since the epoch, or a clock (default `Date.now`). */
  readonly now?: number | (() => number);
  /** Clock skew for `exp`, seconds (default 30). */
  readonly clockSkewSec?: number;
  /**
   * The longest a WPT may still be valid, seconds (default 3600): a WPT whose `exp` lies further in
   * the future is refused (`ECT_WPT_INVALID`; WPT lifetimes "MUST be short").
   */
  readonly maxLifetimeSec?: number;
  /**
   * The `oth` names this receiver understands: header fields whose trimmed value is hashed
   * (default `["execution-context"]`). An `oth` entry with any other name is refused
   * (`ECT_WPT_OTH_UNKNOWN`).
   */
  readonly othHeaders?: readonly string[];
  /**
   * Header fields `oth` must cover (e.g. `["execution-context"]`), else `ECT_WPT_OTH_REQUIRED`.
   * Default none.
   */
  readonly requireOth?: readonly string[];
  /** Longest accepted WPT in characters (default 16384). */
  readonly maxTokenLength?: number;
}

/** A WPT that passed {@link verifyWpt}. */
export interface VerifiedWpt {
  /** The WPT exactly as received. */
  readonly token: string;
  /** Its claims, as decoded. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Its `jti`. */
  readonly jti: string;
  /** The header fields its `oth` covers (lower-case names), each verified. */
  readonly covered: readonly string[];
}

const VERIFY_WPT_OPTIONS: readonly (keyof VerifyWptOptions)[] = [
  "wit",
  "request",
  "replayCache",
  "now",
  "clockSkewSec",
  "maxLifetimeSec",
  "othHeaders",
  "requireOth",
  "maxTokenLength",
];

function wptError(code: (typeof EctErrorCodes)[keyof typeof EctErrorCodes], message: string, member: string) {
  return new EctError(code, message, { member });
}

function lowerNames(
  names: readonly string[] | undefined,
  fallback: readonly string[],
  option: string,
): Set<string> {
  const list = names ?? fallback;
  if (!Array.isArray(list) || !list.every((n) => typeof n === "string" && n.length > 0)) {
    throw new EctConfigError(option, "must be an array of header field names", { received: list });
  }
  return new Set(list.map((n) => n.toLowerCase()));
}

/** `ath` / `tth`: mandatory when the token is in the request, and then equal to its hash. */
async function checkTokenHash(
  claim: unknown,
  token: string | undefined,
  code: typeof EctErrorCodes.WPT_ATH_MISMATCH | typeof EctErrorCodes.WPT_TTH_MISMATCH,
  member: string,
): Promise<void> {
  if (token === undefined && claim === undefined) return;
  if (token === undefined)
    throw wptError(code, `the WPT has ${member} but the request carries no such token`, member);
  if (typeof claim !== "string")
    throw wptError(code, `the request carries a token the WPT's ${member} does not cover`, member);
  if (claim !== (await sha256Base64url(token))) {
    throw wptError(code, `the WPT's ${member} is not the hash of the request's token`, member);
  }
}

/**
 * Verifies a Workload Proof Token against its WIT and request (profile §9.3,
 * draft-ietf-wimse-wpt), in this order, the first failure ending it:
 *
 * 1. strict envelope, `typ` `wpt+jwt` (`ECT_WPT_INVALID`); `alg` equals the WIT's `cnf.jwk.alg`
 *    (`ECT_WPT_ALG_MISMATCH`); the signature verifies with `cnf.jwk` (`ECT_WPT_SIGNATURE_INVALID`);
 * 2. `aud`, `exp`, `jti`, `wth` present and well-typed (`ECT_WPT_INVALID`); `aud` is the request's
 *    target URI without query and fragment (`ECT_WPT_AUD_MISMATCH`); `exp + skew > now`
 *    (`ECT_WPT_EXPIRED`), and not further away than `maxLifetimeSec` (`ECT_WPT_INVALID`);
 * 3. `wth` = base64url(SHA-256(WIT)) (`ECT_WPT_WTH_MISMATCH`);
 * 4. `ath` / `tth` match the request's `Authorization: Bearer` / `Txn-Token` and are present when
 *    those are (`ECT_WPT_ATH_MISMATCH`, `ECT_WPT_TTH_MISMATCH`);
 * 5. `oth`: every name understood (`ECT_WPT_OTH_UNKNOWN`), each named header field present as
 *    exactly one field line whose trimmed value hashes to the entry (`ECT_WPT_OTH_MISMATCH`),
 *    and the required names covered (`ECT_WPT_OTH_REQUIRED`);
 * 6. `jti` not seen before, recorded only now (`ECT_WPT_REPLAY`).
 *
 * @throws {@link EctError} with one of the codes above; `ECT_REPLAY_CACHE_UNAVAILABLE` when the
 *   cache fails; {@link EctConfigError} (the promise rejects, never a refusal) for an unknown or
 *   invalid option.
 */
export async function verifyWpt(wpt: string, options: VerifyWptOptions): Promise<VerifiedWpt> {
  assertKnownOptions(options, VERIFY_WPT_OPTIONS);
  const { wit, request, replayCache } = options;
  if (wit === null || typeof wit !== "object" || typeof wit.confirmationKey?.jwk?.alg !== "string") {
    throw new EctConfigError("wit", "must be a WIT verified by verifyWit");
  }
  if (request === null || typeof request !== "object" || typeof request.url !== "string") {
    throw new EctConfigError("request", "must have a url and headers", { received: request });
  }
  if (replayCache === null || typeof replayCache?.checkAndRecord !== "function") {
    throw new EctConfigError("replayCache", "must implement ReplayCache (checkAndRecord)");
  }
  const known = lowerNames(options.othHeaders, [EXECUTION_CONTEXT_OTH], "othHeaders");
  const required = lowerNames(options.requireOth, [], "requireOth");
  const skew = integerOption(options.clockSkewSec, Defaults.CLOCK_SKEW_SEC, "clockSkewSec");
  const maxLifetime = integerOption(options.maxLifetimeSec, 3600, "maxLifetimeSec", 1);
  const now = nowSeconds(options.now);

  // 1. envelope, alg = cnf.jwk.alg, signature by cnf.jwk
  const decoded = decodeJwt(wpt, {
    typ: WPT_TYP,
    invalid: EctErrorCodes.WPT_INVALID,
    maxTokenLength: integerOption(options.maxTokenLength, Defaults.MAX_TOKEN_LENGTH, "maxTokenLength", 1),
  });
  const jwk = wit.confirmationKey.jwk;
  if (decoded.header.alg !== jwk.alg) {
    throw wptError(EctErrorCodes.WPT_ALG_MISMATCH, "the WPT's alg is not the WIT's cnf.jwk.alg", "alg");
  }
  const valid = await signatureVerifies(decoded, jwk);
  if (!valid)
    throw wptError(
      EctErrorCodes.WPT_SIGNATURE_INVALID,
      "the WPT's signature does not verify with the WIT's cnf.jwk",
      "signature",
    );

  // 2. claims, aud, exp
  const { claims } = decoded;
  const aud = own(claims, "aud");
  const exp = own(claims, "exp");
  const jti = own(claims, "jti");
  const wth = own(claims, "wth");
  const audiences = typeof aud === "string" ? [aud] : aud;
  if (!Array.isArray(audiences) || audiences.length === 0 || !audiences.every((a) => typeof a === "string")) {
    throw wptError(EctErrorCodes.WPT_INVALID, "the WPT's aud must be a string or an array of strings", "aud");
  }
  if (!isSafeSeconds(exp))
    throw wptError(EctErrorCodes.WPT_INVALID, "the WPT's exp must be integer seconds", "exp");
  if (typeof jti !== "string" || jti.length === 0) {
    throw wptError(EctErrorCodes.WPT_INVALID, "the WPT's jti must be a non-empty string", "jti");
  }
  if (typeof wth !== "string") throw wptError(EctErrorCodes.WPT_INVALID, "the WPT has no wth", "wth");
  if (!audiences.includes(targetUriWithoutQuery(request.url))) {
    throw wptError(EctErrorCodes.WPT_AUD_MISMATCH, "the WPT's aud is not this request's target URI", "aud");
  }
  if (!(exp + skew > now))
    throw wptError(EctErrorCodes.WPT_EXPIRED, "the WPT expired (exp + skew <= now)", "exp");
  if (exp > now + maxLifetime) {
    throw wptError(EctErrorCodes.WPT_INVALID, `the WPT's exp is more than ${maxLifetime} s away`, "exp");
  }

  // 3. wth
  if (wth !== (await sha256Base64url(wit.token))) {
    throw wptError(
      EctErrorCodes.WPT_WTH_MISMATCH,
      "the WPT's wth is not the hash of the WIT it came with",
      "wth",
    );
  }

  // 4. ath, tth
  await checkTokenHash(
    own(claims, "ath"),
    bearerToken(request.headers),
    EctErrorCodes.WPT_ATH_MISMATCH,
    "ath",
  );
  const txn = fieldLines(request.headers, TXN_TOKEN_HEADER);
  if (txn.length > 1)
    throw wptError(EctErrorCodes.WPT_TTH_MISMATCH, "the request has several Txn-Token field lines", "tth");
  await checkTokenHash(own(claims, "tth"), txn[0]?.trim(), EctErrorCodes.WPT_TTH_MISMATCH, "tth");

  // 5. oth: exact header values, one field line each (profile §8)
  const oth = own(claims, "oth");
  const covered: string[] = [];
  if (oth !== undefined) {
    if (oth === null || typeof oth !== "object" || Array.isArray(oth)) {
      throw wptError(EctErrorCodes.WPT_INVALID, "the WPT's oth must be an object", "oth");
    }
    for (const [name, hash] of Object.entries(oth as Record<string, unknown>)) {
      if (!known.has(name)) {
        throw wptError(
          EctErrorCodes.WPT_OTH_UNKNOWN,
          `the WPT's oth names ${JSON.stringify(name)}, which this receiver does not understand`,
          `oth.${name}`,
        );
      }
      const lines = fieldLines(request.headers, name);
      if (lines.length !== 1) {
        throw wptError(
          EctErrorCodes.WPT_OTH_MISMATCH,
          lines.length === 0
            ? `the WPT's oth covers ${name}, which the request does not carry`
            : `the WPT's oth covers ${name}, which the request carries in ${lines.length} field lines (one is required)`,
          `oth.${name}`,
        );
      }
      if (typeof hash !== "string" || hash !== (await sha256Base64url(lines[0]!.trim()))) {
        throw wptError(
          EctErrorCodes.WPT_OTH_MISMATCH,
          `the WPT's oth.${name} is not the hash of the request's ${name}`,
          `oth.${name}`,
        );
      }
      covered.push(name);
    }
  }
  for (const name of required) {
    if (!covered.includes(name)) {
      throw wptError(EctErrorCodes.WPT_OTH_REQUIRED, `the WPT's oth must cover ${name}`, "oth");
    }
  }

  // 6. replay, recorded only when everything else passed (a refused WPT never burns its jti)
  let fresh: boolean;
  try {
    fresh = await replayCache.checkAndRecord({
      wid: `wpt ${wit.subject}`,
      jti,
      expiresAt: Math.ceil(exp + skew),
      now,
    });
  } catch (cause) {
    if (isEctError(cause)) throw cause;
    throw new EctError(EctErrorCodes.REPLAY_CACHE_UNAVAILABLE, "the WPT replay cache failed", { cause });
  }
  if (!fresh) throw wptError(EctErrorCodes.WPT_REPLAY, "this WPT jti was seen before", "jti");
  return Object.freeze({ token: wpt, claims, jti, covered: Object.freeze(covered) });
}
