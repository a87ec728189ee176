/**
 * `ect-wimse`: ECTs bound to their sender's WIMSE workload identity (profile §9). Verifies
 * Workload Identity Tokens (`verifyWit`, draft-ietf-wimse-workload-creds) against trust anchors
 * per trust domain, Workload Proof Tokens (`verifyWpt`, draft-ietf-wimse-wpt) against the WIT and
 * the request, and ECTs signed with the WIT's key (`createWorkloadEctVerifier`); makes WPTs
 * (`createWpt`); re-verifies ledger entries with their stored WIT (`createWitAuditVerifier`).
 * Runs in any runtime: this entry imports no `node:` module. Minting helpers for tests and local
 * development (an identity server) live in `ect-wimse/testing`.
 *
 * @packageDocumentation
 */
export { createWitAuditVerifier, type WitAuditContext, type WitAuditVerifierOptions } from "./audit.js";
export {
  type CreateWptOptions,
  createWpt,
  createWptFactory,
  type WorkloadSigningKey,
} from "./create-wpt.js";
export {
  WORKLOAD_IDENTITY_TOKEN_HEADER,
  WORKLOAD_PROOF_TOKEN_HEADER,
} from "./headers.js";
export { type HeaderFields, targetUriWithoutQuery, type WorkloadRequest } from "./request.js";
export type { TrustAnchors } from "./trust-anchors.js";
export {
  trustDomainOf,
  type VerifiedWit,
  type VerifyWitOptions,
  verifyWit,
  WIT_TYP,
  type WitHeader,
} from "./wit.js";
export {
  createWorkloadEctVerifier,
  type VerifiedWorkloadEct,
  type VerifiedWorkloadRequest,
  type WorkloadEctInput,
  type WorkloadEctVerifier,
  type WorkloadEctVerifierOptions,
  type WorkloadRequestInput,
} from "./workload-verifier.js";
export {
  EXECUTION_CONTEXT_OTH,
  TXN_TOKEN_HEADER,
  type VerifiedWpt,
  type VerifyWptOptions,
  verifyWpt,
  WPT_TYP,
} from "./wpt.js";
