import {
  EctError,
  EctErrorCodes,
  EXECUTION_CONTEXT_HEADER,
  formatExecutionContextHeader,
  type VerifiedEct,
} from "ect-core";
import type { InitWithExecutionContext, WithHeadersInit } from "./request-init.js";

/** The header field carrying the sender's WIT (draft-ietf-wimse-workload-creds, profile §9). */
export const WORKLOAD_IDENTITY_TOKEN_HEADER = "Workload-Identity-Token";

/** The header field carrying the WPT (draft-ietf-wimse-wpt, profile §9). */
export const WORKLOAD_PROOF_TOKEN_HEADER = "Workload-Proof-Token";

/** The `oth` name under which a WPT covers the `Execution-Context` header (profile §8, §9.3). */
const EXECUTION_CONTEXT_OTH = EXECUTION_CONTEXT_HEADER.toLowerCase();

/** The request a WPT is checked against: the target URI and the header fields. */
export interface WorkloadHttpRequest {
  /** The target URI: the receiver's configured origin followed by the request's path and query. */
  readonly url: string;
  /** Header fields; in a record an array lists one value per field line. */
  readonly headers: Headers | Readonly<Record<string, string | readonly string[] | undefined>>;
}

/**
 * What the HTTP layer needs from a WIT-bound verifier (profile §9): verify the ECTs of one request
 * with the WIT and WPT it carries. `ect-wimse`'s `createWorkloadEctVerifier` returns one; `ect-http`
 * does not depend on it. A WIT/WPT refusal must throw an `EctError` with an `ECT_WIT_*`/`ECT_WPT_*`
 * code (answered 400), an ECT refusal any other code (answered 403).
 */
export interface WorkloadRequestVerifier {
  /** Verifies the WIT, the WPT once, then every ECT with the WIT's key; throws an `EctError`. */
  verifyRequest(input: {
    /** The ECTs of the `Execution-Context` header, in order. */
    readonly ects: readonly string[];
    /** The `Workload-Identity-Token` value. */
    readonly wit: string;
    /** The `Workload-Proof-Token` value, if the request carries one. */
    readonly wpt?: string;
    /** The request the tokens came with. */
    readonly request: WorkloadHttpRequest;
  }): Promise<WorkloadRequestVerification>;
}

/** What a {@link WorkloadRequestVerifier} returns for a request it accepted. */
export interface WorkloadRequestVerification {
  /** The verified ECTs, in the order of the header. */
  readonly ects: readonly VerifiedEct[];
}

/** Receiver option: require WIT (+ WPT) and verify the ECTs against them (profile §9). */
export interface WorkloadIdentityOptions {
  /** The WIT-bound verifier, e.g. `ect-wimse`'s `createWorkloadEctVerifier(...)`. */
  readonly verifier: WorkloadRequestVerifier;
  /**
   * This receiver's own origin (`https://agent-b.example.com`), from configuration: a WPT's `aud`
   * is checked against it plus the request path, never against the request's `Host` header
   * (draft-ietf-wimse-wpt, audience validation).
   */
  readonly origin: string;
}

/** The workload-identity parts of a received request, as the adapters read them. */
export interface ReceivedWorkloadIdentity {
  /** The `Workload-Identity-Token` field lines. */
  readonly wit: readonly string[];
  /** The `Workload-Proof-Token` field lines. */
  readonly wpt: readonly string[];
  /** The request, for the WPT's `aud`, `ath`, `tth`, `oth`. */
  readonly request: WorkloadHttpRequest;
}

/** The target URI of a request path on the configured origin (no trailing slash doubling). */
export function targetUri(origin: string, pathAndQuery: string): string {
  const base = origin.endsWith("/") ? origin.slice(0, -1) : origin;
  return `${base}${pathAndQuery.startsWith("/") ? pathAndQuery : `/${pathAndQuery}`}`;
}

/**
 * The single value of a WIT/WPT header, `undefined` when absent; several field lines are a
 * malformed request (each header carries exactly one token).
 *
 * @throws {@link EctError} `ECT_WIT_INVALID` / `ECT_WPT_INVALID`
 */
export function singleTokenHeader(
  lines: readonly string[],
  code: typeof EctErrorCodes.WIT_INVALID | typeof EctErrorCodes.WPT_INVALID,
  name: string,
): string | undefined {
  if (lines.length === 0) return undefined;
  const value = lines[0]!.trim();
  if (lines.length > 1 || value.includes(",")) {
    throw new EctError(code, `the ${name} header must carry exactly one token`, { member: name });
  }
  return value === "" ? undefined : value;
}

