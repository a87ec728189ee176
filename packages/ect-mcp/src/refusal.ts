import { EctError, type EctErrorCode, EctErrorCodes, isEctError } from "ect-core";
import { isEctErrorCode } from "ect-core/internal";

/** JSON-RPC 2.0 "Invalid params": the request's ECT was refused (profile §10). */
export const JSONRPC_INVALID_PARAMS = -32602;
/** JSON-RPC 2.0 "Internal error": the ECT could not be checked (a key source, replay cache or ledger is down). */
export const JSONRPC_INTERNAL_ERROR = -32603;

/** The `error.data` of a JSON-RPC error refusing an ECT (profile §10). */
export interface EctRefusalData {
  /** The stable ECT error code, e.g. `ECT_SIGNATURE_INVALID`. */
  readonly code: EctErrorCode;
  /** The claim, header or `_meta` member concerned, when there is one. */
  readonly member?: string;
}

/** A JSON-RPC error object, as sent in a response's `error` member. */
export interface JsonRpcErrorObject {
  /** The JSON-RPC error code. */
  readonly code: number;
  /** A short description. */
  readonly message: string;
  /** The ECT error code and member. */
  readonly data: EctRefusalData;
}

// Outages, not refusals: the token may be fine, the verifier could not decide (profile §5, the
// HTTP transport's 503). Everything else is a refusal of the request's params.
const OUTAGE_CODES: ReadonlySet<EctErrorCode> = new Set([
  EctErrorCodes.KEY_RESOLUTION_FAILED,
  EctErrorCodes.LEDGER_UNAVAILABLE,
  EctErrorCodes.REPLAY_CACHE_UNAVAILABLE,
]);

/**
 * The JSON-RPC error a server sends when it refuses a request's ECT (profile §10): "Invalid
 * params" (-32602) for a refusal, "Internal error" (-32603) for an outage, `data` carrying the ECT
 * error `code` and `member`. Anything that is not an {@link EctError} is reported as an internal
 * error without details (its message may hold secrets).
 */
export function jsonRpcErrorForEct(error: unknown): JsonRpcErrorObject {
  if (!isEctError(error)) {
    return {
      code: JSONRPC_INTERNAL_ERROR,
      message: "Execution-Context could not be verified",
      data: { code: EctErrorCodes.CHECK_FAILED },
    };
  }
  const data: EctRefusalData =
    error.member === undefined ? { code: error.code } : { code: error.code, member: error.member };
  return {
    code: OUTAGE_CODES.has(error.code) ? JSONRPC_INTERNAL_ERROR : JSONRPC_INVALID_PARAMS,
    message: `Execution-Context refused: ${error.message}`,
    data,
  };
}

/**
 * The ECT refusal carried by an error from the MCP SDK (an `McpError` whose `data` holds `code`
 * and `member`, as {@link jsonRpcErrorForEct} sends it), as an {@link EctError}; `undefined` for
 * any other error. Read by shape, so it works across copies of the SDK.
 *
 * @example
 * ```ts
 * try { await ectClient.callTool({ name: "search", arguments: { q: "x" } }); }
 * catch (e) { console.log(ectRefusalOf(e)?.code); } // e.g. "ECT_SIGNATURE_INVALID"
 * ```
 */
export function ectRefusalOf(error: unknown): EctError | undefined {
  if (isEctError(error)) return error;
  if (error === null || typeof error !== "object") return undefined;
  const data = (error as { data?: unknown }).data;
  if (data === null || typeof data !== "object") return undefined;
  const { code, member } = data as { code?: unknown; member?: unknown };
  if (!isEctErrorCode(code)) return undefined;
  const message = (error as { message?: unknown }).message;
  return new EctError(code, typeof message === "string" ? message : code, {
    ...(typeof member === "string" ? { member } : {}),
    cause: error,
  });
}
