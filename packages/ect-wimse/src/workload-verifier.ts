import {
  type Clock,
  EctConfigError,
  EctError,
  EctErrorCodes,
  isEctError,
  type ReplayCache,
  type Result,
  type VerifiedEct,
} from "ect-core";
import { booleanOption, err, integerOption, ok } from "ect-core/internal";
import { createEctVerifier, MemoryReplayCache, type VerifyEctOptions } from "ect-crypto";
import type { WorkloadRequest } from "./request.js";
import { checkTrustAnchors, type TrustAnchors } from "./trust-anchors.js";
import { type VerifiedWit, verifyWit } from "./wit.js";
import { type VerifiedWpt, verifyWpt } from "./wpt.js";

/** Options of {@link createWorkloadEctVerifier}. */
export interface WorkloadEctVerifierOptions
  extends Omit<VerifyEctOptions, "keys" | "keyBinding" | "algorithms" | "clock"> {
  /** The keys trusted to sign WITs, per trust domain (profile §9.1). */
  readonly trustAnchors: TrustAnchors;
  /** Milliseconds since the epoch, like `Date.now` (the default): WIT, WPT and ECT time checks. */
  readonly clock?: Clock;
  /** Refuse a call without a WPT (`ECT_WPT_MISSING`). Default `true`. */
  readonly requireWpt?: boolean;
  /**
   * Header fields a WPT's `oth` must cover (profile §9.3), e.g. `["execution-context"]` so the ECT
   * header cannot be swapped under a valid WPT. Default none.
   */
  readonly requireOth?: readonly string[];
  /** `oth` names understood (default `["execution-context"]`); any other name is refused. */
  readonly othHeaders?: readonly string[];
  /** WPT `jti` replay cache; default a {@link MemoryReplayCache} of `config.jtiReplayCacheSize` entries. */
  readonly wptReplayCache?: ReplayCache;
  /** Longest a WPT may still be valid, seconds (default 3600). */
  readonly wptMaxLifetimeSec?: number;
}

/** What {@link WorkloadEctVerifier.verify} checks: the ECT with the WIT (and WPT) it came with. */
export interface WorkloadEctInput {
  /** The ECT (one token of the `Execution-Context` header). */
  readonly ect: string;
  /** The `Workload-Identity-Token` header value. */
  readonly wit: string;
  /** The `Workload-Proof-Token` header value, if any. */
  readonly wpt?: string;
  /** The request the tokens came with; required with a WPT (its `aud`, `ath`, `tth`, `oth`). */
  readonly request?: WorkloadRequest;
}

/** What {@link WorkloadEctVerifier.verifyRequest} checks: every ECT of one request, with its WIT and WPT. */
export interface WorkloadRequestInput {
  /** The ECTs of the `Execution-Context` header, in order. */
  readonly ects: readonly string[];
  /** The `Workload-Identity-Token` header value. */
  readonly wit: string;
  /** The `Workload-Proof-Token` header value, if any. */
  readonly wpt?: string;
  /** The request the tokens came with. */
  readonly request: WorkloadRequest;
}

/** A request whose WIT, WPT and every ECT passed {@link WorkloadEctVerifier.verifyRequest}. */
export interface VerifiedWorkloadRequest {
  /** The verified ECTs, in order. */
  readonly ects: readonly VerifiedWorkloadEct[];
  /** The verified WIT. */
  readonly wit: VerifiedWit;
  /** The verified WPT, when the request carried one. */
  readonly wpt: VerifiedWpt | undefined;
}

/** A WIT-bound ECT that passed {@link WorkloadEctVerifier.verify}, with the WIT (and WPT) it was accepted on. */
export interface VerifiedWorkloadEct extends VerifiedEct {
  /** The verified WIT: `wit.subject` is the ECT's `iss`. */
  readonly wit: VerifiedWit;
  /** The verified WPT, when one came with the ECT. */
  readonly wpt: VerifiedWpt | undefined;
}

/** A verifier built once by {@link createWorkloadEctVerifier}. */
export interface WorkloadEctVerifier {
  /**
   * Runs profile §9 (WIT, then WPT) and then every step of profile §5 on the ECT with the WIT's key.
   *
   * @throws {@link EctError} with the code of the first failed step.
   */
  verify(input: WorkloadEctInput): Promise<VerifiedWorkloadEct>;
  /** Like {@link WorkloadEctVerifier.verify}, returning a `Result` instead of throwing an `EctError`. */
  safeVerify(input: WorkloadEctInput): Promise<Result<VerifiedWorkloadEct, EctError>>;
  /**
   * Verifies one request carrying several ECTs: the WIT, the WPT once (its `jti` is recorded once),
   * then each ECT in order with the WIT's key. `ect-http`'s `workloadIdentity` option calls it.
   *
   * @throws {@link EctError} with the code of the first failed step.
   */
  verifyRequest(input: WorkloadRequestInput): Promise<VerifiedWorkloadRequest>;
}

