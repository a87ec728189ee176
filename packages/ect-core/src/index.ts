/**
 * `ect-core`: the bottom layer of ECT for TypeScript. The types of a token, the stable error codes,
 * configuration (profile §4), the unverified decoder (profile §5 steps 1-3), the
 * `Execution-Context` header codec (profile §8), the `inp_hash`/`out_hash` helper (profile §3), and
 * the interfaces the other packages meet through (key resolvers, replay caches, checks, stores,
 * ledgers). No dependencies, no `node:` imports: it runs in any JavaScript runtime.
 *
 * This list is the package's public, semver-covered surface. Helpers the `ect-*` packages share
 * among themselves (strict JSON, base64url, claim rules, hashing internals, receipts ...) live in
 * `ect-core/internal`, which is outside the semver promise.
 *
 * @packageDocumentation
 */
export { DEFAULT_CONFIG, type EctConfig, loadConfigFromEnv, resolveConfig } from "./config.js";
export { ECT_TYP, type EctAlgorithm, EXECUTION_CONTEXT_HEADER, SUPPORTED_ALGORITHMS } from "./constants.js";
export { type DecodeOptions, decodeEct } from "./decode.js";
export {
  EctConfigError,
  type EctConfigErrorOptions,
  EctError,
  type EctErrorCode,
  EctErrorCodes,
  type EctErrorOptions,
  isEctError,
  type Result,
} from "./errors.js";
export {
  formatExecutionContextHeader,
  type HeaderCodecOptions,
  parseExecutionContextHeader,
} from "./execution-context-header.js";
export { sha256Base64url } from "./hash.js";
export type {
  AppendOptions,
  AppendResult,
  CheckOutcome,
  Clock,
  ConflictRecord,
  DagRuleOptions,
  DagValidationResult,
  DagValidator,
  EctStore,
  KeyLookup,
  KeyResolver,
  Ledger,
  LedgerEntry,
  LedgerReceipt,
  NoteSigner,
  ReplayCache,
  ReplayRecord,
  StoredEct,
  VerificationCheck,
  VerificationContext,
  VerifiedEct,
} from "./interfaces.js";
export type {
  AssuranceLevel,
  DecodedEct,
  EctClaims,
  EctClaimsInput,
  EctHeader,
  JsonObject,
  JsonValue,
} from "./types.js";
