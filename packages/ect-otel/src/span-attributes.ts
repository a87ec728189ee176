import type { Attributes } from "@opentelemetry/api";
import type { AssuranceLevel, EctClaims } from "ect-core";

/** The span attribute names of an ECT task (profile §10). */
export const EctSpanAttributeNames = {
  /** The task id (`jti`): the join key between a trace and the audit log. */
  JTI: "ect.jti",
  /** The workflow id (`wid`), when the ECT has one. */
  WID: "ect.wid",
  /** The issuer's workload id (`iss`). */
  ISS: "ect.iss",
  /** The action performed (`exec_act`). */
  EXEC_ACT: "ect.exec_act",
  /** The assurance level reached: 1, 2, or 3 when a ledger appended the token (profile §1). */
  LEVEL: "ect.level",
} as const;

/** What a span needs from an ECT: its claims and assurance level (a `VerifiedEct` has both). */
export interface EctSpanSource {
  /** The ECT's claims. */
  readonly claims: EctClaims;
  /** The assurance level: 1, 2, or 3 once appended to a ledger. */
  readonly level: AssuranceLevel;
}

/**
 * The span attributes of an ECT task (profile §10): `ect.jti`, `ect.wid` (when present),
 * `ect.iss`, `ect.exec_act`, `ect.level`.
 *
 * @example
 * ```ts
 * span.setAttributes(ectSpanAttributes(verified));
 * ```
 */
export function ectSpanAttributes(ect: EctSpanSource): Attributes {
  const { claims } = ect;
  return {
    [EctSpanAttributeNames.JTI]: claims.jti,
    ...(claims.wid === undefined ? {} : { [EctSpanAttributeNames.WID]: claims.wid }),
    [EctSpanAttributeNames.ISS]: claims.iss,
    [EctSpanAttributeNames.EXEC_ACT]: claims.exec_act,
    [EctSpanAttributeNames.LEVEL]: ect.level,
  };
}
