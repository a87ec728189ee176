import type { VerifiedEct } from "ect-core";

/**
 * What ect-mcp needs from a verifier: one method that verifies a token and returns it verified or
 * throws an `EctError`. `ect-crypto`'s `createEctVerifier` returns one; so can a WIMSE-bound
 * verifier or one with a ledger (level 3) and DAG checks: they plug in unchanged.
 */
export interface EctTokenVerifier {
  /**
   * Verifies one token (profile §5) and returns it verified.
   *
   * @throws an `EctError` carrying the refusal code
   */
  verify(token: string): Promise<VerifiedEct>;
}

/** What a {@link EctToolCallVerifier} is given for one tool call. */
export interface EctToolCallInput {
  /** The ECT from `params._meta["wimse-ect/execution-context"]`. */
  readonly token: string;
  /** The tool's name, as requested. */
  readonly toolName: string;
  /** The request's `params._meta` (other members such as `traceparent` included). */
  readonly meta: Readonly<Record<string, unknown>>;
  /**
   * The HTTP request headers the call came with, on Streamable HTTP (lower-case names); `undefined`
   * on stdio. A WIMSE-bound verifier reads the `Workload-Identity-Token` here (profile §9).
   */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>> | undefined;
}

/**
 * A verifier that needs more than the token: the tool call's `_meta` and, over HTTP, its request
 * headers. Use it for checks bound to the transport, such as WIMSE workload identity (profile §9):
 * `{ verifyToolCall: ({ token, headers }) => workload.verify({ ect: token, wit: headers?.["workload-identity-token"] }) }`.
 */
export interface EctToolCallVerifier {
  /**
   * Verifies one tool call's ECT (profile §5, §10) and returns it verified.
   *
   * @throws an `EctError` carrying the refusal code
   */
  verifyToolCall(call: EctToolCallInput): Promise<VerifiedEct>;
}

/** What ect-mcp needs from a ledger: append a token the caller created (profile §7). */
export interface EctAppendTarget {
  /** Appends `token`; ect-mcp requires the status `"appended"`. */
  append(token: string): Promise<{
    /** `"appended"` when the token is new and stored. */
    readonly status: string;
  }>;
}
