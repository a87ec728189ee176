/**
 * The time rules of profile §5.8, in one place: live verification (`createEctVerifier`,
 * `verifyEct`) evaluates them at the verifier's clock, the audit verifier (profile §5.11) at the
 * time a ledger ingested the token. (`replayRecordExpiry` in ect-core derives the replay record's
 * lifetime, profile §4, from the same two bounds: `exp + skew` and `iat + maxAge`.)
 *
 * @internal
 */
import { type EctConfig, EctError, EctErrorCodes } from "ect-core";

/** The settings the time rules read (profile §4). */
export type TimeRuleSettings = Pick<EctConfig, "clockSkewSec" | "iatMaxFutureSec" | "iatMaxAgeMinutes">;

/** The claims the time rules read; the claim rules (profile §3) already checked their types. */
export interface TimedClaims {
  /** Issued at, integer seconds. */
  readonly iat: number;
  /** Expiry, integer seconds. */
  readonly exp: number;
  /** Not before, integer seconds, when present. */
  readonly nbf?: unknown;
}

/** Which of the rules apply. */
export interface TimeRuleScope {
  /**
   * The freshness rule `iat >= now - maxAge` (default true). Audit mode (profile §5.11) turns it
   * off: a stored token is re-verified as of its ingestion, and its age since then is no refusal.
   */
  readonly freshness?: boolean;
}

/**
 * Profile §5.8, in this order, `now` in (possibly fractional) seconds since the epoch:
 * `exp + skew > now` (`ECT_EXPIRED`), `iat <= now + maxFuture` (`ECT_IAT_IN_FUTURE`),
 * `iat >= now - maxAge` (`ECT_IAT_TOO_OLD`, only with `freshness`), and when `nbf` is present
 * `nbf - skew <= now` (`ECT_NOT_YET_VALID`).
 *
 * @throws {@link EctError} with the code of the first rule broken.
 */
export function checkTimeRules(
  claims: TimedClaims,
  now: number,
  settings: TimeRuleSettings,
  scope: TimeRuleScope = {},
): void {
  if (!(claims.exp + settings.clockSkewSec > now)) {
    throw new EctError(EctErrorCodes.EXPIRED, "the token expired (exp + skew <= now)", { member: "exp" });
  }
  if (claims.iat > now + settings.iatMaxFutureSec) {
    throw new EctError(
      EctErrorCodes.IAT_IN_FUTURE,
      `iat is more than ${settings.iatMaxFutureSec} s in the future`,
      { member: "iat" },
    );
  }
  if (scope.freshness !== false && claims.iat < now - settings.iatMaxAgeMinutes * 60) {
    throw new EctError(EctErrorCodes.IAT_TOO_OLD, `iat is more than ${settings.iatMaxAgeMinutes} min old`, {
      member: "iat",
    });
  }
  // The claim rules (profile §3) refuse an nbf that is not safe-integer seconds; this rule only
  // reads a number.
  const nbf = claims.nbf;
  if (typeof nbf === "number" && nbf - settings.clockSkewSec > now) {
    throw new EctError(EctErrorCodes.NOT_YET_VALID, "the token is not valid yet (nbf - skew > now)", {
      member: "nbf",
    });
  }
}
