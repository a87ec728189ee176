import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as core from "../src/index.js";

// Other packages build on these names: a rename must fail here first. And ect-core must run in
// browsers and edge runtimes (ARCHITECTURE: no node: imports).

describe("ect-core package surface", () => {
  it("exports every name other packages rely on", () => {
    const names = [
      "ALLOWED_HEADER_MEMBERS",
      "ClaimNames",
      "DEFAULT_ALGORITHMS",
      "DEFAULT_CONFIG",
      "Defaults",
      "ECT_TYP",
      "ECT_TYP_LEGACY",
      "ENV_VARIABLES",
      "EXECUTION_CONTEXT_HEADER",
      "EctError",
      "EctErrorCodes",
      "FORBIDDEN_MEMBER_NAMES",
      "GENESIS_CHAIN_HASH",
      "Limits",
      "POLICY_DECISIONS",
      "RECEIPT_TYP",
      "REQUIRED_CLAIMS",
      "SUPPORTED_ALGORITHMS",
      "base64urlDecode",
      "base64urlEncode",
      "base64urlEncodeText",
      "chainHash",
      "decodeEct",
      "decodeUtf8Strict",
      "ectKey",
      "err",
      "formatExecutionContextHeader",
      "fromHex",
      "isCanonicalBase64url",
      "isEctError",
      "isEctErrorCode",
      "isForbiddenAlgorithm",
      "isSha256Base64url",
      "isUuid",
      "isValidClaims",
      "isValidHeader",
      "leafHash",
      "loadConfigFromEnv",
      "normalizeAudience",
      "normalizeTyp",
      "ok",
      "parseExecutionContextHeader",
      "parseStrictJson",
      "parseStrictJsonValue",
      "replayRecordExpiry",
      "resolveConfig",
      "sha256",
      "sha256Base64url",
      "toHex",
      "validateClaims",
      "validateHeader",
    ];
    expect(Object.keys(core)).toEqual(expect.arrayContaining(names));
  });

  it("imports no node: module and uses no Node globals in src", () => {
    const dir = new URL("../src/", import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      // Code only: comments may mention `process.env` as an example argument.
      const text = readFileSync(new URL(file, dir), "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/^\s*\/\/.*$/gm, "");
      expect(text, file).not.toMatch(/from\s+["']node:|require\(|import\(["']node:/);
      expect(text, file).not.toMatch(/\b(Buffer|process)\./);
    }
  });
});