/**
 * Verifies one request's ECTs against its WIT and WPT with the configured verifier: a missing WIT
 * is `ECT_WIT_MISSING` (400, profile §9.5).
 *
 * @throws {@link EctError} the verifier's refusal.
 */
export async function verifyWorkloadRequest(
  options: WorkloadIdentityOptions,
  received: ReceivedWorkloadIdentity,
  ects: readonly string[],
): Promise<readonly VerifiedEct[]> {
  const wit = singleTokenHeader(received.wit, EctErrorCodes.WIT_INVALID, WORKLOAD_IDENTITY_TOKEN_HEADER);
  const wpt = singleTokenHeader(received.wpt, EctErrorCodes.WPT_INVALID, WORKLOAD_PROOF_TOKEN_HEADER);
  if (wit === undefined) {
    throw new EctError(EctErrorCodes.WIT_MISSING, "the Workload-Identity-Token header is required", {
      member: WORKLOAD_IDENTITY_TOKEN_HEADER,
    });
  }
  const result = await options.verifier.verifyRequest({
    ects,
    wit,
    ...(wpt === undefined ? {} : { wpt }),
    request: received.request,
  });
  return result.ects;
}

/**
 * Makes the WPT of one request: receives the target URI and the header fields it must cover, and
 * returns the compact WPT. `ect-wimse`'s `createWpt({ wit, key, ...input })` is one.
 */
export type WorkloadProofFactory = (input: {
  /** The request's target URI (`aud` is it without query and fragment). */
  readonly url: string;
  /** Header fields to cover in `oth`: `{ "execution-context": <the exact value sent> }`. */
  readonly cover: Readonly<Record<string, string>>;
}) => Promise<string>;

/** What a WIMSE workload attaches to each request (profile §9). */
export interface WorkloadIdentityAttachment {
  /** Its WIT. */
  readonly wit: string;
  /** Makes the WPT for each request (with `oth` covering `execution-context`). */
  readonly proof: WorkloadProofFactory;
}

/**
 * The three header fields of a WIMSE request (profile §8, §9): `Execution-Context` (the ECTs, one
 * field line), `Workload-Identity-Token` and a fresh `Workload-Proof-Token` whose `oth` covers
 * the exact `Execution-Context` value sent, so the ECT cannot be swapped under the proof.
 *
 * @throws `EctError` `ECT_HEADER_INVALID` when a token is not a compact serialisation.
 */
export async function workloadIdentityHeaders(
  url: string,
  tokens: string | readonly string[],
  attachment: WorkloadIdentityAttachment,
): Promise<Record<string, string>> {
  const executionContext = formatExecutionContextHeader(tokens);
  const wpt = await attachment.proof({ url, cover: { [EXECUTION_CONTEXT_OTH]: executionContext } });
  for (const [name, value] of [
    [WORKLOAD_IDENTITY_TOKEN_HEADER, attachment.wit],
    [WORKLOAD_PROOF_TOKEN_HEADER, wpt],
  ] as const) {
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(value)) {
      throw new EctError(EctErrorCodes.HEADER_INVALID, `the ${name} value is not a compact JWS`, {
        member: name,
      });
    }
  }
  return {
    [EXECUTION_CONTEXT_HEADER]: executionContext,
    [WORKLOAD_IDENTITY_TOKEN_HEADER]: attachment.wit,
    [WORKLOAD_PROOF_TOKEN_HEADER]: wpt,
  };
}

/**
 * Returns a copy of a `RequestInit` whose headers carry the ECT(s), the WIT and a WPT covering the
 * `Execution-Context` value (see {@link workloadIdentityHeaders}).
 *
 * @example
 * ```ts
 * const init = await withWorkloadIdentity(url, { method: "POST", body }, ect, {
 *   wit, proof: (input) => createWpt({ wit, key, ...input }),
 * });
 * await fetch(url, init);
 * ```
 * @throws `EctError` `ECT_HEADER_INVALID` when a token is not a compact serialisation.
 */
export async function withWorkloadIdentity<T extends object>(
  url: string,
  init: T & WithHeadersInit,
  tokens: string | readonly string[],
  attachment: WorkloadIdentityAttachment,
): Promise<InitWithExecutionContext<T>> {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(await workloadIdentityHeaders(url, tokens, attachment))) {
    headers.set(name, value);
  }
  return { ...init, headers };
}
