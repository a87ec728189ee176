/**
 * `ect-crypto`: create and verify Execution Context Tokens (ECTs). Key generation, import and
 * export (JWK, PEM, JWK Sets), `createEct`, the SPEC 5 verification pipeline (`createEctVerifier`,
 * `verifyEct`), key resolvers bound to issuers, an in-memory replay cache, the audit-mode verifier
 * and the ledger receipt signer.
 *
 * Runs in Node, browsers, workers, Deno and Bun (WebCrypto via jose); on Node the signature check
 * uses node:crypto directly. The default entry imports no `node:` module.
 *
 * @packageDocumentation
 */
export {
  type AlgorithmProfile,
  algorithmProfile,
  algorithmsForCurve,
  type EctCurve,
  isSupportedAlgorithm,
  resolveAlgorithmAllowlist,
} from "./algorithms.js";
export {
  type ConfirmationKey,
  type JwsSignatureInput,
  verifyJwsSignature,
} from "./confirmation-key.js";
export { type CreateEctOptions, createEct } from "./create.js";
export { keyCurve } from "./key-curve.js";
export {
  combineKeyResolvers,
  type EctKeyResolver,
  type EctVerificationKey,
  type JwksKeyResolverOptions,
  jwksKeyResolver,
  type RemoteJwksKeyResolver,
  type RemoteJwksKeyResolverOptions,
  remoteJwksKeyResolver,
  type StaticKeyEntry,
  staticKeyResolver,
} from "./key-resolvers.js";
export {
  assertValidKid,
  computeKeyId,
  type EctImportedKey,
  type EctJwks,
  type EctKeyInput,
  type EctKeyPair,
  type EctPublicKey,
  type EctSigningKey,
  type ExportJwkOptions,
  exportJwks,
  exportPrivateJwk,
  exportPrivatePem,
  exportPublicJwk,
  exportPublicPem,
  type GenerateEctKeyPairOptions,
  generateEctKeyPair,
  type ImportEctKeyOptions,
  importEctKey,
} from "./keys.js";
export {
  createNoteSigner,
  type Ed25519NoteSigner,
  type GeneratedNoteKey,
  generateNoteKey,
} from "./note-signer.js";
export {
  createJwsSigner,
  type VerifiedReceipt,
  type VerifyReceiptOptions,
  verifyReceipt,
} from "./receipts.js";
export {
  MemoryReplayCache,
  type MemoryReplayCacheOptions,
  type ReplayCacheFullPolicy,
} from "./replay-cache.js";
export { signatureBackendName } from "./signature/verify-signature.js";
export {
  type AuditVerifierOptions,
  createAuditVerifier,
  createEctVerifier,
  type EctAuditVerifier,
  type EctVerifier,
  safeVerifyEct,
  type VerifyCallOptions,
  type VerifyEctOptions,
  verifyEct,
} from "./verify.js";
