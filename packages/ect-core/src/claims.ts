import { isCanonicalBase64url } from "./base64url.js";
import {
  ALLOWED_HEADER_MEMBERS,
  DEFAULT_ALGORITHMS,
  Defaults,
  ECT_TYP,
  ECT_TYP_LEGACY,
  FORBIDDEN_MEMBER_NAMES,
  Limits,
  POLICY_DECISIONS,
  REQUIRED_CLAIMS,
  SUPPORTED_ALGORITHMS,
} from "./constants.js";
import { EctErrorCodes as C, EctConfigError, EctError, type EctErrorCode } from "./errors.js";
import type { EctClaims, EctHeader } from "./types.js";
import { isUuid } from "./uuid.js";

/** Options for {@link validateClaims}. */
export interface ClaimRuleOptions {
  /** Longest `pred` allowed; 0 = unlimited. Default 100 (SPEC 3). A non-negative integer. */
  readonly maxPredLength?: number;
  /**
   * `true` when the claims are exactly what `decodeEct` (or `parseStrictJson` with its defaults)
   * returned: the decoder already refused forbidden member names anywhere and nesting deeper than
   * 16 (profile §5.3), so the walk that looks for them again is skipped. Default false: claims
   * built in code (`createEct`, a ledger's stored value) are walked.
   */
  readonly strictlyDecoded?: boolean;
}

/** Options for {@link validateHeader}. */
export interface HeaderRuleOptions {
  /**
   * Allowed `alg` values, exact and case-sensitive. Default `["ES256"]` (SPEC 2). Only values of
   * {@link SUPPORTED_ALGORITHMS} can ever pass: `none`, `HS*` and anything else are refused even
   * when listed here.
   */
  readonly algorithms?: readonly string[];
  /**
   * `"required"` (default, SPEC 2). `"optional"` only in WIT-bound mode (SPEC 2 exception, 9.2): the
   * key is the WIT's `cnf.jwk`, so `kid` may be absent; when present it must still be a string of
   * 1-256 characters (the verifier then compares it with the key's RFC 7638 thumbprint).
   */
  readonly kid?: "required" | "optional";
}

const ALLOWED_HEADER = new Set<string>(ALLOWED_HEADER_MEMBERS);
const SUPPORTED = new Set<string>(SUPPORTED_ALGORITHMS);
const FORBIDDEN_NAMES = new Set(FORBIDDEN_MEMBER_NAMES);
const DECISIONS = new Set<string>(POLICY_DECISIONS);
const HASH_CLAIMS = ["inp_hash", "out_hash"] as const;

/**
 * True for algorithms the profile never accepts, whatever the configuration: `none` and every
 * symmetric (`HS*`) algorithm in any case (SPEC 2).
 */
export function isForbiddenAlgorithm(alg: string): boolean {
  const lower = alg.toLowerCase();
  return lower === "none" || lower.startsWith("hs");
}

/**
 * Normalises a `typ` value per RFC 7515 section 4.1.9: lower-cased, `application/` prefix removed.
 */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith("application/") ? lower.slice("application/".length) : lower;
}

