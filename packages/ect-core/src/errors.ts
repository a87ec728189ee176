/**
 * Stable error codes. Callers switch on `code`, never on messages (SPEC 5: "Every refusal is an
 * error with a stable string code").
 *
 * Grouped by the step of the verification procedure (SPEC 5) that raises them.
 */
export const EctErrorCodes = {
  // SPEC 5.1-5.3: input, shape and encoding
  /** The token is longer than `maxTokenLength` (SPEC 5.1), checked before any split or decode. */
  TOKEN_TOO_LONG: "ECT_TOKEN_TOO_LONG",
  /** The token is not a string, or has neither 1 nor 3 segments (SPEC 1, 5.2). */
  MALFORMED: "ECT_MALFORMED",
  /** A segment is not canonical base64url: padding, whitespace, bad characters, non-zero trailing bits (SPEC 5.2). */
  BASE64URL_INVALID: "ECT_BASE64URL_INVALID",
  /** The token's assurance level is below the verifier's `minLevel` (SPEC 1, 5.2). */
  LEVEL_TOO_LOW: "ECT_LEVEL_TOO_LOW",
  /** Header or claims are not valid UTF-8 JSON (or start with a BOM) (SPEC 5.3). */
  JSON_INVALID: "ECT_JSON_INVALID",
  /** Header or claims are JSON but not an object (SPEC 5.3). */
  JSON_NOT_OBJECT: "ECT_JSON_NOT_OBJECT",
  /** A member name appears twice in one object, at any depth (SPEC 5.3). */
  JSON_DUPLICATE_MEMBER: "ECT_JSON_DUPLICATE_MEMBER",
  /** Nesting deeper than the limit (16 by default) (SPEC 5.3). */
  JSON_TOO_DEEP: "ECT_JSON_TOO_DEEP",
  /** A member named `__proto__`, `constructor` or `prototype` anywhere (SPEC 3). */
  FORBIDDEN_MEMBER_NAME: "ECT_FORBIDDEN_MEMBER_NAME",

  // SPEC 2 / 5.4: header
  /** `alg` missing, not in the allowlist, `none`, symmetric, or wrong case (SPEC 2). */
  ALG_NOT_ALLOWED: "ECT_ALG_NOT_ALLOWED",
  /** `typ` missing or not `exec+jwt` / `wimse-exec+jwt` (SPEC 2). */
  TYP_INVALID: "ECT_TYP_INVALID",
  /** `kid` missing, not a string, empty or longer than 256 characters (SPEC 2). */
  KID_INVALID: "ECT_KID_INVALID",
  /** A header member outside the closed set `{alg, typ, kid}` (SPEC 2). */
  HEADER_MEMBER_FORBIDDEN: "ECT_HEADER_MEMBER_FORBIDDEN",

  // SPEC 5.5-5.6: key and signature
  /** The key resolver returned no key for `{kid, iss, alg}` (SPEC 5.5). */
  KEY_NOT_FOUND: "ECT_KEY_NOT_FOUND",
  /** The key resolver failed (e.g. a remote JWK Set could not be fetched) (SPEC 5.5). */
  KEY_RESOLUTION_FAILED: "ECT_KEY_RESOLUTION_FAILED",
  /** A key cannot be used: wrong type or curve for `alg`, private where public expected, unparsable. */
  KEY_INVALID: "ECT_KEY_INVALID",
  /** The signature does not verify, or has the wrong length (SPEC 5.6). */
  SIGNATURE_INVALID: "ECT_SIGNATURE_INVALID",

  // SPEC 3 / 5.7: claims
  /** A required claim is absent (SPEC 3). */
  CLAIM_MISSING: "ECT_CLAIM_MISSING",
  /** `iss` is not a non-empty string (SPEC 3). */
  ISS_INVALID: "ECT_ISS_INVALID",
  /** `aud` is not a non-empty string or non-empty array of non-empty strings (SPEC 3). */
  AUD_INVALID: "ECT_AUD_INVALID",
  /** `iat` is not integer seconds of magnitude at most 2^53 - 1 (profile §3). */
  IAT_INVALID: "ECT_IAT_INVALID",
  /** `exp` is not integer seconds of magnitude at most 2^53 - 1, or not after `iat` (profile §3). */
  EXP_INVALID: "ECT_EXP_INVALID",
  /** `nbf` is present but not integer seconds within the safe range (profile §3). */
  NBF_INVALID: "ECT_NBF_INVALID",
  /** `jti` is not a UUID (SPEC 3). */
  JTI_INVALID: "ECT_JTI_INVALID",
  /** `wid` is present but not a UUID (SPEC 3). */
  WID_INVALID: "ECT_WID_INVALID",
  /** `exec_act` is not a non-empty string of at most 256 characters (SPEC 3). */
  EXEC_ACT_INVALID: "ECT_EXEC_ACT_INVALID",
  /** `pred` is not an array of UUIDs, has duplicates, names the token itself, or is too long (SPEC 3). */
  PRED_INVALID: "ECT_PRED_INVALID",
  /** `inp_hash` / `out_hash` is not canonical unpadded base64url of 32 bytes (SPEC 3). */
  HASH_INVALID: "ECT_HASH_INVALID",
  /** `ect_ext` is not an object, is larger than 4096 bytes, or nests deeper than 5 (SPEC 3). */
  EXT_INVALID: "ECT_EXT_INVALID",
  /** `ect_ext.pol` / `ect_ext.pol_decision` malformed (SPEC 3). */
  POLICY_INVALID: "ECT_POLICY_INVALID",
  /** `aud` does not contain the verifier's own id (SPEC 5.7). */
  AUD_MISMATCH: "ECT_AUD_MISMATCH",

  // SPEC 4 / 5.8: time
  /** `exp + skew <= now` (SPEC 5.8). */
  EXPIRED: "ECT_EXPIRED",
  /** `iat` is further in the future than `iatMaxFutureSec` (SPEC 5.8). */
  IAT_IN_FUTURE: "ECT_IAT_IN_FUTURE",
  /** `iat` is older than `iatMaxAgeMinutes` (SPEC 5.8). */
  IAT_TOO_OLD: "ECT_IAT_TOO_OLD",
  /** The token is used before its `nbf`: `nbf - skew > now` (profile §5.8). */
  NOT_YET_VALID: "ECT_NOT_YET_VALID",

  // SPEC 6 / 5.9: DAG
  /** A stored ECT already has this `jti` in the same `wid` scope (SPEC 6.1). */
  DAG_DUPLICATE_JTI: "ECT_DAG_DUPLICATE_JTI",
  /** A `pred` entry is not stored (SPEC 6.2). */
  DAG_PRED_MISSING: "ECT_DAG_PRED_MISSING",
  /** A predecessor's `wid` differs from the child's (SPEC 6.3). */
  DAG_WORKFLOW_MISMATCH: "ECT_DAG_WORKFLOW_MISMATCH",
  /** A predecessor's `iat` is later than the child's `iat` + skew (SPEC 6.4). */
  DAG_TEMPORAL_ORDER: "ECT_DAG_TEMPORAL_ORDER",
  /** Walking the ancestors reaches the token's own `jti` (SPEC 6.5). */
  DAG_CYCLE: "ECT_DAG_CYCLE",
  /** The ancestor walk visited more than `maxTraversal` nodes; fails closed (SPEC 6.5). */
  DAG_TRAVERSAL_LIMIT: "ECT_DAG_TRAVERSAL_LIMIT",
  /** A predecessor's policy decision is `rejected` or (by default) `pending_human_review` (SPEC 6.6). */
  DAG_PRED_POLICY: "ECT_DAG_PRED_POLICY",

  // SPEC 5.10: replay
  /** The `(wid, jti)` pair was accepted before (SPEC 5.10). */
  REPLAY: "ECT_REPLAY",
  /**
   * The replay cache cannot record the token, so it is refused (fail closed): a bounded cache is
   * full of entries that are still live, or the cache backend failed (SPEC 4, 5.10).
   */
  REPLAY_CACHE_UNAVAILABLE: "ECT_REPLAY_CACHE_UNAVAILABLE",

  // SPEC 5.12 / 7: ledger
  /** The ledger holds a different token under the same `(wid, jti)` (SPEC 7). */
  LEDGER_CONFLICT: "ECT_LEDGER_CONFLICT",
  /** The ledger refused or failed the append (SPEC 5.12). */
  LEDGER_APPEND_FAILED: "ECT_LEDGER_APPEND_FAILED",
  /**
   * The stored log does not match itself (profile §7 audit): an entry's recomputed leaf hash, the
   * rebuilt tree's root, or an entry's fields differ from what is stored or signed.
   */
  LEDGER_TREE_MISMATCH: "ECT_LEDGER_TREE_MISMATCH",
  /**
   * Two checkpoints of one log are inconsistent: same size with different roots, or a later one that
   * does not extend an earlier one (profile §7 "never signs two inconsistent checkpoints").
   */
  LEDGER_CHECKPOINT_INCONSISTENT: "ECT_LEDGER_CHECKPOINT_INCONSISTENT",
  /** An import is malformed or does not verify (profile §7 export/import). */
  LEDGER_IMPORT_INVALID: "ECT_LEDGER_IMPORT_INVALID",
  /** The ledger backend is unavailable (connection refused, timed out). */
  LEDGER_UNAVAILABLE: "ECT_LEDGER_UNAVAILABLE",
  /**
   * An RFC 9162 inclusion or consistency proof does not verify: an index or size out of range, a
   * hash that is not 32 bytes, the wrong number of proof hashes, or a recomputed root that differs
   * from the expected one (SPEC 7). `member` names the input at fault.
   */
  LEDGER_PROOF_INVALID: "ECT_LEDGER_PROOF_INVALID",
  /** A tree size or leaf index asked of a ledger's tree is outside it (SPEC 7). */
  LEDGER_INDEX_OUT_OF_RANGE: "ECT_LEDGER_INDEX_OUT_OF_RANGE",
  /**
   * A C2SP signed note, or a note verifier key (vkey), breaks the signed-note format: text, lines,
   * signature lines, key name, key id or base64 (SPEC 7).
   */
  LEDGER_NOTE_MALFORMED: "ECT_LEDGER_NOTE_MALFORMED",
  /**
   * A signed note carries no valid signature from a trusted key, or a signature from a trusted key
   * (same key name and key id) fails to verify (SPEC 7).
   */
  LEDGER_NOTE_SIGNATURE_INVALID: "ECT_LEDGER_NOTE_SIGNATURE_INVALID",
  /** A checkpoint's text breaks C2SP tlog-checkpoint (origin, decimal size, base64 root), or its origin is not the expected one (SPEC 7). */
  LEDGER_CHECKPOINT_MALFORMED: "ECT_LEDGER_CHECKPOINT_MALFORMED",
  /** A receipt breaks C2SP tlog-proof@v1, or its extra line is not a leaf input of SPEC 7. */
  LEDGER_RECEIPT_MALFORMED: "ECT_LEDGER_RECEIPT_MALFORMED",
  /** A receipt is valid but for another token than the one it was checked against (SPEC 7). */
  LEDGER_RECEIPT_TOKEN_MISMATCH: "ECT_LEDGER_RECEIPT_TOKEN_MISMATCH",

  // Extra checks (SPEC 5.9)
  /** An extra verification check refused the token without an `EctError` of its own. */
  CHECK_FAILED: "ECT_CHECK_FAILED",

  // SPEC 8: HTTP transport
  /** The `Execution-Context` header is required and absent (HTTP 400). */
  HEADER_MISSING: "ECT_HEADER_MISSING",
  /** The `Execution-Context` header is malformed, has too many tokens or is too large (SPEC 8). */
  HEADER_INVALID: "ECT_HEADER_INVALID",
  /**
   * A token's `inp_hash` / `out_hash` is absent or differs from the SHA-256 of the exact HTTP body
   * bytes received, when the receiver requires that binding (SPEC 3 hash helper, SPEC 8).
   */
  BODY_HASH_MISMATCH: "ECT_BODY_HASH_MISMATCH",

  // profile §10: MCP
  /** A `tools/call` request or result carries no ECT under `_meta["wimse-ect/execution-context"]` (profile §10). */
  MCP_ECT_MISSING: "ECT_MCP_ECT_MISSING",
  /** A tool call's `inp_hash` is absent or differs from the SHA-256 of the JCS form of its arguments (profile §10). */
  MCP_INPUT_HASH_MISMATCH: "ECT_MCP_INPUT_HASH_MISMATCH",
  /** A result ECT's `out_hash` is absent or differs from the SHA-256 of the JCS form of the result (profile §10). */
  MCP_OUTPUT_HASH_MISMATCH: "ECT_MCP_OUTPUT_HASH_MISMATCH",
  /** A result ECT does not answer the call: its `pred` is not the call's `jti`, or its `wid` differs (profile §10). */
  MCP_RESULT_NOT_CHAINED: "ECT_MCP_RESULT_NOT_CHAINED",
  /**
   * A tool call's `exec_act` does not name the tool called, so a token minted for one tool cannot
   * run another with the same arguments (profile §10).
   */
  MCP_EXEC_ACT_MISMATCH: "ECT_MCP_EXEC_ACT_MISMATCH",

  // profile §9: WIMSE workload identity (WIT, draft-ietf-wimse-workload-creds)
  /** A Workload-Identity-Token is required and absent (profile §9.5: HTTP 400). */
  WIT_MISSING: "ECT_WIT_MISSING",
  /** The WIT is malformed: envelope, strict JSON, `typ` not `wit+jwt`, `alg` not asymmetric, `sub`/`exp` missing or invalid (profile §9.1). */
  WIT_INVALID: "ECT_WIT_INVALID",
  /** No trust anchor of the trust domain of the WIT's `sub` has the WIT's `kid` (profile §9.1). */
  WIT_UNTRUSTED: "ECT_WIT_UNTRUSTED",
  /** The WIT's signature does not verify with the trust anchor chosen for it (profile §9.1). */
  WIT_SIGNATURE_INVALID: "ECT_WIT_SIGNATURE_INVALID",
  /** The WIT expired: `exp + skew <= now` (profile §9.1, §4). */
  WIT_EXPIRED: "ECT_WIT_EXPIRED",
  /** The WIT's `cnf.jwk` is absent, carries private members, lacks `alg`, or is not a usable key for it (profile §9.1). */
  WIT_CNF_INVALID: "ECT_WIT_CNF_INVALID",
  /** The ECT's `iss` is not exactly the WIT's `sub` (profile §9.2, §5.5). */
  WIT_SUBJECT_MISMATCH: "ECT_WIT_SUBJECT_MISMATCH",
  /** The ECT's `alg` is not the WIT's `cnf.jwk.alg` (profile §9.2). */
  WIT_ALG_MISMATCH: "ECT_WIT_ALG_MISMATCH",
  /** The ECT's `kid` is present and not the RFC 7638 thumbprint of the WIT's `cnf.jwk` (profile §2, §9.2). */
  WIT_KID_MISMATCH: "ECT_WIT_KID_MISMATCH",

  // profile §9.3: WIMSE proof of possession (WPT, draft-ietf-wimse-wpt)
  /** A Workload-Proof-Token is required and absent (profile §9.5: HTTP 400). */
  WPT_MISSING: "ECT_WPT_MISSING",
  /** The WPT is malformed: envelope, strict JSON, `typ` not `wpt+jwt`, claims missing or of the wrong type (profile §9.3). */
  WPT_INVALID: "ECT_WPT_INVALID",
  /** The WPT's `alg` is not the WIT's `cnf.jwk.alg` (profile §9.3). */
  WPT_ALG_MISMATCH: "ECT_WPT_ALG_MISMATCH",
  /** The WPT's signature does not verify with the WIT's `cnf.jwk` (profile §9.3). */
  WPT_SIGNATURE_INVALID: "ECT_WPT_SIGNATURE_INVALID",
  /** The WPT's `aud` is not the request's target URI without query and fragment (profile §9.3). */
  WPT_AUD_MISMATCH: "ECT_WPT_AUD_MISMATCH",
  /** The WPT expired: `exp + skew <= now` (profile §9.3). */
  WPT_EXPIRED: "ECT_WPT_EXPIRED",
  /** The WPT's `wth` is not base64url(SHA-256(WIT)) of the WIT it came with (profile §9.3). */
  WPT_WTH_MISMATCH: "ECT_WPT_WTH_MISMATCH",
  /** The WPT's `jti` was seen before (profile §9.3). */
  WPT_REPLAY: "ECT_WPT_REPLAY",
  /** `ath` does not match the request's access token, or one of them is missing (profile §9.3). */
  WPT_ATH_MISMATCH: "ECT_WPT_ATH_MISMATCH",
  /** `tth` does not match the request's Txn-Token, or one of them is missing (profile §9.3). */
  WPT_TTH_MISMATCH: "ECT_WPT_TTH_MISMATCH",
  /** An `oth` entry names a header field that is absent, repeated, or whose trimmed value hashes differently (profile §9.3, §8). */
  WPT_OTH_MISMATCH: "ECT_WPT_OTH_MISMATCH",
  /** An `oth` entry names a token the receiver does not understand (profile §9.3). */
  WPT_OTH_UNKNOWN: "ECT_WPT_OTH_UNKNOWN",
  /** The receiver requires `oth` to cover a header field (e.g. `execution-context`) and it does not (profile §9.3). */
  WPT_OTH_REQUIRED: "ECT_WPT_OTH_REQUIRED",

  // Configuration (SPEC 4)
  /**
   * An option or environment variable is invalid, or a required option is missing. Thrown as an
   * {@link EctConfigError} (a `TypeError`) at construction, never as a token refusal.
   */
  CONFIG_INVALID: "ECT_CONFIG_INVALID",
} as const;

