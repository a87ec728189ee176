import { Defaults } from "./constants.js";
import { assertKnownOptions, EctConfigError, EctError, EctErrorCodes } from "./errors.js";
import type { ReplayRecord } from "./interfaces.js";

/**
 * The settings of SPEC 4. Every verifier and creator takes these (as options) and every time check
 * takes an injectable clock.
 */
export interface EctConfig {
  /** Max age of `iat`, minutes (`ECT_IAT_MAX_AGE_MINUTES`, default 15). */
  readonly iatMaxAgeMinutes: number;
  /** Max `iat` in the future, seconds (`ECT_IAT_MAX_FUTURE_SEC`, default 30). */
  readonly iatMaxFutureSec: number;
  /** `exp` filled in by create when absent, minutes (`ECT_DEFAULT_EXPIRY_MIN`, default 10). */
  readonly defaultExpiryMin: number;
  /** Replay cache capacity (`ECT_JTI_REPLAY_CACHE_SIZE`, default 100000; 0 disables the built-in cache). */
  readonly jtiReplayCacheSize: number;
  /** Replay entry lifetime, minutes (`ECT_JTI_REPLAY_TTL_MIN`, default 15). */
  readonly jtiReplayTtlMin: number;
  /** Clock skew for `exp` and DAG ordering, seconds (option only, default 30). */
  readonly clockSkewSec: number;
  /** Longest accepted token in characters (option only, default 16384). */
  readonly maxTokenLength: number;
  /** Longest `pred`, 0 = unlimited (option only, default 100). */
  readonly maxPredLength: number;
}

/** The SPEC 4 defaults. */
export const DEFAULT_CONFIG: EctConfig = Object.freeze({
  iatMaxAgeMinutes: Defaults.IAT_MAX_AGE_MINUTES,
  iatMaxFutureSec: Defaults.IAT_MAX_FUTURE_SEC,
  defaultExpiryMin: Defaults.DEFAULT_EXPIRY_MIN,
  jtiReplayCacheSize: Defaults.JTI_REPLAY_CACHE_SIZE,
  jtiReplayTtlMin: Defaults.JTI_REPLAY_TTL_MIN,
  clockSkewSec: Defaults.CLOCK_SKEW_SEC,
  maxTokenLength: Defaults.MAX_TOKEN_LENGTH,
  maxPredLength: Defaults.MAX_PRED_LENGTH,
});

/** The environment variables of SPEC 4 (same names as the reference implementations). */
export const ENV_VARIABLES = {
  /** Max age of `iat`, minutes (default 15). */
  iatMaxAgeMinutes: "ECT_IAT_MAX_AGE_MINUTES",
  /** Max `iat` in the future, seconds (default 30). */
  iatMaxFutureSec: "ECT_IAT_MAX_FUTURE_SEC",
  /** `exp` filled in by create when absent, minutes after `iat` (default 10). */
  defaultExpiryMin: "ECT_DEFAULT_EXPIRY_MIN",
  /** Replay cache capacity (default 100000; 0 disables it). */
  jtiReplayCacheSize: "ECT_JTI_REPLAY_CACHE_SIZE",
  /** Replay entry lifetime, minutes (default 15). */
  jtiReplayTtlMin: "ECT_JTI_REPLAY_TTL_MIN",
} as const;

/** Accepted ranges (inclusive); values outside are "absurd" (SPEC 4) and refused. */
const RANGES: Record<keyof EctConfig, readonly [number, number]> = {
  iatMaxAgeMinutes: [1, 10_080], // up to a week
  iatMaxFutureSec: [0, 3_600],
  defaultExpiryMin: [1, 10_080],
  jtiReplayCacheSize: [0, 100_000_000],
  jtiReplayTtlMin: [1, 10_080],
  clockSkewSec: [0, 3_600],
  maxTokenLength: [64, 1_048_576],
  maxPredLength: [0, 100_000],
};

const CONFIG_NAMES: ReadonlySet<string> = new Set(Object.keys(DEFAULT_CONFIG));

function checkValue(name: keyof EctConfig, value: unknown, label: string): number {
  const [min, max] = RANGES[name];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new EctConfigError(label, `must be an integer from ${min} to ${max}`, { received: value });
  }
  return value;
}

/**
 * Loads the five `ECT_*` variables of SPEC 4 from `env` (e.g. `process.env`). Precedence, lowest
 * first: the defaults, then the variables, then `overrides` (explicit options win).
 *
 * An unset variable keeps the default. Any other value must be a plain decimal integer (surrounding
 * whitespace ignored) in the accepted range; anything else, including an empty string, a sign, a
 * fraction, an exponent or an absurd value, is a configuration error naming the variable (in the
 * message and in `member`), never silently replaced by the default (SPEC 4).
 *
 * @throws {@link EctConfigError} naming the variable (`env.<NAME>`) or the setting.
 */
