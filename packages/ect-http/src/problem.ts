import { type EctError, type EctErrorCode, EctErrorCodes, isEctError } from "ect-core";

/** The media type of an RFC 9457 problem details document. */
export const PROBLEM_JSON_MEDIA_TYPE = "application/problem+json";

/**
 * An RFC 9457 problem details object as sent when an `Execution-Context` is refused (SPEC 5, 8).
 * `code` is the extension member carrying the stable `EctErrorCode`; clients switch on it.
 */
export interface EctProblem {
  /** A URI reference naming the problem type; `about:blank` unless `problemTypeBase` is set. */
  readonly type: string;
  /** A short summary: the HTTP reason phrase for `about:blank`. */
  readonly title: string;
  /** The HTTP status code, repeated from the response. */
  readonly status: number;
  /** What went wrong with this request, naming the claim or member; never a stack trace. */
  readonly detail: string;
  /** The stable error code (extension member), when the refusal has one. */
  readonly code?: EctErrorCode;
  /** The claim or header member concerned (extension member), when known. */
  readonly member?: string;
}

/**
 * A refused HTTP message: the status to answer with and the problem document to send. Every
 * `ect-http` function that reads an `Execution-Context` returns one instead of throwing.
 */
export interface EctHttpRefusal {
  /** 400 (required header missing, bad WIT/WPT), 403 (refused token), 413 (body too large), 500 or 503. */
  readonly status: number;
  /** The body to send, `application/problem+json`. */
  readonly problem: EctProblem;
  /** The stable error code, when the refusal has one (same as `problem.code`). */
  readonly code: EctErrorCode | undefined;
  /** The underlying error, for the server's own logs; never sent to the client. */
  readonly cause: unknown;
}

/** Options shaping the problem documents. */
export interface ProblemOptions {
  /**
   * When set, `type` becomes this prefix followed by the error code (e.g.
   * `"https://docs.example.com/ect-errors#"`), and `title` a summary of the refusal category.
   * By default `type` is `about:blank` and `title` the HTTP reason phrase (RFC 9457 section 4.2.1).
   */
  readonly problemTypeBase?: string;
}

const REASON_PHRASES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  403: "Forbidden",
  413: "Content Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

const CATEGORY_TITLES: Readonly<Record<number, string>> = {
  400: "Execution-Context or workload identity missing or invalid",
  403: "Execution-Context refused",
  413: "Request body too large",
  500: "Execution-Context could not be verified",
  503: "Execution-Context could not be verified",
};

/**
 * Codes that are the server's own trouble, not the sender's fault: answered with 5xx and a generic
 * detail so no internal information (URLs of key sets, backend errors) reaches the client.
 */
const SERVER_SIDE_STATUS: Partial<Record<EctErrorCode, number>> = {
  [EctErrorCodes.KEY_RESOLUTION_FAILED]: 503,
  [EctErrorCodes.LEDGER_UNAVAILABLE]: 503,
  [EctErrorCodes.REPLAY_CACHE_UNAVAILABLE]: 503,
  [EctErrorCodes.CONFIG_INVALID]: 500,
};

const GENERIC_SERVER_DETAIL = "the server could not verify the Execution-Context; try again later";

/** The WIT-bound ECT refusals: the WIT and WPT were fine, the ECT is refused (403, profile §9.5). */
const ECT_BINDING_CODES: ReadonlySet<string> = new Set([
  EctErrorCodes.WIT_SUBJECT_MISMATCH,
  EctErrorCodes.WIT_ALG_MISMATCH,
  EctErrorCodes.WIT_KID_MISMATCH,
]);

/**
 * The HTTP status for an error code (profile §5, §8): 400 for `ECT_HEADER_MISSING` (the WIMSE drafts
 * advise 400 over 401, which would need a `WWW-Authenticate` scheme), 400 for a missing or invalid WIT/WPT (`ECT_WIT_*`, `ECT_WPT_*`, profile §9.5) except the three codes refusing the
 * ECT's binding to the WIT, 503 for an unreachable key set or ledger or a replay cache that cannot
 * record, 500 for a server configuration error, 403 for every other refusal.
 */
export function statusForEctErrorCode(code: EctErrorCode): number {
  if (code === EctErrorCodes.HEADER_MISSING) return 400;
  if ((code.startsWith("ECT_WIT_") || code.startsWith("ECT_WPT_")) && !ECT_BINDING_CODES.has(code))
    return 400;
  return SERVER_SIDE_STATUS[code] ?? 403;
}

/** Builds a problem document; `title` and `type` follow {@link ProblemOptions}. */
export function buildProblem(input: {
  readonly status: number;
  readonly detail: string;
  readonly code?: EctErrorCode | undefined;
  readonly member?: string | undefined;
  readonly options?: ProblemOptions | undefined;
}): EctProblem {
  const base = input.options?.problemTypeBase;
  const useBase = base !== undefined && input.code !== undefined;
  const problem: {
    type: string;
    title: string;
    status: number;
    detail: string;
    code?: EctErrorCode;
    member?: string;
  } = {
    type: useBase ? `${base}${input.code}` : "about:blank",
    title: useBase
      ? (CATEGORY_TITLES[input.status] ?? "Execution-Context refused")
      : (REASON_PHRASES[input.status] ?? "Error"),
    status: input.status,
    detail: input.detail,
  };
  if (input.code !== undefined) problem.code = input.code;
  if (input.member !== undefined) problem.member = input.member;
  return problem;
}

/**
 * Turns whatever a verifier threw into a refusal (SPEC 5: "over HTTP a refusal is status 403 with
 * an RFC 9457 problem carrying the code"). An `EctError` keeps its code and message (messages name
 * the claim and the rule, never secrets); anything else becomes a 500 with a generic detail, so no
 * stack trace or internal message is ever sent.
 */
export function refusalFromError(error: unknown, options: ProblemOptions = {}): EctHttpRefusal {
  if (isEctError(error)) {
    const e = error as EctError;
    const status = statusForEctErrorCode(e.code);
    const detail = status >= 500 ? GENERIC_SERVER_DETAIL : e.message;
    return {
      status,
      code: e.code,
      cause: error,
      problem: buildProblem({ status, detail, code: e.code, member: e.member, options }),
    };
  }
  return {
    status: 500,
    code: undefined,
    cause: error,
    problem: buildProblem({ status: 500, detail: GENERIC_SERVER_DETAIL, options }),
  };
}

/** Extra response headers of a refusal: the problem media type, `no-store`, `Connection: close` on 413. */
export function refusalHeaders(refusal: EctHttpRefusal): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": PROBLEM_JSON_MEDIA_TYPE,
    "cache-control": "no-store",
  };
  if (refusal.status === 413) headers.connection = "close";
  return headers;
}
