/** The `typ` header value every created ECT carries (SPEC 2). */
export const ECT_TYP = "exec+jwt";

/** The legacy `typ` value verification still accepts (SPEC 2). */
export const ECT_TYP_LEGACY = "wimse-exec+jwt";

/** The `typ` of a ledger's signed receipt (SPEC 7). */
export const RECEIPT_TYP = "ect-receipt+jwt";

/** The HTTP header field that carries ECTs (SPEC 8). */
export const EXECUTION_CONTEXT_HEADER = "Execution-Context";

/** Claim names of SPEC 3. */
export const ClaimNames = {
  /** `iss`: Issuer workload id. */
  ISS: "iss",
  /** `aud`: Audience. */
  AUD: "aud",
  /** `iat`: Issued at. */
  IAT: "iat",
  /** `exp`: Expiry. */
  EXP: "exp",
  /** `jti`: Token id and task id. */
  JTI: "jti",
  /** `wid`: Workflow id. */
  WID: "wid",
  /** `exec_act`: The action performed. */
  EXEC_ACT: "exec_act",
  /** `pred`: Predecessor task ids. */
  PRED: "pred",
  /** `inp_hash`: SHA-256 of the input bytes. */
  INP_HASH: "inp_hash",
  /** `out_hash`: SHA-256 of the output bytes. */
  OUT_HASH: "out_hash",
  /** `ect_ext`: Extension object. */
  ECT_EXT: "ect_ext",
} as const;

/** Claims every ECT must carry (SPEC 3). */
export const REQUIRED_CLAIMS = ["iss", "aud", "iat", "exp", "jti", "exec_act", "pred"] as const;

/** The closed set of JOSE header members (SPEC 2). */
export const ALLOWED_HEADER_MEMBERS = ["alg", "typ", "kid"] as const;

/** Asymmetric algorithms the library can sign and verify with (SPEC 2). */
export const SUPPORTED_ALGORITHMS = ["ES256", "ES384", "ES512", "EdDSA", "Ed25519"] as const;

/** A JWS algorithm the library supports. */
export type EctAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];

/** The default algorithm allowlist of a verifier (SPEC 2). */
export const DEFAULT_ALGORITHMS: readonly EctAlgorithm[] = ["ES256"];

/** Member names refused anywhere in header or claims (SPEC 3). */
export const FORBIDDEN_MEMBER_NAMES: readonly string[] = ["__proto__", "constructor", "prototype"];

/** `ect_ext.pol_decision` values (SPEC 3). */
export const POLICY_DECISIONS = ["approved", "rejected", "pending_human_review"] as const;

/** A policy decision recorded in `ect_ext.pol_decision`. */
export type PolicyDecision = (typeof POLICY_DECISIONS)[number];

/** Fixed limits of the profile (SPEC 2, 3, 5). */
export const Limits = {
  /** Longest `kid` (SPEC 2). */
  KID_MAX_LENGTH: 256,
  /** Longest `exec_act` (SPEC 3). */
  EXEC_ACT_MAX_LENGTH: 256,
  /** Largest UTF-8 JSON serialisation of `ect_ext` in bytes (SPEC 3). */
  ECT_EXT_MAX_BYTES: 4096,
  /** Deepest nesting of `ect_ext` (the object itself is depth 1) (SPEC 3). */
  ECT_EXT_MAX_DEPTH: 5,
  /** Deepest nesting of the header or claims overall (SPEC 5.3). */
  JSON_MAX_DEPTH: 16,
  /** Length of an unpadded base64url SHA-256 digest (SPEC 3). */
  HASH_B64URL_LENGTH: 43,
} as const;

/** Defaults of SPEC 4. */
export const Defaults = {
  /** Max age of `iat`, minutes (`ECT_IAT_MAX_AGE_MINUTES`). */
  IAT_MAX_AGE_MINUTES: 15,
  /** Max `iat` in the future, seconds (`ECT_IAT_MAX_FUTURE_SEC`). */
  IAT_MAX_FUTURE_SEC: 30,
  /** `exp` filled in by create when absent, minutes (`ECT_DEFAULT_EXPIRY_MIN`). */
  DEFAULT_EXPIRY_MIN: 10,
  /** Replay cache capacity (`ECT_JTI_REPLAY_CACHE_SIZE`); 0 disables the built-in cache. */
  JTI_REPLAY_CACHE_SIZE: 100_000,
  /** Replay entry lifetime, minutes (`ECT_JTI_REPLAY_TTL_MIN`). */
  JTI_REPLAY_TTL_MIN: 15,
  /** Clock skew for `exp` and DAG ordering, seconds. */
  CLOCK_SKEW_SEC: 30,
  /** Longest accepted token, characters. */
  MAX_TOKEN_LENGTH: 16_384,
  /** Longest `pred` (0 = unlimited). */
  MAX_PRED_LENGTH: 100,
  /** Most nodes an ancestor walk visits (SPEC 6.5). */
  MAX_TRAVERSAL: 10_000,
  /** Most ECTs in one `Execution-Context` header (SPEC 8). */
  HEADER_MAX_TOKENS: 16,
} as const;
