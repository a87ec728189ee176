import {
  decodeEct,
  EctError,
  EctErrorCodes,
  parseExecutionContextHeader,
  type Result,
  sha256Base64url,
  type VerifiedEct,
} from "ect-core";
import { base64urlEncode, err, ok, sha256Sync } from "ect-core/internal";
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
   * Computed when first read, unless a `bodyHashClaim` binding needed it already.
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

/**
 * Checks that exactly one of `verifier` and `workloadIdentity` is configured; the handler factories
 * call it at construction (a misconfiguration is a programming error, profile §5).
 *
 * @throws {@link EctError} `ECT_CONFIG_INVALID`
 */
export function checkExecutionContextOptions(options: ExecutionContextOptions): void {
  const configError = (member: string, message: string) =>
    new EctError(EctErrorCodes.CONFIG_INVALID, message, { member });
  if (options === null || typeof options !== "object") throw configError("options", "options are required");
  const { verifier, workloadIdentity } = options;
  if (workloadIdentity === undefined) {
    if (typeof verifier?.verify !== "function") {
      throw configError("verifier", "verifier must have verify(token), or give workloadIdentity");
    }
    return;
  }
  if (verifier !== undefined) {
    throw configError(
      "verifier",
      "give verifier or workloadIdentity, not both: the WIT-bound verifier verifies the ECTs",
    );
  }
  if (typeof workloadIdentity.verifier?.verifyRequest !== "function") {
    throw configError(
      "workloadIdentity.verifier",
      "workloadIdentity.verifier must have verifyRequest({ ects, wit, wpt, request })",
    );
  }
  if (
    typeof workloadIdentity.origin !== "string" ||
    !/^https?:\/\/[^/?#]+\/?$/.test(workloadIdentity.origin)
  ) {
    throw configError(
      "workloadIdentity.origin",
      "workloadIdentity.origin must be this receiver's origin, e.g. https://b.example",
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
 */
export async function verifyExecutionContext(input: ExecutionContextInput): Promise<ExecutionContextResult> {
  try {
    checkExecutionContextOptions(input);
  } catch (error) {
    return err(refusalFromError(error, input));
  }
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
      if (workload === undefined) {
        throw new EctError(
          EctErrorCodes.CONFIG_INVALID,
          "workloadIdentity needs the adapter to read the WIT/WPT headers",
        );
      }
      verified =
        tokens.length === 0 ? [] : await verifyWorkloadRequest(options.workloadIdentity, workload, tokens);
    } catch (error) {
      return err(refusalFromError(error, options));
    }
    if (claim !== undefined) {
      for (const ect of verified) {
        const mismatch = bodyHashMismatch(ect.claims, claim, bodyHash!);
        if (mismatch !== undefined) return err(refusalFromError(mismatch, options));
      }
    }
    return ok(receivedContext(verified, body, bodyHash));
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
  return ok(receivedContext(ects, body, bodyHash));
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
 * The verified context; `bodyHash`, unless already computed for a binding, is computed on first
 * read (synchronously: node:crypto under Node, ect-core's portable SHA-256 elsewhere).
 */
function receivedContext(
  ects: readonly VerifiedEct[],
  body: Uint8Array,
  bodyHash: string | undefined,
): ReceivedExecutionContext {
  let hash = bodyHash;
  return {
    ects,
    body,
    get bodyHash(): string {
      hash ??= base64urlEncode(sha256Sync(body));
      return hash;
    },
  };
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
