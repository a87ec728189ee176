/**
 * The WebCrypto signature primitive: `crypto.subtle.verify`. Used in browsers, workers, Deno, Bun
 * and any runtime other than Node (see `backend.ts`).
 *
 * @internal
 */
import { type EctCurve, webCryptoImportParams, webCryptoSignParams } from "../algorithms.js";
import { isCryptoKey } from "../key-curve.js";
import type { PreparedPrivateKey, PreparedPublicKey, SignatureBackend } from "./backend.js";
import {
  assertNotSmallOrderEd25519,
  cryptoKeyCurve,
  type PublicKeyInput,
  publicJwkMembers,
} from "./public-key-checks.js";

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
    const handle = await crypto.subtle.importKey("jwk", members, webCryptoImportParams(members.crv), true, [
      "verify",
    ]);
    return { curve: members.crv, handle };
  },

  // WebCrypto is always asynchronous; the concurrency hint does not matter here.
  async verify(profile, key, signature, data): Promise<boolean> {
    try {
      return await crypto.subtle.verify(
        webCryptoSignParams(profile),
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
        webCryptoSignParams(profile),
        key.handle as CryptoKey,
        data as Uint8Array<ArrayBuffer>,
      ),
    );
  },
};