/**
 * Builds a verifier of ECTs bound to their sender's WIMSE workload identity (profile §9). Each
 * `verify({ ect, wit, wpt, request })`:
 *
 * 1. verifies the WIT against `trustAnchors` (`verifyWit`, profile §9.1);
 * 2. verifies the WPT against the WIT and the request (`verifyWpt`, profile §9.3), or refuses a
 *    call without one (`ECT_WPT_MISSING`) unless `requireWpt: false`;
 * 3. verifies the ECT with every step of profile §5, the key step in WIT-bound mode: the key is the
 *    WIT's `cnf.jwk`, `iss` must equal the WIT's `sub` (`ECT_WIT_SUBJECT_MISMATCH`), `alg` must
 *    equal `cnf.jwk.alg` (`ECT_WIT_ALG_MISMATCH`; the ES256-only default allowlist does not
 *    apply), and `kid` may be absent or must be the key's RFC 7638 thumbprint
 *    (`ECT_WIT_KID_MISMATCH`). With a `ledger`, the WIT is stored with the entry (profile §7).
 *
 * @example
 * ```ts
 * const verifier = createWorkloadEctVerifier({ verifierId: "wimse://example.com/b", trustAnchors });
 * const { claims, wit } = await verifier.verify({ ect, wit: witHeader, wpt: wptHeader, request });
 * ```
 * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) at construction for an
 *   unknown or invalid option (as `createEctVerifier`, plus trust anchors); `verify` rejects with
 *   one for a call without the request its WPT needs (never a refusal).
 */
export function createWorkloadEctVerifier(options: WorkloadEctVerifierOptions): WorkloadEctVerifier {
  if (options === null || typeof options !== "object") {
    throw new EctConfigError("options", "must be an object", { received: options });
  }
  const {
    trustAnchors,
    requireWpt = true,
    requireOth,
    othHeaders,
    wptReplayCache,
    wptMaxLifetimeSec,
    ...ectOptions
  } = options;
  checkTrustAnchors(trustAnchors);
  booleanOption(requireWpt, true, "requireWpt");
  integerOption(wptMaxLifetimeSec, undefined, "wptMaxLifetimeSec", 1);
  for (const key of ["keys", "keyBinding", "algorithms"]) {
    if (Object.hasOwn(options, key)) {
      throw new EctConfigError(
        key,
        "does not apply: the WIT's cnf.jwk is the key and decides the alg (profile §9.2)",
      );
    }
  }
  const ectVerifier = createEctVerifier({ ...ectOptions, keyBinding: "confirmation" });
  const clock = ectOptions.clock ?? Date.now;
  const config = ectOptions.config;
  const wptCache = wptReplayCache ?? new MemoryReplayCache({ ...(config === undefined ? {} : { config }) });
  const skew = config?.clockSkewSec;
  const maxTokenLength = config?.maxTokenLength;
  // Option mistakes surface now, not on the first request.
  if (wptReplayCache !== undefined && typeof wptReplayCache?.checkAndRecord !== "function") {
    throw new EctConfigError("wptReplayCache", "must implement ReplayCache (checkAndRecord)");
  }

  /** Profile §9.1 and §9.3: the WIT, then the WPT (or its absence, when allowed). */
  async function verifyIdentity(
    input: Omit<WorkloadEctInput, "ect">,
  ): Promise<{ wit: VerifiedWit; wpt: VerifiedWpt | undefined }> {
    if (input === null || typeof input !== "object") {
      throw new EctConfigError("input", "must be { ect, wit, wpt?, request? }", { received: input });
    }
    const { wit, wpt, request } = input;
    if (typeof wit !== "string" || wit.length === 0) {
      throw new EctError(EctErrorCodes.WIT_MISSING, "a Workload-Identity-Token is required", {
        member: "wit",
      });
    }
    const shared = {
      now: clock,
      ...(skew === undefined ? {} : { clockSkewSec: skew }),
      ...(maxTokenLength === undefined ? {} : { maxTokenLength }),
    };
    const verifiedWit = await verifyWit(wit, { trustAnchors, ...shared });
    let verifiedWpt: VerifiedWpt | undefined;
    if (wpt === undefined || wpt === "") {
      if (requireWpt) {
        throw new EctError(EctErrorCodes.WPT_MISSING, "a Workload-Proof-Token is required", {
          member: "wpt",
        });
      }
    } else {
      if (request === undefined) {
        throw new EctConfigError("request", "is required to verify a WPT: the request it came with");
      }
      verifiedWpt = await verifyWpt(wpt, {
        wit: verifiedWit,
        request,
        replayCache: wptCache,
        ...shared,
        ...(requireOth === undefined ? {} : { requireOth }),
        ...(othHeaders === undefined ? {} : { othHeaders }),
        ...(wptMaxLifetimeSec === undefined ? {} : { maxLifetimeSec: wptMaxLifetimeSec }),
      });
    }
    return { wit: verifiedWit, wpt: verifiedWpt };
  }

  /** Profile §5 on one ECT, the key step bound to the verified WIT (profile §9.2). */
  async function verifyBound(
    ect: string,
    identity: { wit: VerifiedWit; wpt: VerifiedWpt | undefined },
  ): Promise<VerifiedWorkloadEct> {
    const verified = await ectVerifier.verify(ect, { confirmationKey: identity.wit.confirmationKey });
    return Object.freeze({ ...verified, wit: identity.wit, wpt: identity.wpt });
  }

  async function verify(input: WorkloadEctInput): Promise<VerifiedWorkloadEct> {
    const identity = await verifyIdentity(input);
    return verifyBound(input.ect, identity);
  }

  async function verifyRequest(input: WorkloadRequestInput): Promise<VerifiedWorkloadRequest> {
    const identity = await verifyIdentity(input);
    if (!Array.isArray(input.ects)) {
      throw new EctConfigError("ects", "must be an array of tokens", { received: input.ects });
    }
    const ects: VerifiedWorkloadEct[] = [];
    for (const ect of input.ects) ects.push(await verifyBound(ect, identity));
    return Object.freeze({ ects: Object.freeze(ects), ...identity });
  }

  return Object.freeze({
    verify,
    verifyRequest,
    safeVerify: (input: WorkloadEctInput) =>
      Promise.resolve()
        .then(() => verify(input))
        .then(
          (value) => ok(value),
          (error: unknown) => {
            if (isEctError(error)) return err(error);
            throw error;
          },
        ),
  });
}
