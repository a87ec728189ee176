/**
 * What a verifier is built from: its options, validated once at construction (profile §2, §4,
 * §5.7, §5.10, §5.12). A mistake here is a programming error, thrown before any token is seen and
 * never reported as a token refusal (profile §5).
 *
 * @internal
 */
import {
  type Clock,
  DEFAULT_CONFIG,
  type EctAlgorithm,
  type EctConfig,
  EctConfigError,
  type Ledger,
  type ReplayCache,
  resolveConfig,
  type VerificationCheck,
} from "ect-core";
import { assertKnownOptions } from "ect-core/internal";
import { resolveAlgorithmAllowlist } from "../algorithms.js";
import type { EctKeyResolver } from "../key-resolvers.js";
import { MemoryReplayCache } from "../replay-cache.js";

const VERIFY_OPTIONS: ReadonlySet<string> = new Set<keyof VerifyEctOptions>([
  "verifierId",
  "keys",
  "keyBinding",
  "algorithms",
  "minLevel",
  "clock",
  "config",
  "replayCache",
  "allowNoReplayCheck",
  "checks",
  "ledger",
]);

/** The options of `createAuditVerifier` (its interface lives beside it, in verify.ts). */
export const AUDIT_VERIFIER_OPTIONS: ReadonlySet<string> = new Set([
  "keys",
  "keyBinding",
  "algorithms",
  "minLevel",
  "config",
]);

/** A verifier's settings after validation: what every step reads. */
export interface Pipeline {
  /** `aud` must contain it (profile §5.7); `undefined` only in audit mode (§5.11). */
  readonly verifierId: string | undefined;
  /** The key step's resolver (profile §5.5); `undefined` in WIT-bound mode (`keyBinding: "confirmation"`). */
  readonly keys: EctKeyResolver | undefined;
  /** The `alg` allowlist (profile §2). */
  readonly algorithms: readonly EctAlgorithm[];
  /** Lowest accepted level (profile §1). */
  readonly minLevel: 1 | 2 | 3;
  /** Milliseconds since the epoch. */
  readonly clock: Clock;
  /** Profile §4 settings. */
  readonly config: EctConfig;
  /** Profile §5.10; `undefined` only with `allowNoReplayCheck`. */
  readonly replayCache: ReplayCache | undefined;
  /**
   * Profile §5.9, in order. A DAG check against the ledger that enforces the DAG rules itself is
   * left out: the rules run once, in the ledger's atomic append (profile §6).
   */
  readonly checks: readonly VerificationCheck[];
  /** Profile §5.12. */
  readonly ledger: Ledger | undefined;
}