/** An own property's value: never one inherited from a (possibly polluted) prototype. */
function own(record: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

function isPlainRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Checks a JOSE header against SPEC 2 and returns every violation (empty when valid), in the order
 * `alg`, `typ`, `kid`, other members. Pure and synchronous.
 *
 * - `alg` (`ECT_ALG_NOT_ALLOWED`): a string in the allowlist, exact case, and one of
 *   {@link SUPPORTED_ALGORITHMS}; `none` and `HS*` never pass, whatever the allowlist says.
 * - `typ` (`ECT_TYP_INVALID`): `exec+jwt` or `wimse-exec+jwt`, case-insensitive, optionally with an
 *   `application/` prefix.
 * - `kid` (`ECT_KID_INVALID`): a string of 1-256 Unicode code points.
 * - any other member (`ECT_HEADER_MEMBER_FORBIDDEN`), one error per member.
 *
 * A header that is not an object yields one `ECT_JSON_NOT_OBJECT` error.
 */
export function validateHeader(
  header: Readonly<Record<string, unknown>>,
  options: HeaderRuleOptions = {},
): EctError[] {
  if (!isPlainRecord(header)) return [new EctError(C.JSON_NOT_OBJECT, "header must be a JSON object")];
  const errors: EctError[] = [];
  const allowlist = options.algorithms ?? DEFAULT_ALGORITHMS;
  const alg = own(header, "alg");
  const typ = own(header, "typ");
  const kid = own(header, "kid");
  if (typeof alg !== "string") {
    errors.push(new EctError(C.ALG_NOT_ALLOWED, "header.alg is missing or not a string", { member: "alg" }));
  } else if (isForbiddenAlgorithm(alg) || !SUPPORTED.has(alg) || !allowlist.includes(alg)) {
    errors.push(
      new EctError(C.ALG_NOT_ALLOWED, `header.alg ${JSON.stringify(alg)} is not in the allowlist`, {
        member: "alg",
      }),
    );
  }
  if (typeof typ !== "string") {
    errors.push(new EctError(C.TYP_INVALID, "header.typ is missing or not a string", { member: "typ" }));
  } else {
    const t = normalizeTyp(typ);
    if (t !== ECT_TYP && t !== ECT_TYP_LEGACY) {
      errors.push(
        new EctError(C.TYP_INVALID, `header.typ ${JSON.stringify(typ)} is not ${ECT_TYP}`, { member: "typ" }),
      );
    }
  }
  const kidMayBeAbsent = options.kid === "optional" && kid === undefined;
  if (
    !kidMayBeAbsent &&
    (typeof kid !== "string" || kid.length === 0 || !hasAtMostCodePoints(kid, Limits.KID_MAX_LENGTH))
  ) {
    errors.push(
      new EctError(C.KID_INVALID, `header.kid must be a string of 1-${Limits.KID_MAX_LENGTH} characters`, {
        member: "kid",
      }),
    );
  }
  for (const name of Object.keys(header)) {
    if (!ALLOWED_HEADER.has(name)) {
      errors.push(
        new EctError(C.HEADER_MEMBER_FORBIDDEN, `header member ${JSON.stringify(name)} is not allowed`, {
          member: name,
        }),
      );
    }
  }
  return errors;
}

/** Type guard: the header passed {@link validateHeader}. */
export function isValidHeader(
  header: Readonly<Record<string, unknown>>,
  options?: HeaderRuleOptions,
): header is Readonly<Record<string, unknown>> & EctHeader {
  return validateHeader(header, options).length === 0;
}

function push(errors: EctError[], code: EctErrorCode, member: string, message: string): void {
  errors.push(new EctError(code, message, { member }));
}

function isNonEmptyString(v: unknown): v is string {
  return typeof v === "string" && v.length > 0;
}

function isIntegerSeconds(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v);
}

/**
 * Unicode code points in `s` (so an emoji counts once, as a reader would count it): how the
 * profile's character limits (`kid`, claim lengths) are counted, by the claim rules and by signers.
 */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Whether `s` has at most `max` code points (never more than its UTF-16 length). */
function hasAtMostCodePoints(s: string, max: number): boolean {
  return s.length <= max || codePointLength(s) <= max;
}

/**
 * Bytes of `s` encoded as UTF-8 (a lone surrogate as U+FFFD, 3 bytes, as `TextEncoder` does),
 * without encoding it.
 */
function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a pair: 2 units, 4 bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/**
 * True when `value` is a canonical unpadded base64url SHA-256 digest: 43 characters of
 * `[A-Za-z0-9_-]` that re-encode to themselves (SPEC 3 `inp_hash`, `out_hash`).
 */
export function isSha256Base64url(value: unknown): value is string {
  return (
    typeof value === "string" && value.length === Limits.HASH_B64URL_LENGTH && isCanonicalBase64url(value)
  );
}

/**
 * Depth of a JSON value (an object or array counts one level, scalars none); `-1` when the value is
 * not plain JSON (undefined, functions, symbols, bigint, non-finite numbers, class instances).
 * Stops descending past `limit`, so a cyclic value terminates. Forbidden member names are
 * reported by the claims-wide walk ({@link validateClaims}), not here.
 */