/** The union of every stable error code. */
export type EctErrorCode = (typeof EctErrorCodes)[keyof typeof EctErrorCodes];

const ALL_CODES: ReadonlySet<string> = new Set(Object.values(EctErrorCodes));

/** True when `value` is one of the stable {@link EctErrorCode} strings. */
export function isEctErrorCode(value: unknown): value is EctErrorCode {
  return typeof value === "string" && ALL_CODES.has(value);
}

/** Options for {@link EctError}. */
export interface EctErrorOptions {
  /** The claim or header member the error concerns, e.g. `"exp"`, `"header.alg"`, `"ect_ext.pol"`. */
  readonly member?: string;
  /** The underlying error, if any. */
  readonly cause?: unknown;
  /** Further errors found at the same time (e.g. every DAG violation), first one being this error. */
  readonly details?: readonly EctError[];
}

/**
 * The one error class of the ECT packages. Every refusal carries a stable {@link EctErrorCode};
 * `member` names the claim or header member it concerns.
 *
 * @example
 * ```ts
 * try { await verifyEct(token, options); }
 * catch (e) { if (e instanceof EctError && e.code === "ECT_REPLAY") { ... } }
 * ```
 */
export class EctError extends Error {
  /** The stable error code. */
  readonly code: EctErrorCode;
  /** The claim or header member concerned, if any. */
  readonly member: string | undefined;
  /** Further errors found together with this one (for validators that report all violations). */
  readonly details: readonly EctError[];

