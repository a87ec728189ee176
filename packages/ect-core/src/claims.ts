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
} from "./constants.js";
import { EctErrorCodes as C, EctError, type EctErrorCode } from "./errors.js";
import type { EctClaims, EctHeader } from "./types.js";
import { isUuid } from "./uuid.js";

/** Options for {@link validateClaims}. */
export interface ClaimRuleOptions {
  /** Longest `pred` allowed; 0 = unlimited. Default 100 (SPEC 3). */
  readonly maxPredLength?: number;
}

/** Options for {@link validateHeader}. */
export interface HeaderRuleOptions {
  /** Allowed `alg` values, exact and case-sensitive. Default `["ES256"]` (SPEC 2). */
  readonly algorithms?: readonly string[];
}

const ALLOWED_HEADER = new Set<string>(ALLOWED_HEADER_MEMBERS);
const FORBIDDEN_NAMES = new Set(FORBIDDEN_MEMBER_NAMES);
const DECISIONS = new Set<string>(POLICY_DECISIONS);
const utf8 = new TextEncoder();

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

/**
 * Checks a JOSE header against SPEC 2 and returns every violation (empty when valid), in the order
 * `alg`, `typ`, `kid`, other members. Pure and synchronous.
 */
export function validateHeader(
  header: Readonly<Record<string, unknown>>,
  options: HeaderRuleOptions = {},
): EctError[] {
  const errors: EctError[] = [];
  const allowlist = options.algorithms ?? DEFAULT_ALGORITHMS;
  const { alg, typ, kid } = header;
  if (typeof alg !== "string") {
    errors.push(new EctError(C.ALG_NOT_ALLOWED, "header.alg is missing or not a string", { member: "alg" }));
  } else if (isForbiddenAlgorithm(alg) || !allowlist.includes(alg)) {
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
  if (typeof kid !== "string" || kid.length === 0 || kid.length > Limits.KID_MAX_LENGTH) {
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

/** Unicode code points in `s` (so an emoji counts once, as a reader would count it). */
function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
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
 * not plain JSON (undefined, functions, symbols, bigint, non-finite numbers, class instances) or
 * has a member named `__proto__`, `constructor` or `prototype`.
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
    if (FORBIDDEN_NAMES.has(key)) return -1;
    const d = jsonDepth((value as Record<string, unknown>)[key], depth + 1, limit);
    if (d < 0) return -1;
    if (d > max) max = d;
  }
  return max;
}

/** Finds a member named `__proto__`, `constructor` or `prototype` anywhere; returns its path. */
function findForbiddenName(value: unknown, path: string, budget: { n: number }): string | undefined {
  if (value === null || typeof value !== "object" || --budget.n < 0) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findForbiddenName(value[i], `${path}[${i}]`, budget);
      if (hit) return hit;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const p = path === "" ? key : `${path}.${key}`;
    if (FORBIDDEN_NAMES.has(key)) return p;
    const hit = findForbiddenName((value as Record<string, unknown>)[key], p, budget);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Checks claims against every rule of SPEC 3 and returns all violations with their codes (empty
 * when valid). Time, audience, DAG and replay are not claim rules: they need a clock, a verifier id
 * or a store (SPEC 5.7-5.10). Pure and synchronous.
 */
export function validateClaims(
  claims: Readonly<Record<string, unknown>>,
  options: ClaimRuleOptions = {},
): EctError[] {
  const errors: EctError[] = [];
  if (claims === null || typeof claims !== "object" || Array.isArray(claims)) {
    return [new EctError(C.JSON_NOT_OBJECT, "claims must be a JSON object")];
  }
  const forbidden = findForbiddenName(claims, "", { n: 10_000 });
  if (forbidden !== undefined) {
    push(
      errors,
      C.FORBIDDEN_MEMBER_NAME,
      forbidden,
      `claim member name ${JSON.stringify(forbidden)} is forbidden`,
    );
  }
  for (const name of REQUIRED_CLAIMS) {
    if (!Object.hasOwn(claims, name) || claims[name] === undefined) {
      push(errors, C.CLAIM_MISSING, name, `required claim ${name} is missing`);
    }
  }
  const has = (name: string) => Object.hasOwn(claims, name) && claims[name] !== undefined;
  const { iss, aud, iat, exp, jti, wid, exec_act, pred } = claims;

  if (has("iss") && !isNonEmptyString(iss))
    push(errors, C.ISS_INVALID, "iss", "iss must be a non-empty string");

  if (has("aud")) {
    const okAud =
      isNonEmptyString(aud) || (Array.isArray(aud) && aud.length > 0 && aud.every(isNonEmptyString));
    if (!okAud)
      push(errors, C.AUD_INVALID, "aud", "aud must be a non-empty string or array of non-empty strings");
  }

  if (has("iat") && !isIntegerSeconds(iat))
    push(errors, C.IAT_INVALID, "iat", "iat must be finite integer seconds");
  if (has("exp")) {
    if (!isIntegerSeconds(exp)) push(errors, C.EXP_INVALID, "exp", "exp must be finite integer seconds");
    else if (isIntegerSeconds(iat) && exp <= iat)
      push(errors, C.EXP_INVALID, "exp", "exp must be later than iat");
  }

  if (has("jti") && !isUuid(jti)) push(errors, C.JTI_INVALID, "jti", "jti must be a UUID");
  if (has("wid") && !isUuid(wid)) push(errors, C.WID_INVALID, "wid", "wid must be a UUID");

  if (has("exec_act")) {
    if (!isNonEmptyString(exec_act) || codePointLength(exec_act) > Limits.EXEC_ACT_MAX_LENGTH) {
      push(
        errors,
        C.EXEC_ACT_INVALID,
        "exec_act",
        `exec_act must be a string of 1-${Limits.EXEC_ACT_MAX_LENGTH} characters`,
      );
    }
  }

  if (has("pred")) validatePred(pred, jti, options.maxPredLength ?? Defaults.MAX_PRED_LENGTH, errors);

  for (const name of ["inp_hash", "out_hash"] as const) {
    if (has(name) && !isSha256Base64url(claims[name])) {
      push(
        errors,
        C.HASH_INVALID,
        name,
        `${name} must be the unpadded base64url SHA-256 digest (43 characters)`,
      );
    }
  }

  if (has("ect_ext")) validateExt(claims["ect_ext"], errors);
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
  const size = utf8.encode(JSON.stringify(ext)).length;
  if (size > Limits.ECT_EXT_MAX_BYTES) {
    push(
      errors,
      C.EXT_INVALID,
      "ect_ext",
      `ect_ext is ${size} bytes of JSON, more than ${Limits.ECT_EXT_MAX_BYTES}`,
    );
  }
  const { pol, pol_decision } = ext as Record<string, unknown>;
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
