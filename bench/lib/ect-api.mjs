// How the benchmarks call ect-crypto: one place, so every suite verifies the same way.
import { importJWK } from "jose";
import { importPackage } from "./suite.mjs";
import { ISSUER, VERIFIER_ID } from "./tokens.mjs";

/**
 * The full SPEC 5 verification as a user would set it up: `verifyEct(token, { verifierId, keys,
 * replayCache })` with a static key resolver holding the public key (imported once, the same
 * CryptoKey jose gets) and a fresh in-memory replay cache per `newVerify()`, so the same tokens
 * can be verified again in the next round. `extra` options (checks, ledger, config) are passed on.
 */
export async function loadEctVerify(key, extra = {}) {
  const crypto = await importPackage("ect-crypto", [
    "verifyEct",
    "createEctVerifier",
    "staticKeyResolver",
    "MemoryReplayCache",
  ]);
  const publicKey = await importJWK(key.publicJwk, "ES256");
  const keys = crypto.staticKeyResolver([
    { iss: ISSUER, kid: key.kid, key: publicKey, algorithms: ["ES256"] },
  ]);
  return {
    crypto,
    publicKey,
    keys,
    /** A verify function with its own empty replay cache of `capacity` entries. */
    newVerify({ capacity = 200_000, options = {} } = {}) {
      const replayCache = new crypto.MemoryReplayCache({ capacity });
      const verifyOptions = { verifierId: VERIFIER_ID, keys, replayCache, ...extra, ...options };
      return (token) => crypto.verifyEct(token, verifyOptions);
    },
    /** `createEctVerifier(options).verify`: the options validated once (the documented fast path). */
    newVerifier({ capacity = 200_000, options = {} } = {}) {
      const replayCache = new crypto.MemoryReplayCache({ capacity });
      return crypto.createEctVerifier({ verifierId: VERIFIER_ID, keys, replayCache, ...extra, ...options })
        .verify;
    },
  };
}
