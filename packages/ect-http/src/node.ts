/**
 * `ect-http/node`: the `Execution-Context` transport (SPEC 8) for `node:http` servers and clients,
 * and a bridge that serves fetch-style handlers through `node:http`.
 *
 * @packageDocumentation
 */
import type { IncomingMessage, OutgoingMessage, RequestListener, ServerResponse } from "node:http";
import { EXECUTION_CONTEXT_HEADER, formatExecutionContextHeader } from "ect-core";
import { assertKnownOptions, integerOption } from "ect-core/internal";
import { BodyTooLargeError, checkDeclaredLength, concatChunks, DEFAULT_MAX_BODY_BYTES } from "./body.js";
import { buildProblem, type EctHttpRefusal, refusalHeaders } from "./problem.js";
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

/** Options of {@link readNodeBody}. */
export interface ReadNodeBodyOptions {
  /** Most bytes read before throwing {@link BodyTooLargeError} (default 1 MiB). */
  readonly maxBodyBytes?: number;
}

/**
 * Reads the whole body of a `node:http` message (a server's request or a client's response), at
 * most `maxBodyBytes`. Past the limit it stops reading and throws {@link BodyTooLargeError}; the
 * caller answers 413 with `Connection: close`.
 */
export function readNodeBody(
  message: IncomingMessage,
  options: ReadNodeBodyOptions = {},
): Promise<Uint8Array> {
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return new Promise<Uint8Array>((resolve, reject) => {
    try {
      checkDeclaredLength(message.headers["content-length"], maxBytes);
    } catch (error) {
      message.resume();
      reject(error);
      return;
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    let settled = false;
    // The listeners stay on the message once it is settled (it is finished: nothing keeps them
    // alive, and a late "error" is swallowed rather than thrown); only "data" is removed on a 413.
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      message.off("data", onData);
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > maxBytes) {
        fail(new BodyTooLargeError(maxBytes));
        // Stop buffering; let the remainder drain into nothing while the 413 goes out.
        message.resume();
        return;
      }
      chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    };
    message.on("data", onData);
    message.on("end", () => {
      if (settled) return;
      settled = true;
      resolve(concatChunks(chunks, total));
    });
    message.on("error", fail);
    message.on("aborted", () => {
      if (!settled) fail(new Error("the message was aborted before its end"));
    });
  });
}

/**
 * Reads and verifies the `Execution-Context` of a `node:http` message: a server's
 * `IncomingMessage` request, or the `IncomingMessage` response a client received (SPEC 8: "a
 * response may carry the callee's ECT"). Several field lines are read separately and joined.
 * Reads the body once and returns its bytes with the verified tokens, or the refusal.
 *
 * The promise rejects with an {@link EctConfigError} for an option mistake (never a refusal).
 */
export function readNodeExecutionContext(
  message: IncomingMessage,
  options: ExecutionContextOptions,
): Promise<ExecutionContextResult> {
  try {
    checkExecutionContextOptions(options);
  } catch (error) {
    return Promise.reject(error); // a programming error, never a refusal (profile §5)
  }
  return receiveNodeExecutionContext(message, options);
}

/** {@link readNodeExecutionContext} with options checked at construction. */
function receiveNodeExecutionContext(
  message: IncomingMessage,
  options: ExecutionContextOptions,
): Promise<ExecutionContextResult> {
  return receiveExecutionContext(
    options,
    fieldLines(message.rawHeaders, EXECUTION_CONTEXT_FIELD),
    () => readNodeBody(message, options),
    nodeWorkloadOf(message, options),
  );
}

const EXECUTION_CONTEXT_FIELD = EXECUTION_CONTEXT_HEADER.toLowerCase();

/**
 * The values of every field line named `name` (lower case) in a message's `rawHeaders`, one entry
 * per line, so a repeated `Execution-Context` line is told apart from one line with commas
 * (profile §8); `undefined` when there is none. Read straight from `rawHeaders`, where reading
 * `headersDistinct` would build a record of every field of every message.
 */
function fieldLines(rawHeaders: readonly string[], name: string): string[] | undefined {
  let lines: string[] | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const field = rawHeaders[i]!;
    if (field.length !== name.length || field.toLowerCase() !== name) continue;
    lines ??= [];
    lines.push(rawHeaders[i + 1]!);
  }
  return lines;
}

/** With `workloadIdentity`, a request's WIT/WPT field lines and target URI (profile §9). */
function nodeWorkloadOf(
  message: IncomingMessage,
  options: ExecutionContextOptions,
): ReceivedWorkloadIdentity | undefined {
  const identity = options.workloadIdentity;
  if (identity === undefined) return undefined;
  const headers = message.headersDistinct;
  return {
    wit: headers[WORKLOAD_IDENTITY_TOKEN_HEADER.toLowerCase()] ?? [],
    wpt: headers[WORKLOAD_PROOF_TOKEN_HEADER.toLowerCase()] ?? [],
    // The configured origin, never the request's Host (draft-ietf-wimse-wpt audience validation).
    request: { url: targetUri(identity.origin, message.url ?? "/"), headers },
  };
}

