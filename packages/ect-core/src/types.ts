/**
 * Assurance level of an ECT (SPEC 1): 1 = unsigned, 2 = compact JWS, 3 = JWS whose acceptance
 * included a ledger append.
 */
export type AssuranceLevel = 1 | 2 | 3;

/** The JOSE header of an L2/L3 ECT (SPEC 2): exactly these three members. */
export interface EctHeader {
  /** Signature algorithm, from the verifier's allowlist. */
  readonly alg: string;
  /** `exec+jwt` (or the legacy `wimse-exec+jwt` on input). */
  readonly typ: string;
  /**
   * Key id, a lookup key only (1-256 characters). Absent only in WIT-bound mode, where the key is
   * the WIT's `cnf.jwk` and a `kid`, if present, is its RFC 7638 thumbprint (profile §2, §9.2).
   */
  readonly kid?: string;
}

/** A JSON value as decoded by the strict parser. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [member: string]: JsonValue };

/** A JSON object as decoded by the strict parser. */
export type JsonObject = { [member: string]: JsonValue };

/**
 * ECT claims (SPEC 3). Other claims are allowed and preserved untouched.
 */
export interface EctClaims {
  /** Issuer workload id (SPIFFE ID, https URI, `urn:uuid:` ...). */
  readonly iss: string;
  /** Audience: one id or a list; the wire form is preserved. */
  readonly aud: string | readonly string[];
  /** Issued at, integer seconds since the epoch. */
  readonly iat: number;
  /** Expiry, integer seconds since the epoch, after `iat`. */
  readonly exp: number;
  /** Not before, integer seconds since the epoch (optional, profile §3): refused before `nbf - skew`. */
  readonly nbf?: number;
  /** Token id and task id: a UUID. */
  readonly jti: string;
  /** Workflow id: a UUID; scopes `jti` uniqueness and DAG checks. */
  readonly wid?: string;
  /** The action performed, 1-256 characters. */
  readonly exec_act: string;
  /** The task ids (jti) this task depended on; may be empty. */
  readonly pred: readonly string[];
  /** SHA-256 of the input bytes, unpadded base64url. */
  readonly inp_hash?: string;
  /** SHA-256 of the output bytes, unpadded base64url. */
  readonly out_hash?: string;
  /** Extension object (policy records live here), at most 4096 bytes and depth 5. */
  readonly ect_ext?: JsonObject;
  /** Any other claim, preserved untouched. */
  readonly [claim: string]: unknown;
}

/** Claims a caller passes to create: `iat`, `exp` and `jti` are filled in when absent. */
export type EctClaimsInput = Omit<EctClaims, "iat" | "exp" | "jti"> & {
  /** Issued at, integer seconds; defaults to the creator's clock. */
  readonly iat?: number;
  /** Expiry, integer seconds; defaults to `iat` + the configured default expiry (SPEC 4). */
  readonly exp?: number;
  /** Token and task id; defaults to a fresh random UUID. */
  readonly jti?: string;
};

/** An ECT split and decoded by the strict decoder, not (yet) verified. */
export interface DecodedEct {
  /** The token exactly as received. */
  readonly token: string;
  /** 1 for an unsigned token, 2 for a JWS (a decoded token is never level 3). */
  readonly level: 1 | 2;
  /**
   * The protected header (L2) or `undefined` (L1). The decoded object, not validated; frozen (tokens
   * with the same header segment share it).
   */
  readonly header: Readonly<Record<string, unknown>> | undefined;
  /** The decoded claims object, not validated. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** UTF-8 bytes of the header JSON as received (empty for L1). */
  readonly headerBytes: Uint8Array;
  /** UTF-8 bytes of the claims JSON as received. */
  readonly payloadBytes: Uint8Array;
  /** The signature bytes (empty for L1). */
  readonly signature: Uint8Array;
  /** `header.payload` as ASCII, the JWS signing input (empty for L1). */
  readonly signingInput: string;
}
