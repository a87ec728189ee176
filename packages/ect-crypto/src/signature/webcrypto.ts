/**
 * The WebCrypto signature primitive: `crypto.subtle.verify`. Used in browsers, workers, Deno, Bun
 * and any runtime other than Node (see `backend.ts`).
 *
 * @internal
 */
import type { AlgorithmProfile, EctCurve } from "../algorithms.js";
import type { PreparedPrivateKey, PreparedPublicKey, SignatureBackend } from "./backend.js";
import {
  assertNotSmallOrderEd25519,
  cryptoKeyCurve,
  isCryptoKey,
  type PublicKeyInput,
  publicJwkMembers,
} from "./public-key-checks.js";

const IMPORT_PARAMS: Readonly<Record<EctCurve, EcKeyImportParams | Algorithm>> = {
  "P-256": { name: "ECDSA", namedCurve: "P-256" },
  "P-384": { name: "ECDSA", namedCurve: "P-384" },
  "P-521": { name: "ECDSA", namedCurve: "P-521" },
  Ed25519: { name: "Ed25519" },
};

// One parameter object per algorithm, built once (the same for signing and verifying).
const VERIFY_PARAMS = new Map<string, EcdsaParams | Algorithm>();
function verifyParams(profile: AlgorithmProfile): EcdsaParams | Algorithm {
  let params = VERIFY_PARAMS.get(profile.alg);
  if (params === undefined) {
    params = profile.kind === "ecdsa" ? { name: "ECDSA", hash: profile.hash! } : { name: "Ed25519" };
    VERIFY_PARAMS.set(profile.alg, params);
  }
  return params;
}

/** The WebCrypto backend. */
export const signatureBackend: SignatureBackend = {
  name: "webcrypto",

  async preparePublicKey(key: PublicKeyInput): Promise<PreparedPublicKey> {
    if (isCryptoKey(key)) {
      const curve = cryptoKeyCurve(key);
      // A non-extractable public key cannot be inspected; every key this library imports is extractable.
      if (curve === "Ed25519" && key.extractable) {
        assertNotSmallOrderEd25519(new Uint8Array(await crypto.subtle.exportKey("raw", key)));
      }
      return { curve, handle: key };
    }
    const members = publicJwkMembers(key);
    const handle = await crypto.subtle.importKey("jwk", members, IMPORT_PARAMS[members.crv], true, [
      "verify",
    ]);
    return { curve: members.crv, handle };
  },

  // WebCrypto is always asynchronous; the concurrency hint does not matter here.
  async verify(profile, key, signature, data): Promise<boolean> {
    try {
      return await crypto.subtle.verify(
        verifyParams(profile),
        key.handle as CryptoKey,
        signature as Uint8Array<ArrayBuffer>,
        data as Uint8Array<ArrayBuffer>,
      );
    } catch {
      return false;
    }
  },

  preparePrivateKey(key: CryptoKey, curve: EctCurve): PreparedPrivateKey {
    return { curve, handle: key };
  },

  // WebCrypto ECDSA signatures are raw r‖s already (the JWS form).
  async sign(profile, key, data): Promise<Uint8Array> {
    return new Uint8Array(
      await crypto.subtle.sign(
        verifyParams(profile),
        key.handle as CryptoKey,
        data as Uint8Array<ArrayBuffer>,
      ),
    );
  },
};
