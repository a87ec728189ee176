import {
  decodeEct,
  EctConfigError,
  EctError,
  EctErrorCodes,
  parseExecutionContextHeader,
  type Result,
  sha256Base64url,
  type VerifiedEct,
} from "ect-core";
import {
  assertKnownOptions,
  base64urlEncode,
  booleanOption,
  choiceOption,
  err,
  integerOption,
  ok,
  sha256Sync,
} from "ect-core/internal";
import { BodyTooLargeError, DEFAULT_MAX_BODY_BYTES } from "./body.js";
import { buildProblem, type EctHttpRefusal, type ProblemOptions, refusalFromError } from "./problem.js";
import type { EctTokenVerifier } from "./token-verifier.js";
import {
  type ReceivedWorkloadIdentity,
  verifyWorkloadRequest,
  type WorkloadIdentityOptions,
} from "./workload-identity.js";

/** Which claim of every received token must equal the SHA-256 of the body received. */
export type BodyHashClaim = "inp_hash" | "out_hash";

/** How a receiver reads and verifies an `Execution-Context` (SPEC 8). */
export interface ExecutionContextOptions extends ProblemOptions {
  /**
   * Verifies each token; e.g. what `ect-crypto`'s `createEctVerifier` returns. Required unless
   * `workloadIdentity` is given (then it must be absent: the WIT-bound verifier verifies the ECTs).
   */
  readonly verifier?: EctTokenVerifier;
  /**
   * Require a WIT (and, as the verifier decides, a WPT) and verify the ECTs against them (profile
   * §9): a missing or invalid WIT/WPT is answered 400, a refused ECT 403 (profile §5, §9.5).
   */
  readonly workloadIdentity?: WorkloadIdentityOptions;
  /**
   * Whether a message without the header is refused with 400 `ECT_HEADER_MISSING` (default
   * `true`). When `false`, a message without the header is handed on with no tokens.
   */
  readonly required?: boolean;
  /** Most tokens in the header across all field lines (default 16, SPEC 8). */
  readonly maxTokens?: number;
  /** Most characters in the header across all field lines (default `maxTokens` x 16384). */
  readonly maxHeaderLength?: number;
  /**
   * Binds the tokens to the body: every token must carry this claim, equal to the SHA-256 of the
   * exact body bytes received, or the message is refused with `ECT_BODY_HASH_MISMATCH`. Use
   * `"out_hash"` when the sender sends the ECT of the task whose output is the body (SPEC 8: "an
   * agent that calls the next agent sends the ECT of the task it performed"), `"inp_hash"` when the
   * sender issues an ECT describing the request it makes. Off by default.
   */
  readonly bodyHashClaim?: BodyHashClaim;
  /** Most body bytes read before refusing with 413 (default 1 MiB). */
  readonly maxBodyBytes?: number;
}

/** A message whose `Execution-Context` passed verification. */
export interface ReceivedExecutionContext {
  /** The verified tokens in the order they were sent; empty only when the header was optional and absent. */
  readonly ects: readonly VerifiedEct[];
  /** The exact body bytes received, read once: use these, the stream is consumed. */
  readonly body: Uint8Array;
  /**
   * SHA-256 of `body`, unpadded base64url: the receiver's `inp_hash` for the task it performs.
   * Computed when first read, unless a `bodyHashClaim` binding needed it already: read it or
   * destructure it (`{ ects, bodyHash }`); a spread copy (`{ ...context }`) does not carry it.
   */
  readonly bodyHash: string;
}

/** What {@link verifyExecutionContext} returns: the verified context or the refusal to send. */
export type ExecutionContextResult = Result<ReceivedExecutionContext, EctHttpRefusal>;

/** The input of {@link verifyExecutionContext}: header field values and the body. */
export interface ExecutionContextInput extends ExecutionContextOptions {
  /**
   * The `Execution-Context` field value(s): one string (lines already joined with commas), one
   * string per field line, or `null`/`undefined` when the header is absent.
   */
  readonly header: string | readonly string[] | null | undefined;
  /**
   * The body bytes, or a function reading them (called at most once, only after the header
   * parsed). It may throw {@link BodyTooLargeError} to have a 413 sent.
   */
  readonly body: Uint8Array | (() => Promise<Uint8Array>);
  /** With `workloadIdentity`: the WIT/WPT header field lines and the request (the adapters fill it). */
  readonly workload?: ReceivedWorkloadIdentity;
}

const EXECUTION_CONTEXT_OPTIONS: readonly (keyof ExecutionContextOptions)[] = [
  "verifier",
  "workloadIdentity",
  "required",
  "maxTokens",
  "maxHeaderLength",
  "bodyHashClaim",
  "maxBodyBytes",
  "problemTypeBase",
];
const INPUT_MEMBERS: readonly string[] = [...EXECUTION_CONTEXT_OPTIONS, "header", "body", "workload"];
const BODY_HASH_CLAIMS: readonly BodyHashClaim[] = ["inp_hash", "out_hash"];
const WORKLOAD_IDENTITY_OPTIONS: readonly (keyof WorkloadIdentityOptions)[] = ["verifier", "origin"];

