/**
 * Profile §5 steps 8-12 of live verification: what decides whether this verifier accepts the
 * token now (time, extra checks, replay, the ledger). One function per step, in the profile's order.
 *
 * @internal
 */
import {
  type AssuranceLevel,
  type DecodedEct,
  type EctClaims,
  EctError,
  EctErrorCodes,
  isEctError,
  type Ledger,
  type LedgerReceipt,
  type ReplayCache,
  type VerificationCheck,
  type VerificationContext,
} from "ect-core";
import { errorFromViolations, replayRecordExpiry } from "ect-core/internal";
import { isSettledPromise, settledValue } from "../settled-answers.js";
import type { Pipeline } from "./pipeline.js";
import { configError } from "./pipeline.js";
import { checkTimeRules } from "./time-rules.js";

/** The verifier's clock reading: exact milliseconds and (fractional) seconds. */
export interface Instant {
  /** Milliseconds since the epoch, as the clock returned them. */
  readonly ms: number;
  /** The same in seconds, fractional. */
  readonly seconds: number;
}

/**
 * Profile §5.8 at the verifier's clock (the rules themselves are in `time-rules.ts`). A clock that
 * does not return finite milliseconds is a programming error, never a token refusal.
 */
export function timeStep(pipeline: Pipeline, claims: EctClaims): Instant {
  const ms = pipeline.clock();
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    throw configError("clock", "must return finite milliseconds since the epoch");
  }
  const seconds = ms / 1000;
  checkTimeRules(claims, seconds, pipeline.config);
  return { ms, seconds };
}

/**
 * Profile §5.9: the extra checks in order (e.g. DAG rules over a store). Adds the predecessors a
 * check allowed while unresolved to `unresolved`.
 */
export async function checksStep(
  pipeline: Pipeline,
  context: VerificationContext,
  unresolved: Set<string>,
): Promise<void> {
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

/**
 * Profile §5.10: the `(wid or "", jti)` pair is recorded only now that everything else passed, so
 * a refused token never burns its `jti`. The record lasts at least as long as the token could be
 * accepted (`replayRecordExpiry`), in whole seconds. Not `async`: the cache's own promise, with
 * one `then`, is the answer; an answer already settled ends the step synchronously.
 */
export function replayStep(
  pipeline: Pipeline,
  cache: ReplayCache,
  claims: EctClaims,
  now: Instant,
): void | Promise<void> {
  let answer: Promise<boolean>;
  try {
    answer = cache.checkAndRecord({
      wid: claims.wid,
      jti: claims.jti,
      expiresAt: Math.ceil(replayRecordExpiry(claims, now.seconds, pipeline.config)),
      now: now.seconds,
    });
  } catch (cause) {
    return Promise.reject(replayCacheFailure(cause));
  }
  // An answer already settled (the in-memory cache's) is read at once: no microtask hop.
  if (isSettledPromise(answer)) return refuseReplay(settledValue(answer) as boolean);
  return Promise.resolve(answer).then(refuseReplay, rethrowReplayCacheFailure);
}

function refuseReplay(fresh: boolean): void {
  if (!fresh) {
    throw new EctError(EctErrorCodes.REPLAY, "this (wid, jti) was accepted before", { member: "jti" });
  }
}

/** The cache's own refusal (an `EctError`) as it is; anything else it threw is `ECT_REPLAY_CACHE_UNAVAILABLE`. */
function replayCacheFailure(cause: unknown): EctError {
  if (isEctError(cause)) return cause;
  return new EctError(EctErrorCodes.REPLAY_CACHE_UNAVAILABLE, "the replay cache failed", { cause });
}

function rethrowReplayCacheFailure(cause: unknown): never {
  throw replayCacheFailure(cause);
}

async function releaseReplayRecord(pipeline: Pipeline, claims: EctClaims): Promise<void> {
  try {
    await pipeline.replayCache?.release({ wid: claims.wid, jti: claims.jti });
  } catch {
    // The jti stays burnt: fail closed, and keep the refusal that brought us here.
  }
}

/** What the ledger step reached. */
export interface LedgerOutcome {
  /** 3 when an L2 token was appended; the token's own level otherwise. */
  readonly level: AssuranceLevel;
  /** The ledger's receipt, when appended. */
  readonly receipt: LedgerReceipt | undefined;
}

/**
 * Profile §5.12: L3, the append. The ledger gets the token decoded once, here (`decoded`), so it
 * does not decode it again, and the verifier's clock as the ingestion time. A refused append
 * refuses the token and releases its replay record.
 */
export async function ledgerStep(
  pipeline: Pipeline,
  ledger: Ledger,
  decoded: DecodedEct,
  claims: EctClaims,
  now: Instant,
  unresolved: Set<string>,
  wit?: string,
): Promise<LedgerOutcome> {
  let refusal: EctError;
  try {
    // The clock's own reading, floored: ledgers take integer milliseconds, and `seconds * 1000`
    // is not one for fractional clocks (or even for some integer readings, by rounding).
    // WIT-bound: the ledger keeps the WIT with the entry (profile §7, §9.4).
    const options = { now: Math.floor(now.ms), decoded, ...(wit === undefined ? {} : { wit }) };
    const result = await ledger.append(decoded.token, options);
    switch (result.status) {
      case "appended":
        for (const jti of result.unresolvedPredecessors ?? []) unresolved.add(jti);
        return { level: decoded.level === 2 ? 3 : decoded.level, receipt: result.receipt };
      case "duplicate":
        refusal = new EctError(EctErrorCodes.REPLAY, "the ledger already holds this token", {
          member: "jti",
        });
        break;
      case "conflict":
        refusal = new EctError(
          EctErrorCodes.LEDGER_CONFLICT,
          "the ledger holds a different token with this (wid, jti)",
          { member: "jti" },
        );
        break;
      case "rejected":
        refusal =
          result.violations.length > 0
            ? errorFromViolations(result.violations)
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
  await releaseReplayRecord(pipeline, claims);
  throw refusal;
}