function jsonDepth(value: unknown, depth: number, limit: number): number {
  if (value === null || typeof value === "string" || typeof value === "boolean") return depth;
  if (typeof value === "number") return Number.isFinite(value) ? depth : -1;
  if (typeof value !== "object") return -1;
  if (depth + 1 > limit) return depth + 1; // stop descending: already too deep
  let max = depth + 1;
  if (Array.isArray(value)) {
    for (const item of value) {
      const d = jsonDepth(item, depth + 1, limit);
      if (d < 0) return -1;
      if (d > max) max = d;
    }
    return max;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return -1;
  for (const key of Object.keys(value)) {
    const d = jsonDepth((value as Record<string, unknown>)[key], depth + 1, limit);
    if (d < 0) return -1;
    if (d > max) max = d;
  }
  return max;
}

/**
 * Walks the whole claims value (every member, every array element) looking for a member named
 * `__proto__`, `constructor` or `prototype`, and for nesting deeper than SPEC 5.3's 16 levels (the
 * claims object is depth 1). Returns the first finding. It never gives up early: a walk that stopped
 * after some budget would let a forbidden name hide behind enough padding, so the depth bound is
 * what keeps it finite (also on cyclic input given to create).
 */
function findStructuralViolation(
  value: unknown,
  path: string,
  depth: number,
): { code: EctErrorCode; member: string } | undefined {
  if (value === null || typeof value !== "object") return undefined;
  if (depth > Limits.JSON_MAX_DEPTH) return { code: C.JSON_TOO_DEEP, member: path };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findStructuralViolation(value[i], `${path}[${i}]`, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const p = path === "" ? key : `${path}.${key}`;
    if (FORBIDDEN_NAMES.has(key)) return { code: C.FORBIDDEN_MEMBER_NAME, member: p };
    const hit = findStructuralViolation((value as Record<string, unknown>)[key], p, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Checks claims against every rule of SPEC 3 and returns all violations with their codes (empty
 * when valid), each naming its claim in `member`. Time, audience, DAG and replay are not claim
 * rules: they need a clock, a verifier id or a store (SPEC 5.7-5.10). Pure and synchronous.
 *
 * Order of the errors: a forbidden member name (`__proto__`, `constructor`, `prototype`, anywhere)
 * or nesting deeper than 16 first (unless `strictlyDecoded`), then missing required claims, then each claim's own rule in
 * the order of the SPEC 3 table. Claims that are not an object yield one `ECT_JSON_NOT_OBJECT`.
 *
 * @throws {@link EctConfigError} (code `ECT_CONFIG_INVALID`) when `maxPredLength` is not a non-negative integer.
 */
export function validateClaims(
  claims: Readonly<Record<string, unknown>>,
  options: ClaimRuleOptions = {},
): EctError[] {
  const maxPredLength = options.maxPredLength ?? Defaults.MAX_PRED_LENGTH;
  if (!Number.isSafeInteger(maxPredLength) || maxPredLength < 0) {
    throw new EctConfigError("maxPredLength", "must be a non-negative integer (0 = unlimited)", {
      received: maxPredLength,
    });
  }
  if (!isPlainRecord(claims)) return [new EctError(C.JSON_NOT_OBJECT, "claims must be a JSON object")];
  const errors: EctError[] = [];
  const structural = options.strictlyDecoded === true ? undefined : findStructuralViolation(claims, "", 1);
  if (structural !== undefined) {
    push(
      errors,
      structural.code,
      structural.member,
      structural.code === C.FORBIDDEN_MEMBER_NAME
        ? `claim member name ${JSON.stringify(structural.member)} is forbidden`
        : `claims nest deeper than ${Limits.JSON_MAX_DEPTH} at ${structural.member}`,
    );
  }
  for (const name of REQUIRED_CLAIMS) {
    if (own(claims, name) === undefined) {
      push(errors, C.CLAIM_MISSING, name, `required claim ${name} is missing`);
    }
  }
  const iss = own(claims, "iss");
  const aud = own(claims, "aud");
  const iat = own(claims, "iat");
  const exp = own(claims, "exp");
  const jti = own(claims, "jti");
  const wid = own(claims, "wid");
  const exec_act = own(claims, "exec_act");
  const pred = own(claims, "pred");
  const nbf = own(claims, "nbf");

  if (iss !== undefined && !isNonEmptyString(iss))
    push(errors, C.ISS_INVALID, "iss", "iss must be a non-empty string");

  if (aud !== undefined) {
    const okAud =
      isNonEmptyString(aud) || (Array.isArray(aud) && aud.length > 0 && aud.every(isNonEmptyString));
    if (!okAud)
      push(errors, C.AUD_INVALID, "aud", "aud must be a non-empty string or array of non-empty strings");
  }

  // profile §3: times are integer seconds of magnitude at most 2^53 - 1 (the I-JSON safe range).
  if (iat !== undefined && !isIntegerSeconds(iat))
    push(errors, C.IAT_INVALID, "iat", "iat must be integer seconds within +-(2^53 - 1)");
  if (exp !== undefined) {
    if (!isIntegerSeconds(exp))
      push(errors, C.EXP_INVALID, "exp", "exp must be integer seconds within +-(2^53 - 1)");
    else if (isIntegerSeconds(iat) && exp <= iat)
      push(errors, C.EXP_INVALID, "exp", "exp must be later than iat");
  }
  // profile §3: `nbf` is optional; its time comparison is profile §5.8's.
  if (nbf !== undefined && !isIntegerSeconds(nbf))
    push(errors, C.NBF_INVALID, "nbf", "nbf must be integer seconds within +-(2^53 - 1)");

  if (jti !== undefined && !isUuid(jti)) push(errors, C.JTI_INVALID, "jti", "jti must be a UUID");
  if (wid !== undefined && !isUuid(wid)) push(errors, C.WID_INVALID, "wid", "wid must be a UUID");

  if (exec_act !== undefined) {
    if (!isNonEmptyString(exec_act) || !hasAtMostCodePoints(exec_act, Limits.EXEC_ACT_MAX_LENGTH)) {
      push(
        errors,
        C.EXEC_ACT_INVALID,
        "exec_act",
        `exec_act must be a string of 1-${Limits.EXEC_ACT_MAX_LENGTH} characters`,
      );
    }
  }

  if (pred !== undefined) validatePred(pred, jti, maxPredLength, errors);

  for (const name of HASH_CLAIMS) {
    const hash = own(claims, name);
    if (hash !== undefined && !isSha256Base64url(hash)) {
      push(
        errors,
        C.HASH_INVALID,
        name,
        `${name} must be the unpadded base64url SHA-256 digest (43 characters)`,
      );
    }
  }

  const ext = own(claims, "ect_ext");
  if (ext !== undefined) validateExt(ext, errors);
  return errors;
}

function validatePred(pred: unknown, jti: unknown, maxLength: number, errors: EctError[]): void {
  if (!Array.isArray(pred)) {
    push(errors, C.PRED_INVALID, "pred", "pred must be an array of UUIDs");
    return;
  }
  if (maxLength > 0 && pred.length > maxLength) {
    push(errors, C.PRED_INVALID, "pred", `pred has ${pred.length} entries, more than ${maxLength}`);
    return;
  }
  if (pred.length === 0) return;
  const self = typeof jti === "string" ? jti.toLowerCase() : undefined;
  const seen = new Set<string>();
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i];
    if (!isUuid(p)) {
      push(errors, C.PRED_INVALID, `pred[${i}]`, `pred[${i}] must be a UUID`);
      continue;
    }
    const key = p.toLowerCase();
    if (key === self) push(errors, C.PRED_INVALID, `pred[${i}]`, "pred must not name the token's own jti");
    if (seen.has(key)) push(errors, C.PRED_INVALID, `pred[${i}]`, `pred[${i}] duplicates an earlier entry`);
    seen.add(key);
  }
}

function validateExt(ext: unknown, errors: EctError[]): void {
  if (ext === null || typeof ext !== "object" || Array.isArray(ext)) {
    push(errors, C.EXT_INVALID, "ect_ext", "ect_ext must be a JSON object");
    return;
  }
  const depth = jsonDepth(ext, 0, Limits.ECT_EXT_MAX_DEPTH);
  if (depth < 0) {
    push(errors, C.EXT_INVALID, "ect_ext", "ect_ext must contain only plain JSON values");
    return;
  }
  if (depth > Limits.ECT_EXT_MAX_DEPTH) {
    push(errors, C.EXT_INVALID, "ect_ext", `ect_ext nests deeper than ${Limits.ECT_EXT_MAX_DEPTH}`);
    return;
  }
  const json = JSON.stringify(ext);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: a short serialisation needs no counting.
  if (json.length * 3 > Limits.ECT_EXT_MAX_BYTES && utf8Length(json) > Limits.ECT_EXT_MAX_BYTES) {
    push(
      errors,
      C.EXT_INVALID,
      "ect_ext",
      `ect_ext is ${utf8Length(json)} bytes of JSON, more than ${Limits.ECT_EXT_MAX_BYTES}`,
    );
  }
  const pol = own(ext as Record<string, unknown>, "pol");
  const pol_decision = own(ext as Record<string, unknown>, "pol_decision");
  if (pol !== undefined || pol_decision !== undefined) {
    if (typeof pol !== "string")
      push(errors, C.POLICY_INVALID, "ect_ext.pol", "ect_ext.pol must be a string");
    if (typeof pol_decision !== "string" || !DECISIONS.has(pol_decision)) {
      push(
        errors,
        C.POLICY_INVALID,
        "ect_ext.pol_decision",
        `ect_ext.pol_decision must be one of ${POLICY_DECISIONS.join(", ")}`,
      );
    }
  }
}

/** Type guard: the claims passed {@link validateClaims}. */
export function isValidClaims(
  claims: Readonly<Record<string, unknown>>,
  options?: ClaimRuleOptions,
): claims is Readonly<Record<string, unknown>> & EctClaims {
  return validateClaims(claims, options).length === 0;
}

/** `aud` as an array (SPEC 3: the parsed form offers a normalised array). */
export function normalizeAudience(aud: string | readonly string[]): readonly string[] {
  return typeof aud === "string" ? [aud] : aud;
}
