import {
  type EctConfig,
  EctConfigError,
  EctError,
  EctErrorCodes,
  isEctError,
  type Result,
  type VerifiedEct,
} from "ect-core";
import { assertKnownOptions, err } from "ect-core/internal";
import { createAuditVerifier } from "ect-crypto";
import { checkTrustAnchors, type TrustAnchors } from "./trust-anchors.js";
import { verifyWit } from "./wit.js";

/** Options of {@link createWitAuditVerifier}. */
export interface WitAuditVerifierOptions {
  /** The keys trusted to sign WITs, per trust domain, as they were at ingestion (profile §9.4). */
  readonly trustAnchors: TrustAnchors;
  /** Profile §4 settings (clock skew, max token length, max `pred` length). */
  readonly config?: Partial<EctConfig>;
  /**
   * For entries stored without a WIT (accepted by a resolver-based verifier): the audit verifier
   * to use instead, e.g. `ect-crypto`'s `createAuditVerifier({ keys })`. Without it such an entry
   * fails with `ECT_WIT_MISSING`.
   */
  readonly withoutWit?: (
    token: string,
    context: { readonly ingestedAt: number },
  ) => Promise<Result<VerifiedEct, EctError>>;
}

/** What a ledger audit hands the verifier for one entry. */
export interface WitAuditContext {
  /** The entry's ingestion time, milliseconds since the epoch. */
  readonly ingestedAt: number;
  /** The WIT stored with the entry (profile §7 leaf input), `null`/absent when it was accepted on none. */
  readonly wit?: string | null | undefined;
}

/**
 * An audit token verifier (profile §5.11, §9.4) for ledger entries accepted on a WIT: it verifies
 * the entry's stored WIT against `trustAnchors` as of the entry's `ingestedAt` (valid then, not
 * now), then re-verifies the ECT in audit mode with the WIT's `cnf.jwk` (signature, header and
 * claim rules, `iss` = the WIT's `sub`). An entry without a WIT fails (`ECT_WIT_MISSING`).
 *
 * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for an unknown or
 *   invalid option, at construction.
 */
export function createWitAuditVerifier(
  options: WitAuditVerifierOptions,
): (token: string, context: WitAuditContext) => Promise<Result<VerifiedEct, EctError>> {
  assertKnownOptions(options, ["trustAnchors", "config", "withoutWit"]);
  const { trustAnchors, config, withoutWit } = options;
  checkTrustAnchors(trustAnchors);
  if (withoutWit !== undefined && typeof withoutWit !== "function") {
    throw new EctConfigError("withoutWit", "must be an audit token verifier (a function)");
  }
  const ectAudit = createAuditVerifier({
    keyBinding: "confirmation",
    ...(config === undefined ? {} : { config }),
  });
  return async (token, context) => {
    const wit = context?.wit;
    if ((wit === null || wit === undefined) && withoutWit !== undefined) {
      return withoutWit(token, { ingestedAt: context.ingestedAt });
    }
    if (typeof wit !== "string" || wit.length === 0) {
      return err(
        new EctError(EctErrorCodes.WIT_MISSING, "the entry was not stored with a WIT", { member: "wit" }),
      );
    }
    try {
      const verifiedWit = await verifyWit(wit, {
        trustAnchors,
        now: context.ingestedAt,
        ...(config?.clockSkewSec === undefined ? {} : { clockSkewSec: config.clockSkewSec }),
        ...(config?.maxTokenLength === undefined ? {} : { maxTokenLength: config.maxTokenLength }),
      });
      return await ectAudit(token, {
        ingestedAt: context.ingestedAt,
        confirmationKey: verifiedWit.confirmationKey,
      });
    } catch (error) {
      if (isEctError(error)) return err(error);
      throw error;
    }
  };
}
