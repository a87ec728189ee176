/**
 * `ect-http`: the `Execution-Context` HTTP transport for ECTs (SPEC 8), for fetch `Request` /
 * `Response` in any runtime. Receivers verify the header with any verifier (e.g. `ect-crypto`'s
 * `createEctVerifier`) and refuse with RFC 9457 problem documents carrying the error code; senders
 * attach ECTs and hash the exact body bytes. The node:http adapter lives in `ect-http/node`.
 *
 * This entry point imports no `node:` module.
 *
 * @packageDocumentation
 */
export { BodyTooLargeError, DEFAULT_MAX_BODY_BYTES, type PreparedBody, prepareBody } from "./body.js";
export {
  createEctFetchHandler,
  type EctFetchHandler,
  executionContextHeaders,
  problemResponse,
  readExecutionContext,
  withExecutionContext,
} from "./fetch.js";
export {
  buildProblem,
  type EctHttpRefusal,
  type EctProblem,
  PROBLEM_JSON_MEDIA_TYPE,
  type ProblemOptions,
  refusalFromError,
  refusalHeaders,
  statusForEctErrorCode,
} from "./problem.js";
export type { InitWithExecutionContext, WithHeadersInit } from "./request-init.js";
export type { EctTokenVerifier } from "./token-verifier.js";
export {
  type BodyHashClaim,
  type ExecutionContextInput,
  type ExecutionContextOptions,
  type ExecutionContextResult,
  type ReceivedExecutionContext,
  verifyExecutionContext,
} from "./verify-execution-context.js";
export {
  type ReceivedWorkloadIdentity,
  WORKLOAD_IDENTITY_TOKEN_HEADER,
  WORKLOAD_PROOF_TOKEN_HEADER,
  type WorkloadHttpRequest,
  type WorkloadIdentityAttachment,
  type WorkloadIdentityOptions,
  type WorkloadProofFactory,
  type WorkloadRequestVerification,
  type WorkloadRequestVerifier,
  withWorkloadIdentity,
  workloadIdentityHeaders,
} from "./workload-identity.js";
