/**
 * **Internal: outside the semver promise.** `ect-core/internal` holds the helpers the `ect-*`
 * packages of this repository share among themselves: canonical base64url, strict I-JSON parsing,
 * the claim and header rules as functions, DAG option resolution, hashing internals, the ledger
 * record and receipt helpers, and the audit. Anything here may change or disappear in any release,
 * patch releases included. Applications and third-party packages should use the public entry
 * `ect-core` (and `ect-crypto`, `ect-dag`, the ledgers), which is where the stable names live.
 *
 * @packageDocumentation
 */

export { sha256Sync } from "#sha256";
export { base64Decode, base64Encode } from "./base64.js";
export {
  asciiBytes,
  base64urlDecode,
  base64urlEncode,
  base64urlEncodeText,
  isCanonicalBase64url,
} from "./base64url.js";
export {
  type ClaimRuleOptions,
  codePointLength,
  type HeaderRuleOptions,
  isForbiddenAlgorithm,
  isSha256Base64url,
  isValidClaims,
  isValidHeader,
  normalizeAudience,
  normalizeTyp,
  validateClaims,
  validateHeader,
} from "./claims.js";
export { assertReplayKey, ENV_VARIABLES, replayRecordExpiry, replayRecordTtlMs } from "./config.js";
export {
  ALLOWED_HEADER_MEMBERS,
  ClaimNames,
  DEFAULT_ALGORITHMS,
  Defaults,
  ECT_TYP_LEGACY,
  FORBIDDEN_MEMBER_NAMES,
  Limits,
  POLICY_DECISIONS,
  type PolicyDecision,
  RECEIPT_TYP,
  REQUIRED_CLAIMS,
} from "./constants.js";
export {
  type DagRuleOptionsContext,
  type ResolvedDagRuleOptions,
  resolveDagRuleOptions,
} from "./dag-options.js";
export { assertKnownOptions, err, errorFromViolations, isEctErrorCode, ok } from "./errors.js";
export { fromHex, sha256, toHex } from "./hash.js";
export type { AuditTokenVerifier, JwsSigner, RangeOptions } from "./interfaces.js";
export {
  formatNoteKeyId,
  formatNoteVerifierKey,
  isValidNoteKeyName,
  isValidNoteText,
  NOTE_KEY_TYPE_ED25519,
  type NoteVerifierKey,
  noteKeyId,
  parseNoteVerifierKey,
} from "./note-key.js";
export { booleanOption, choiceOption, integerOption } from "./option-values.js";
export { isPromiseLike } from "./promise-like.js";
export {
  decodeUtf8Strict,
  parseStrictJson,
  parseStrictJsonValue,
  type StrictJsonOptions,
} from "./strict-json.js";
export { ectKey, isUuid } from "./uuid.js";
