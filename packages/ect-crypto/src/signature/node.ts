/// <reference types="node" />
/**
 * The Node signature primitive: node:crypto `verify` and `sign` with a `KeyObject`, synchronously
 * unless the offload policy says otherwise, so an operation costs no WebCrypto promise and
 * thread-pool round-trip. Selected only under the `node` condition
 * of the package's `imports` map (see `backend.ts`); the default entry never imports `node:`.
 *
 * @internal
 */
import { createPublicKey, KeyObject, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { EctError, EctErrorCodes } from "ect-core";
import type { AlgorithmProfile, EctCurve } from "../algorithms.js";
import { isCryptoKey, keyObjectCurve } from "../key-curve.js";
import type { PreparedPrivateKey, PreparedPublicKey, SignatureBackend } from "./backend.js";
import {
  assertNotSmallOrderEd25519,
  cryptoKeyCurve,
  type PublicKeyInput,
  publicJwkMembers,
} from "./public-key-checks.js";

const NODE_HASHES: Readonly<Record<string, string>> = {
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};

/** The curve of a public node KeyObject, cross-checked against what the CryptoKey or JWK said it was. */
function publicKeyObjectCurve(keyObject: KeyObject): EctCurve {
  if (keyObject.type !== "public") {
    throw new EctError(EctErrorCodes.KEY_INVALID, `a public key is required, got a ${keyObject.type} key`);
  }
  const curve = keyObjectCurve(keyObject);
  if (curve === undefined) throw new EctError(EctErrorCodes.KEY_INVALID, "unsupported key type or curve");
  return curve;
}

function prepare(key: PublicKeyInput): PreparedPublicKey {
  let expected: EctCurve;
  let keyObject: KeyObject;
  if (isCryptoKey(key)) {
    expected = cryptoKeyCurve(key); // the same usability rules as the WebCrypto backend
    keyObject = KeyObject.from(key);
  } else {
    const members = publicJwkMembers(key);
    expected = members.crv;
    try {
      keyObject = createPublicKey({ key: { ...members }, format: "jwk" });
    } catch (cause) {
      throw new EctError(EctErrorCodes.KEY_INVALID, "the JWK is not a valid public key", { cause });
    }
  }
  const curve = publicKeyObjectCurve(keyObject);
  if (curve !== expected) throw new EctError(EctErrorCodes.KEY_INVALID, "the key's curve is inconsistent");
  if (curve === "Ed25519") {
    assertNotSmallOrderEd25519(Buffer.from(keyObject.export({ format: "jwk" }).x ?? "", "base64url"));
  }
  return { curve, handle: keyObject };
}

/** An ECDSA key as node:crypto takes it for JWS signatures: raw r‖s (RFC 7518 section 3.4), not DER. */
type EcdsaKeyInput = { readonly key: KeyObject; readonly dsaEncoding: "ieee-p1363" };
// One per key object, made once: an operation allocates no arguments.
const ecdsaKeyInputs = new WeakMap<KeyObject, EcdsaKeyInput>();

/**
 * node:crypto's digest name (none for EdDSA, which hashes internally) and key argument for one
 * operation with `key`.
 */
function nodeArguments(
  profile: AlgorithmProfile,
  key: KeyObject,
): [string | null, KeyObject | EcdsaKeyInput] {
  if (profile.kind === "eddsa") return [null, key];
  let input = ecdsaKeyInputs.get(key);
  if (input === undefined) {
    input = { key, dsaEncoding: "ieee-p1363" };
    ecdsaKeyInputs.set(key, input);
  }
  return [NODE_HASHES[profile.hash!]!, input];
}

/** The node:crypto backend. */
export const signatureBackend: SignatureBackend = {
  name: "node",

  async preparePublicKey(key: PublicKeyInput): Promise<PreparedPublicKey> {
    return prepare(key);
  },

  verify(profile, key, signature, data, concurrent): boolean | Promise<boolean> {
    const [algorithm, keyInput] = nodeArguments(profile, key.handle as KeyObject);
    if (concurrent) {
      // Others are waiting: verify on the thread pool so the main thread keeps decoding them.
      return new Promise<boolean>((resolve) => {
        try {
          nodeVerify(algorithm, data, keyInput, signature, (error, valid) =>
            resolve(error === null && valid),
          );
        } catch {
          resolve(false);
        }
      });
    }
    try {
      return nodeVerify(algorithm, data, keyInput, signature);
    } catch {
      return false;
    }
  },

  preparePrivateKey(key: CryptoKey, curve: EctCurve): PreparedPrivateKey {
    return { curve, handle: KeyObject.from(key) };
  },

  sign(profile, key, data, offload): Uint8Array | Promise<Uint8Array> {
    const [algorithm, keyInput] = nodeArguments(profile, key.handle as KeyObject);
    if (offload) {
      return new Promise<Uint8Array>((resolve, reject) =>
        nodeSign(algorithm, data, keyInput, (error, signature) =>
          error === null ? resolve(signature) : reject(error),
        ),
      );
    }
    return nodeSign(algorithm, data, keyInput);
  },
};