  /**
   * Creates an error with a stable code.
   *
   * @param code - the stable code callers switch on.
   * @param message - names the claim or header member and the rule it breaks.
   * @param options - the member concerned, a cause, further errors.
   */
  constructor(code: EctErrorCode, message: string, options: EctErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EctError";
    this.code = code;
    this.member = options.member;
    this.details = options.details ?? [];
  }

  /** A plain JSON-friendly form: `{ code, message, member? }`. */
  toJSON(): {
    /** The stable error code. */
    code: EctErrorCode;
    /** The human-readable message. */
    message: string;
    /** The claim or header member concerned, when there is one. */
    member?: string;
  } {
    return this.member === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, member: this.member };
  }
}

/** True when `value` is an {@link EctError} (also across package copies, by shape). */
export function isEctError(value: unknown): value is EctError {
  return (
    value instanceof EctError ||
    (value instanceof Error &&
      value.name === "EctError" &&
      isEctErrorCode((value as { code?: unknown }).code))
  );
}

/** How a received option value is shown in an {@link EctConfigError} message: short, never a dump. */
function describeReceived(value: unknown): string {
  if (typeof value === "string")
    return JSON.stringify(value.length > 64 ? `${value.slice(0, 61)}...` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === undefined || value === null) {
    return String(value);
  }
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === "object" ? "an object" : typeof value;
}