/**
 * Sends a refusal: its status, the `application/problem+json` body (RFC 9457) with the error
 * `code`, `Cache-Control: no-store`, `Connection: close` on 413.
 */
export function sendProblem(res: ServerResponse, refusal: EctHttpRefusal): void {
  const body = JSON.stringify(refusal.problem);
  const headers: Record<string, string | number> = refusalHeaders(refusal);
  headers["content-length"] = Buffer.byteLength(body);
  res.writeHead(refusal.status, headers);
  res.end(body);
}

/**
 * Sets `Execution-Context` on an outgoing `node:http` message (a `ServerResponse` carrying the
 * callee's ECT, or a `ClientRequest`), replacing any value (SPEC 8).
 *
 * @throws `EctError` `ECT_HEADER_INVALID` when a token is not a compact serialisation.
 */
export function setExecutionContextHeader(
  message: OutgoingMessage,
  tokens: string | readonly string[],
): void {
  message.setHeader(EXECUTION_CONTEXT_HEADER, formatExecutionContextHeader(tokens));
}

/** A `node:http` handler that receives the verified context next to the request. */
export type EctNodeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  context: ReceivedExecutionContext,
) => void | Promise<void>;

/**
 * Wraps a `node:http` handler: the `Execution-Context` is verified first and a refusal answered
 * with its problem document; the handler gets the verified tokens and the exact body bytes (the
 * request stream is consumed). A handler that throws gets a generic 500 problem (no stack trace is
 * sent) when nothing was written yet, otherwise the response is destroyed.
 *
 * @example
 * ```ts
 * const server = http.createServer(createEctNodeHandler(async (req, res, { ects, body }) => {
 *   res.end("done");
 * }, { verifier }));
 * ```
 *
 * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for an unknown or
 *   invalid option, at construction.
 */
export function createEctNodeHandler(
  handler: EctNodeHandler,
  options: ExecutionContextOptions,
): RequestListener {
  checkExecutionContextOptions(options);
  return (req, res) => {
    receiveNodeExecutionContext(req, options)
      .then((received) =>
        received.ok ? handler(req, res, received.value) : sendProblem(res, received.error),
      )
      .catch(() => failResponse(res, options));
  };
}

function failResponse(res: ServerResponse, options: ExecutionContextOptions): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendProblem(res, {
    status: 500,
    code: undefined,
    cause: undefined,
    problem: buildProblem({
      status: 500,
      detail: "the handler failed",
      options,
    }),
  });
}

/** Options of {@link serveFetchHandler}. */
export interface ServeFetchHandlerOptions {
  /** Most request body bytes read before answering 413 (default 1 MiB). */
  readonly maxBodyBytes?: number;
}

const NO_BODY_METHODS = new Set(["GET", "HEAD"]);

/**
 * Serves a fetch-style handler (`(request: Request) => Response`, e.g. one made by
 * `createEctFetchHandler`) through `node:http`. The request URL's origin is the socket's local
 * address, never the client-supplied `Host`; every header field line is kept (several
 * `Execution-Context` lines arrive joined with commas, as `Headers` does). A handler that throws
 * gets a generic 500 problem.
 *
 * @example
 * ```ts
 * http.createServer(serveFetchHandler(createEctFetchHandler(handle, { verifier }))).listen(0, "127.0.0.1");
 * ```
 *
 * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for an unknown or
 *   invalid option, at construction.
 */
export function serveFetchHandler(
  handler: (request: Request) => Response | Promise<Response>,
  options: ServeFetchHandlerOptions = {},
): RequestListener {
  assertKnownOptions(options, ["maxBodyBytes"]);
  integerOption(options.maxBodyBytes, undefined, "maxBodyBytes", 1);
  return (req, res) => {
    void (async () => {
      const method = req.method ?? "GET";
      const headers = new Headers();
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
        headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
      }
      let body: Uint8Array | undefined;
      if (!NO_BODY_METHODS.has(method)) {
        try {
          body = await readNodeBody(req, options);
        } catch (error) {
          if (error instanceof BodyTooLargeError) {
            sendProblem(res, {
              status: 413,
              code: undefined,
              cause: error,
              problem: buildProblem({ status: 413, detail: error.message }),
            });
            return;
          }
          throw error;
        }
      }
      const local = req.socket.localAddress ?? "127.0.0.1";
      const host = local.includes(":") ? `[${local}]` : local;
      const url = new URL(req.url ?? "/", `http://${host}:${req.socket.localPort ?? 80}`);
      const init: RequestInit = { method, headers };
      if (body !== undefined) init.body = body as Uint8Array<ArrayBuffer>;
      const response = await handler(new Request(url, init));
      await writeFetchResponse(res, response);
    })().catch(() => failResponse(res, {} as ExecutionContextOptions));
  };
}

async function writeFetchResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  const cookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") res.setHeader(name, value);
  });
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!res.write(value)) await new Promise<void>((resolve) => res.once("drain", resolve));
  }
  res.end();
}

export { BodyTooLargeError } from "./body.js";
export type { EctHttpRefusal, EctProblem } from "./problem.js";
export type {
  ExecutionContextOptions,
  ExecutionContextResult,
  ReceivedExecutionContext,
} from "./verify-execution-context.js";