/** Options of `createEctVerifier` and `verifyEct`. */
export interface VerifyEctOptions {
  /**
   * This verifier's own id: `aud` must contain it (profile §5.7). Required: a verifier without an id
   * refuses to run (only the audit verifier, `createAuditVerifier`, has none).
   */
  readonly verifierId: string;
  /**
   * Resolves `{ kid, iss, alg }` to a public key bound to that issuer (profile §5.5). Required, except
   * with `keyBinding: "confirmation"`, where it must be absent.
   */
  readonly keys?: EctKeyResolver;
  /**
   * How the key step finds the key (profile §5.5). `"resolver"` (default): `keys` resolves
   * `{ kid, iss, alg }`. `"confirmation"` (WIT-bound mode, profile §9.2): every `verify` call passes
   * a `ConfirmationKey` (the verified WIT's `cnf.jwk` and `sub`); `iss` must equal its subject,
   * `alg` its `alg` (the `algorithms` allowlist does not apply and must be absent), and `kid` may be
   * absent or must be its RFC 7638 thumbprint (profile §2 exception). `ect-wimse` builds on it.
   */
  readonly keyBinding?: "resolver" | "confirmation";
  /**
   * Accepted `alg` values, exact and case-sensitive (profile §2). Default `["ES256"]`; may add `ES384`,
   * `ES512`, `EdDSA`, `Ed25519`. `none` and `HS*` are a configuration error.
   */
  readonly algorithms?: readonly EctAlgorithm[];
  /**
   * Lowest accepted assurance level (profile §1). 2 (default) refuses unsigned tokens; 1 accepts them;
   * 3 requires a `ledger` and every accepted token to be appended to it.
   */
  readonly minLevel?: 1 | 2 | 3;
  /** Milliseconds since the epoch, like `Date.now` (the default). Used for every time check. */
  readonly clock?: Clock;
  /** profile §4 settings (max ages, skew, replay cache size, max token length, max `pred` length). */
  readonly config?: Partial<EctConfig>;
  /**
   * The replay cache (profile §5.10), e.g. one shared by several instances. Without it,
   * `createEctVerifier` builds a `MemoryReplayCache` of `config.jtiReplayCacheSize`
   * entries; `verifyEct`, which cannot keep one between calls, requires it.
   */
  readonly replayCache?: ReplayCache;
  /**
   * Run without any replay check when no cache is available (profile §4: only when set explicitly).
   * Tokens can then be replayed until they expire.
   */
  readonly allowNoReplayCheck?: boolean;
  /** Extra checks after the claim and time rules, in order (profile §5.9), e.g. `ect-dag`'s `dagCheck`. */
  readonly checks?: readonly VerificationCheck[];
  /** An audit ledger: every accepted token is appended, reaching level 3 with a receipt (profile §5.12). */
  readonly ledger?: Ledger;
}

/**
 * A configuration mistake (profile §5: a programming error, never a token refusal): thrown at
 * construction, or by `verify` for a per-call option or a clock that breaks its contract.
 */
export function configError(option: string, requirement: string): EctConfigError {
  return new EctConfigError(option, requirement);
}

/** Profile §4 settings, a bad one reported as the option path `config.<name>`. */
export function checkConfig(config: Partial<EctConfig> | undefined): EctConfig {
  return resolveConfig(config, { path: "config." });
}

/** Profile §5.5: the resolver is an object with `resolve({ kid, iss, alg })`. */
export function checkKeyResolver(keys: unknown): EctKeyResolver {
  if (keys === null || typeof keys !== "object" || typeof (keys as EctKeyResolver).resolve !== "function") {
    throw configError("keys", "must be a key resolver (an object with resolve({ kid, iss, alg }))");
  }
  return keys as EctKeyResolver;
}

/**
 * The key step's source (profile §5.5): a resolver and the `alg` allowlist, or, in WIT-bound mode
 * (`keyBinding: "confirmation"`), neither: the key and its `alg` come with each call (profile §9.2).
 */
export function checkKeySource(options: {
  readonly keys?: unknown;
  readonly keyBinding?: unknown;
  readonly algorithms?: readonly string[];
}): { keys: EctKeyResolver | undefined; algorithms: readonly EctAlgorithm[] } {
  const binding = options.keyBinding ?? "resolver";
  if (binding === "resolver") {
    return {
      keys: checkKeyResolver(options.keys),
      algorithms: resolveAlgorithmAllowlist(options.algorithms),
    };
  }
  if (binding !== "confirmation") {
    throw configError("keyBinding", 'must be "resolver" or "confirmation"');
  }
  if (options.keys !== undefined) {
    throw configError("keys", 'does not apply with keyBinding "confirmation": the key comes with each call');
  }
  if (options.algorithms !== undefined) {
    throw configError(
      "algorithms",
      'does not apply with keyBinding "confirmation": the confirmation key\'s alg decides (profile §9.2)',
    );
  }
  return { keys: undefined, algorithms: [] };
}

/** Profile §1: one of the levels this kind of verifier supports. */
export function checkMinLevel(minLevel: unknown, allowed: readonly number[]): 1 | 2 | 3 {
  const level = minLevel ?? 2;
  if (!allowed.includes(level as number)) {
    throw configError("minLevel", `must be one of ${allowed.join(", ")}`);
  }
  return level as 1 | 2 | 3;
}