/** Options for {@link EctConfigError}. */
export interface EctConfigErrorOptions {
  /** The value that was given, shown briefly in the message (`got ...`). Omit it when nothing fits. */
  readonly received?: unknown;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/**
 * A configuration mistake: an option (or environment variable) that is unknown, missing or out of
 * range. It is a programming error, so it is thrown at construction (`createEctVerifier`, ledgers,
 * key resolvers, option parsers) and never reported as a token refusal (profile §5: "a
 * misconfigured verifier ... throws at construction"). It extends `TypeError`, not
 * {@link EctError}: `safeVerifyEct` and HTTP handlers never turn it into a 403.
 *
 * Every message has one format: `Invalid option <option>: <requirement>[, got <value>]`, e.g.
 * `Invalid option dag.maxTraversal: must be a non-negative integer, got -1`.
 *
 * @example
 * ```ts
 * try { createEctVerifier({ verifierId, keys, algorithms: ["none"] }); }
 * catch (e) { if (e instanceof EctConfigError) console.error(e.option, e.message); }
 * ```
 */
export class EctConfigError extends TypeError {
  /** Always `ECT_CONFIG_INVALID`, so code that switches on `code` also recognises it. */
  readonly code: typeof EctErrorCodes.CONFIG_INVALID = EctErrorCodes.CONFIG_INVALID;
  /**
   * The path of the offending option as the caller wrote it: `"algorithms[1]"`, `"dag.maxTraversal"`,
   * `"url"`, or `"env.ECT_IAT_MAX_AGE_MINUTES"` for an environment variable.
   */
  readonly option: string;

