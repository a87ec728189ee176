/**
 * `ect-core`: the bottom layer of ECT for TypeScript. Types, constants, stable error codes, strict
 * base64url/JSON decoding, the claim and header rules, configuration, hashing, the
 * `Execution-Context` header codec, and the interfaces the other packages meet through.
 * No dependencies, no `node:` imports: it runs in any JavaScript runtime.
 *
 * @packageDocumentation
 */
export { base64Decode, base64Encode } from "./base64.js";
export * from "./base64url.js";
export * from "./claims.js";
export * from "./config.js";
export * from "./constants.js";
export * from "./dag-options.js";
export * from "./decode.js";
export * from "./errors.js";
export * from "./execution-context-header.js";
export * from "./hash.js";
export * from "./interfaces.js";
export * from "./ledger-audit.js";
export * from "./ledger-record.js";
export * from "./note-key.js";
export { sha256Sync } from "./sha256.js";
export * from "./strict-json.js";
export * from "./types.js";
export * from "./uuid.js";