/** The levels a live verifier accepts as `minLevel`, and its checks when none are given. */
const LIVE_LEVELS: readonly number[] = [1, 2, 3];
const NO_CHECKS: readonly VerificationCheck[] = Object.freeze([]);

/** A ledger's own statement that it runs the DAG rules inside its append (profile §6). */
function enforcesDagRules(ledger: Ledger | undefined): boolean {
  return ledger !== undefined && (ledger as { enforcesDagRules?: unknown }).enforcesDagRules === true;
}

/**
 * The checks to run: all of them, except a DAG check over the very ledger the verifier appends to
 * when that ledger enforces the rules itself (profile §6: they run once, atomically with the append).
 * A DAG check over another store is other work and stays.
 */
function checksToRun(
  checks: readonly VerificationCheck[],
  ledger: Ledger | undefined,
): readonly VerificationCheck[] {
  if (checks.length === 0) return NO_CHECKS;
  if (!enforcesDagRules(ledger)) return [...checks];
  return checks.filter((check) => check.dagRulesOver !== ledger);
}

function checkReplayCache(
  options: VerifyEctOptions,
  config: EctConfig,
  owns: boolean,
): ReplayCache | undefined {
  const given = options.replayCache;
  if (given !== undefined) {
    if (given === null || typeof given.checkAndRecord !== "function" || typeof given.release !== "function") {
      throw configError("replayCache", "must implement ReplayCache (checkAndRecord, release)");
    }
    return given;
  }
  if (owns && config.jtiReplayCacheSize > 0) {
    return new MemoryReplayCache({ capacity: config.jtiReplayCacheSize });
  }
  if (options.allowNoReplayCheck === true) return undefined;
  throw configError(
    "replayCache",
    owns
      ? "jtiReplayCacheSize is 0: pass a replayCache, or set allowNoReplayCheck: true to run without replay checks (profile §4)"
      : "verifyEct cannot keep a replay cache between calls: pass a replayCache, use createEctVerifier, or set allowNoReplayCheck: true (profile §4)",
  );
}

/**
 * Validates a live verifier's options once. `ownsReplayCache`: `createEctVerifier` builds a
 * memory replay cache when none is given; `verifyEct`, which keeps nothing between calls, cannot.
 */
export function buildPipeline(options: VerifyEctOptions, ownsReplayCache: boolean): Pipeline {
  assertKnownOptions(options, VERIFY_OPTIONS);
  const { verifierId } = options;
  if (typeof verifierId !== "string" || verifierId.length === 0) {
    throw configError(
      "verifierId",
      "is required: a verifier without an id cannot check aud (profile §5.7); use createAuditVerifier for audits",
    );
  }
  const { keys, algorithms } = checkKeySource(options);
  // verifyEct builds its pipeline on every call: the defaults need no resolving.
  const config = options.config === undefined ? DEFAULT_CONFIG : checkConfig(options.config);
  const minLevel = checkMinLevel(options.minLevel, LIVE_LEVELS);
  const ledger = options.ledger;
  if (ledger !== undefined && (ledger === null || typeof ledger.append !== "function")) {
    throw configError("ledger", "must implement Ledger (append)");
  }
  if (minLevel === 3 && ledger === undefined) {
    throw configError("minLevel", "3 requires a ledger: L3 means the token was appended to one (profile §1)");
  }
  const clock = options.clock ?? Date.now;
  if (typeof clock !== "function") throw configError("clock", "must be a function returning milliseconds");
  const checks = options.checks ?? NO_CHECKS;
  if (!Array.isArray(checks) || !checks.every((c) => typeof c === "function")) {
    throw configError("checks", "must be an array of functions");
  }
  const replayCache = checkReplayCache(options, config, ownsReplayCache);
  return {
    verifierId,
    keys,
    algorithms,
    minLevel,
    clock,
    config,
    replayCache,
    checks: checksToRun(checks, ledger),
    ledger,
  };
}