  /**
   * Creates a configuration error.
   *
   * @param option - the option path, e.g. `"dag.maxTraversal"`.
   * @param requirement - what the option must be, phrased to follow the path: `"must be a positive
   *   integer"`, `"is not a known option"`.
   * @param options - the value received (shown briefly) and a cause.
   */
  constructor(option: string, requirement: string, options: EctConfigErrorOptions = {}) {
    const got = "received" in options ? `, got ${describeReceived(options.received)}` : "";
    super(
      `Invalid option ${option}: ${requirement}${got}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "EctConfigError";
    this.option = option;
  }
}

/**
 * Refuses an options value that is not an object, and every member of it whose name is not in
 * `known`, so a misspelt option (`{ maxTraversl: 5 }`) never silently leaves a default (and a rule)
 * in place.
 *
 * @param prefix - prepended to the member name in the error's option path, e.g. `"dag."`; the path
 *   of a non-object is the prefix without its dot, or `options`.
 * @throws {@link EctConfigError} for a non-object, or naming the first unknown option.
 */
export function assertKnownOptions<T>(
  options: T,
  known: Iterable<string>,
  prefix = "",
): asserts options is T & object {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new EctConfigError(prefix === "" ? "options" : prefix.replace(/\.$/, ""), "must be an object", {
      received: options,
    });
  }
  const allowed = known instanceof Set ? (known as ReadonlySet<string>) : new Set(known);
  for (const name of Object.keys(options)) {
    if (!allowed.has(name)) throw new EctConfigError(`${prefix}${name}`, "is not a known option");
  }
}

/**
 * One error for a list of violations (e.g. every claim rule or DAG rule a token breaks): the first
 * one's code, message and member, carrying all of them in `details` (also when there is one).
 */
export function errorFromViolations(violations: readonly EctError[]): EctError {
  const first = violations[0];
  if (first === undefined) throw new TypeError("errorFromViolations needs at least one violation");
  return new EctError(first.code, first.message, {
    ...(first.member === undefined ? {} : { member: first.member }),
    details: violations,
  });
}

/** Result of a non-throwing API: either `{ ok: true, value }` or `{ ok: false, error }`. */
export type Result<T, E = EctError> =
  | {
      /** `true`: the operation succeeded. */
      readonly ok: true;
      /** The result of the operation. */
      readonly value: T;
    }
  | {
      /** `false`: the operation failed. */
      readonly ok: false;
      /** Why it failed. */
      readonly error: E;
    };

/** Builds a successful {@link Result}. */
export function ok<T>(value: T): Result<T, never> {
  return { ok: true, value };
}

/** Builds a failed {@link Result}. */
export function err<E>(error: E): Result<never, E> {
  return { ok: false, error };
}
