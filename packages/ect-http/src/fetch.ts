import { EctConfigError, EXECUTION_CONTEXT_HEADER, formatExecutionContextHeader } from "ect-core";
import { checkDeclaredLength, DEFAULT_MAX_BODY_BYTES, readStreamLimited } from "./body.js";
import { type EctHttpRefusal, refusalHeaders } from "./problem.js";
import type { InitWithExecutionContext, WithHeadersInit } from "./request-init.js";
import {
  checkExecutionContextOptions,
  type ExecutionContextOptions,
  type ExecutionContextResult,
  type ReceivedExecutionContext,
  receiveExecutionContext,
} from "./verify-execution-context.js";
import {
  type ReceivedWorkloadIdentity,
  targetUri,
  WORKLOAD_IDENTITY_TOKEN_HEADER,
  WORKLOAD_PROOF_TOKEN_HEADER,
} from "./workload-identity.js";

/**
 * Reads and verifies the `Execution-Context` of a fetch `Request` (server side) or `Response`
 * (client side: SPEC 8 "a response may carry the callee's ECT"). Reads the body once (at most
 * `maxBodyBytes`) and returns its bytes with the verified tokens, or the refusal.
 *
 * @example
 * ```ts
 * const res = await fetch(url, withExecutionContext({ method: "POST", body }, myEct));
 * const received = await readExecutionContext(res, { verifier });
 * if (received.ok) console.log(received.value.ects[0]?.claims.exec_act);
 * ```
 *
 * The promise rejects with an {@link EctConfigError} for an option mistake (never a refusal).
 */
export async function readExecutionContext(
  message: Request | Response,
  options: ExecutionContextOptions,
): Promise<ExecutionContextResult> {
  checkExecutionContextOptions(options);
  return receiveFetchExecutionContext(message, options);
}

/** {@link readExecutionContext} with options checked at construction. */
function receiveFetchExecutionContext(
  message: Request | Response,
  options: ExecutionContextOptions,
): Promise<ExecutionContextResult> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return receiveExecutionContext(
    options,
    message.headers.get(EXECUTION_CONTEXT_HEADER),
    async () => {
      checkDeclaredLength(message.headers.get("content-length"), maxBodyBytes);
      return readStreamLimited(message.body, maxBodyBytes);
    },
    workloadOf(message, options),
  );
}

/** With `workloadIdentity`, a request's WIT/WPT header fields and target URI (profile §9). */
function workloadOf(
  message: Request | Response,
  options: ExecutionContextOptions,
): ReceivedWorkloadIdentity | undefined {
  const identity = options.workloadIdentity;
  if (identity === undefined) return undefined;
  if (!(message instanceof Request)) {
    throw new EctConfigError(
      "workloadIdentity",
      "applies only to requests a server receives, not to a Response",
    );
  }
  const lines = (name: string) => {
    const value = message.headers.get(name);
    return value === null ? [] : [value];
  };
  const { pathname, search } = new URL(message.url);
  return {
    wit: lines(WORKLOAD_IDENTITY_TOKEN_HEADER),
    wpt: lines(WORKLOAD_PROOF_TOKEN_HEADER),
    // The configured origin, never the request's Host (draft-ietf-wimse-wpt audience validation).
    request: { url: targetUri(identity.origin, `${pathname}${search}`), headers: message.headers },
  };
}

/** A fetch-style handler that receives the verified context next to the request. */
export type EctFetchHandler = (
  request: Request,
  context: ReceivedExecutionContext,
) => Response | Promise<Response>;

/**
 * The fetch `Response` for a refusal: its status, `application/problem+json` body (RFC 9457) with
 * the error `code` and `Cache-Control: no-store`.
 */
export function problemResponse(refusal: EctHttpRefusal): Response {
  return new Response(JSON.stringify(refusal.problem), {
    status: refusal.status,
    headers: refusalHeaders(refusal),
  });
}

/**
 * Wraps a fetch-style handler (`(request) => Response`, as used by Deno, Bun, Cloudflare Workers,
 * Hono and Node through `ect-http/node`'s `serveFetchHandler`): the `Execution-Context` is verified
 * first, a refusal is answered with its problem document, and the handler gets the verified tokens
 * and the exact body bytes (the request body is consumed; read `context.body`).
 *
 * @example
 * ```ts
 * const handle = createEctFetchHandler(async (request, { ects, body, bodyHash }) => {
 *   return new Response("done");
 * }, { verifier, bodyHashClaim: "out_hash" });
 * ```
 *
 * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for an unknown or
 *   invalid option, at construction.
 */
export function createEctFetchHandler(
  handler: EctFetchHandler,
  options: ExecutionContextOptions,
): (request: Request) => Promise<Response> {
  checkExecutionContextOptions(options);
  return async (request) => {
    const received = await receiveFetchExecutionContext(request, options);
    if (!received.ok) return problemResponse(received.error);
    return handler(request, received.value);
  };
}

/**
 * Returns a copy of a `RequestInit` or `ResponseInit` whose headers carry the ECT(s) in
 * `Execution-Context` (SPEC 8), replacing any value already there. Several tokens are sent as one
 * comma-separated field line.
 *
 * @throws `EctError` `ECT_HEADER_INVALID` when a token is not a compact serialisation (so a
 *   header-injection attempt cannot be sent).
 * @example
 * ```ts
 * await fetch(url, withExecutionContext({ method: "POST", body }, [ectA, ectB]));
 * return new Response(out, withExecutionContext({ status: 200 }, myEct));
 * ```
 */
export function withExecutionContext<T extends object>(
  init: T & WithHeadersInit,
  tokens: string | readonly string[],
): InitWithExecutionContext<T> {
  const headers = new Headers(init.headers);
  headers.set(EXECUTION_CONTEXT_HEADER, formatExecutionContextHeader(tokens));
  return { ...init, headers };
}

/**
 * A plain header record `{ "Execution-Context": value }` for clients that take objects (node:http
 * `request`, undici, axios).
 *
 * @throws `EctError` `ECT_HEADER_INVALID` when a token is not a compact serialisation.
 */
export function executionContextHeaders(tokens: string | readonly string[]): Record<string, string> {
  return { [EXECUTION_CONTEXT_HEADER]: formatExecutionContextHeader(tokens) };
}