/**
 * Checks a receiver's options: no unknown option, exactly one of `verifier` and
 * `workloadIdentity`, and every limit in range. The handler factories call it at construction;
 * a misconfiguration is a programming error, never a refusal (profile §5).
 *
 * @param members - the names allowed besides the options (the input members of
 *   {@link verifyExecutionContext}).
 * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) naming the option.
 */
export function checkExecutionContextOptions(
  options: ExecutionContextOptions,
  members: readonly string[] = EXECUTION_CONTEXT_OPTIONS,
): void {
  assertKnownOptions(options, members);
  const { verifier, workloadIdentity, required, bodyHashClaim, problemTypeBase } = options;
  booleanOption(required, true, "required");
  for (const name of ["maxTokens", "maxHeaderLength", "maxBodyBytes"] as const) {
    integerOption(options[name], undefined, name, 1);
  }
  if (bodyHashClaim !== undefined) choiceOption(bodyHashClaim, BODY_HASH_CLAIMS, "bodyHashClaim");
  if (problemTypeBase !== undefined && typeof problemTypeBase !== "string") {
    throw new EctConfigError("problemTypeBase", "must be a string", { received: problemTypeBase });
  }
  if (workloadIdentity === undefined) {
    if (typeof verifier?.verify !== "function") {
      throw new EctConfigError("verifier", "must have verify(token), or give workloadIdentity", {
        received: verifier,
      });
    }
    return;
  }
  if (verifier !== undefined) {
    throw new EctConfigError(
      "verifier",
      "must be absent with workloadIdentity: the WIT-bound verifier verifies the ECTs",
    );
  }
  assertKnownOptions(workloadIdentity, WORKLOAD_IDENTITY_OPTIONS, "workloadIdentity.");
  if (typeof workloadIdentity.verifier?.verifyRequest !== "function") {
    throw new EctConfigError(
      "workloadIdentity.verifier",
      "must have verifyRequest({ ects, wit, wpt, request })",
    );
  }
  if (
    typeof workloadIdentity.origin !== "string" ||
    !/^https?:\/\/[^/?#]+\/?$/.test(workloadIdentity.origin)
  ) {
    throw new EctConfigError(
      "workloadIdentity.origin",
      "must be this receiver's origin, e.g. https://b.example",
      {
        received: workloadIdentity.origin,
      },
    );
  }
}

function isAbsent(header: string | readonly string[] | null | undefined): boolean {
  return header === null || header === undefined || (typeof header !== "string" && header.length === 0);
}

/**
 * Reads and verifies an `Execution-Context` (SPEC 8) independently of any HTTP library: parses the
 * header with its count and size limits, reads the body once, checks the optional body binding
 * ({@link ExecutionContextOptions.bodyHashClaim}) and verifies every token in order with the given
 * verifier. Never throws for a bad message: the refusal (400/403/413/5xx with an RFC 9457 problem)
 * is returned.
 *
 * A present header that holds no token (empty, or only commas) is malformed: `ECT_HEADER_INVALID`.
 * Tokens are verified one by one; when a later one is refused, the earlier ones have already been
 * recorded by the verifier's replay cache. The body binding is checked on the decoded claims before
 * any token is verified, so a body mismatch never burns a `jti`.
 *
 * @throws {@link EctConfigError} (the promise rejects) for an option mistake: a programming error
 *   is never answered as a refusal (profile §5).
 */
export async function verifyExecutionContext(input: ExecutionContextInput): Promise<ExecutionContextResult> {
  checkExecutionContextOptions(input, INPUT_MEMBERS);
  return receiveExecutionContext(input, input.header, input.body, input.workload);
}

/**
 * {@link verifyExecutionContext} for options already checked by
 * {@link checkExecutionContextOptions} (the adapters check theirs once, at construction), with the
 * message's parts passed apart so no per-message options object is built.
 *
 * @internal
 */
export async function receiveExecutionContext(
  options: ExecutionContextOptions,
  header: ExecutionContextInput["header"],
  readBody: ExecutionContextInput["body"],
  workload: ReceivedWorkloadIdentity | undefined,
): Promise<ExecutionContextResult> {
  if (options.workloadIdentity !== undefined && workload === undefined) {
    // A caller's mistake, not the sender's: thrown, never answered as a refusal (profile §5).
    throw new EctConfigError(
      "workload",
      "is required with workloadIdentity (the adapters read the WIT/WPT headers)",
    );
  }
  const required = options.required ?? true;
  let tokens: string[];
  try {
    const codecOptions: { maxTokens?: number; maxLength?: number } = {};
    if (options.maxTokens !== undefined) codecOptions.maxTokens = options.maxTokens;
    if (options.maxHeaderLength !== undefined) codecOptions.maxLength = options.maxHeaderLength;
    tokens = parseExecutionContextHeader(header, codecOptions);
  } catch (error) {
    return err(refusalFromError(error, options));
  }
  if (isAbsent(header)) {
    if (required) {
      return err(
        refusalFromError(
          new EctError(EctErrorCodes.HEADER_MISSING, "the Execution-Context header is required", {
            member: "Execution-Context",
          }),
          options,
        ),
      );
    }
  } else if (tokens.length === 0) {
    // SPEC 8: the value is "one or more ECTs"; a present but empty field is malformed.
    return err(
      refusalFromError(
        new EctError(EctErrorCodes.HEADER_INVALID, "the Execution-Context header holds no token", {
          member: "Execution-Context",
        }),
        options,
      ),
    );
  }

  let body: Uint8Array;
  try {
    body = typeof readBody === "function" ? await readBody() : readBody;
  } catch (error) {
    if (error instanceof BodyTooLargeError) return err(tooLargeRefusal(error, options));
    return err(refusalFromError(error, options));
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (body.byteLength > maxBodyBytes)
    return err(tooLargeRefusal(new BodyTooLargeError(maxBodyBytes), options));

  const claim = options.bodyHashClaim;
  // Hashed here only when a binding needs it (large bodies go to WebCrypto off the main thread);
  // otherwise when the handler first reads `bodyHash`: no work that nothing asked for.
  const bodyHash = claim === undefined ? undefined : await sha256Base64url(body);
  if (claim !== undefined) {
    // Checked on the decoded (not yet verified) claims, so a mismatch burns no jti; a token that
    // does not even decode is left to the verifier, which reports the precise code.
    for (const token of tokens) {
      let claims: Readonly<Record<string, unknown>>;
      try {
        // No length limit of its own: the header size limit already bounds the token, and a token
        // the verifier accepts under a raised maxTokenLength must be checked here too.
        claims = decodeEct(token, { minLevel: 1, maxTokenLength: token.length }).claims;
      } catch {
        continue;
      }
      const mismatch = bodyHashMismatch(claims, claim, bodyHash!);
      if (mismatch !== undefined) return err(refusalFromError(mismatch, options));
    }
  }

  if (options.workloadIdentity !== undefined) {
    // profile §9: the WIT, the WPT (once per request), then every ECT with the WIT's key.
    let verified: readonly VerifiedEct[];
    try {
      verified =
        tokens.length === 0 ? [] : await verifyWorkloadRequest(options.workloadIdentity, workload!, tokens);
    } catch (error) {
      return err(refusalFromError(error, options));
    }
    if (claim !== undefined) {
      for (const ect of verified) {
        const mismatch = bodyHashMismatch(ect.claims, claim, bodyHash!);
        if (mismatch !== undefined) return err(refusalFromError(mismatch, options));
      }
    }
    return ok(new VerifiedExecutionContext(verified, body, bodyHash));
  }

  const verifier = options.verifier!;
  const ects: VerifiedEct[] = [];
  for (const token of tokens) {
    try {
      const verified = await verifier.verify(token);
      if (claim !== undefined) {
        const mismatch = bodyHashMismatch(verified.claims, claim, bodyHash!);
        if (mismatch !== undefined) return err(refusalFromError(mismatch, options));
      }
      ects.push(verified);
    } catch (error) {
      return err(refusalFromError(error, options));
    }
  }
  return ok(new VerifiedExecutionContext(ects, body, bodyHash));
}

/** The 413 refusal of a body over its limit. */
function tooLargeRefusal(error: BodyTooLargeError, options: ProblemOptions): EctHttpRefusal {
  return {
    status: 413,
    code: undefined,
    cause: error,
    problem: buildProblem({ status: 413, detail: error.message, options }),
  };
}

/**
 * The verified context. `bodyHash`, unless a binding computed it already, is computed on first read
 * (synchronously: node:crypto under Node, ect-core's portable SHA-256 elsewhere). A class, not an
 * object literal with a getter: V8 builds those on a slow path, about 1 µs per request here.
 */
class VerifiedExecutionContext implements ReceivedExecutionContext {
  readonly ects: readonly VerifiedEct[];
  readonly body: Uint8Array;
  #bodyHash: string | undefined;

  constructor(ects: readonly VerifiedEct[], body: Uint8Array, bodyHash: string | undefined) {
    this.ects = ects;
    this.body = body;
    this.#bodyHash = bodyHash;
  }

  get bodyHash(): string {
    this.#bodyHash ??= base64urlEncode(sha256Sync(this.body));
    return this.#bodyHash;
  }
}

function bodyHashMismatch(
  claims: Readonly<Record<string, unknown>>,
  claim: BodyHashClaim,
  bodyHash: string,
): EctError | undefined {
  const value = claims[claim];
  if (value === undefined) {
    return new EctError(
      EctErrorCodes.BODY_HASH_MISMATCH,
      `${claim} is required to bind the token to the body, and is absent`,
      { member: claim },
    );
  }
  if (value !== bodyHash) {
    return new EctError(
      EctErrorCodes.BODY_HASH_MISMATCH,
      `${claim} does not match the SHA-256 of the body bytes received`,
      { member: claim },
    );
  }
  return undefined;
}