export function loadConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<EctConfig> = {},
): EctConfig {
  const out: Record<string, number> = { ...DEFAULT_CONFIG };
  for (const [key, variable] of Object.entries(ENV_VARIABLES) as [keyof typeof ENV_VARIABLES, string][]) {
    const raw = env[variable];
    if (raw === undefined) continue;
    const text = raw.trim();
    if (!/^\d{1,12}$/.test(text)) {
      throw new EctConfigError(`env.${variable}`, "must be a non-negative decimal integer", {
        received: raw,
      });
    }
    out[key] = checkValue(key, Number(text), `env.${variable}`);
  }
  return resolveConfig({ ...(out as unknown as EctConfig), ...overrides });
}

/**
 * Fills in defaults for a partial configuration and checks every value: each must be a safe
 * integer in its accepted range (e.g. `iatMaxAgeMinutes` 1-10080, `maxTokenLength` 64-1048576);
 * `NaN`, fractions, negatives and absurd values are refused. The result is frozen.
 *
 * @throws {@link EctConfigError} naming the setting (with `options.path` in front), also for an
 *   unknown setting.
 */
export function resolveConfig(
  partial: Partial<EctConfig> = {},
  options: {
    /** Prepended to the setting's name in an error's option path, e.g. `"config."`. */
    readonly path?: string;
  } = {},
): EctConfig {
  const path = options.path ?? "";
  // A misspelt setting would silently keep its default: refused like every other option (issue 14).
  assertKnownOptions(partial, CONFIG_NAMES, path);
  const out: Record<string, number> = {};
  for (const key of Object.keys(DEFAULT_CONFIG) as (keyof EctConfig)[]) {
    const value = partial[key] ?? DEFAULT_CONFIG[key];
    out[key] = checkValue(key, value, `${path}${key}`);
  }
  return Object.freeze(out as unknown as EctConfig);
}

/**
 * The time (seconds since the epoch) until which a replay record for these claims must be kept:
 * the record is live while `now < expiresAt`. It is the later of `now + jtiReplayTtlMin` and the
 * first moment the token can no longer be accepted, so an entry never expires while its token is
 * still acceptable (SPEC 4: "never less than the longest time a token can still be accepted").
 *
 * A token is accepted while `exp + skew > now` and `iat >= now - maxAge` (SPEC 5.8): the first is
 * false from `exp + skew` on, the second from just after `iat + maxAge`, hence
 * `min(exp + skew, iat + maxAge + 1)`.
 *
 * @throws {@link EctError} `ECT_IAT_INVALID` / `ECT_EXP_INVALID` when `iat` / `exp` are not integer
 *   seconds, `ECT_CONFIG_INVALID` when `nowSec` is not finite: a `NaN` expiry would make a record
 *   look expired at once and let the token be replayed.
 */
export function replayRecordExpiry(
  claims: { readonly iat: number; readonly exp: number },
  nowSec: number,
  config: Pick<EctConfig, "jtiReplayTtlMin" | "iatMaxAgeMinutes" | "clockSkewSec"> = DEFAULT_CONFIG,
): number {
  if (!Number.isSafeInteger(claims.iat))
    throw new EctError(EctErrorCodes.IAT_INVALID, "iat must be integer seconds", { member: "iat" });
  if (!Number.isSafeInteger(claims.exp))
    throw new EctError(EctErrorCodes.EXP_INVALID, "exp must be integer seconds", { member: "exp" });
  if (!Number.isFinite(nowSec))
    throw new EctError(EctErrorCodes.CONFIG_INVALID, "now must be a finite number of seconds");
  const acceptableUntil = Math.min(
    claims.exp + config.clockSkewSec,
    claims.iat + config.iatMaxAgeMinutes * 60 + 1,
  );
  return Math.max(nowSec + config.jtiReplayTtlMin * 60, acceptableUntil);
}

/**
 * Checks the `(wid, jti)` a shared replay cache's `release` is given: a string `jti` and a string,
 * `null` or absent `wid`, like a replay record's identity. One definition for the Redis and
 * PostgreSQL caches.
 *
 * @throws {@link EctConfigError} option `key` for anything else.
 */
export function assertReplayKey(key: { readonly wid?: unknown; readonly jti?: unknown }): void {
  if (
    typeof key?.jti !== "string" ||
    (key.wid !== null && key.wid !== undefined && typeof key.wid !== "string")
  ) {
    throw new EctConfigError("key", "must be { jti: string, wid: string | null }");
  }
}

/**
 * Checks a replay record handed to a shared replay cache and returns how long the cache must keep
 * it, in milliseconds (at least one second; profile §5 step 10). One definition for every backend
 * that stores records with a time to live (Redis, PostgreSQL).
 *
 * @throws {@link EctError} `ECT_CONFIG_INVALID` for a malformed record.
 */
export function replayRecordTtlMs(record: ReplayRecord): number {
  if (
    typeof record?.jti !== "string" ||
    (record.wid !== null && record.wid !== undefined && typeof record.wid !== "string") ||
    !Number.isFinite(record.expiresAt) ||
    !Number.isFinite(record.now)
  ) {
    throw new EctError(
      EctErrorCodes.CONFIG_INVALID,
      "a replay record needs a string jti, a string or null wid, and finite expiresAt and now",
    );
  }
  return Math.max(1000, Math.ceil((record.expiresAt - record.now) * 1000));
}
