/**
 * The one entrance to the signature primitive (SPEC 5.6). `verifyEct`, the audit verifier,
 * `verifyReceipt` and the Wycheproof tests all go through {@link verifySignature}, so the vectors
 * test exactly what verification runs.
 *
 * @internal
 */
import { EctError, EctErrorCodes, isEctError } from "ect-core";
import { type AlgorithmProfile, supportedAlgorithmProfile } from "../algorithms.js";
import type { PreparedPublicKey } from "./backend.js";
import { OffloadPolicy } from "./offload-policy.js";
import type { PublicKeyInput } from "./public-key-checks.js";
import { signatureBackend } from "./selected-backend.js";

/** The name of the primitive in use: `node` or `webcrypto`. */
export const signatureBackendName: "node" | "webcrypto" = signatureBackend.name;

// Keys are imported once per key object, never per verification. A WeakMap keeps no key alive.
const ready = new WeakMap<object, PreparedPublicKey>();
const pending = new WeakMap<object, Promise<PreparedPublicKey>>();

/**
 * Imports a public key for the backend once and caches it by object identity (treat keys and
 * JWK objects handed to the verifier as immutable).
 *
 * @throws {@link EctError} `ECT_KEY_INVALID`
 */
export function preparePublicKey(key: PublicKeyInput): Promise<PreparedPublicKey> {
  if (key === null || typeof key !== "object") {
    return Promise.reject(
      new EctError(EctErrorCodes.KEY_INVALID, "a verification key must be a CryptoKey or a JWK"),
    );
  }
  const done = ready.get(key);
  if (done !== undefined) return Promise.resolve(done);
  let promise = pending.get(key);
  if (promise === undefined) {
    promise = signatureBackend.preparePublicKey(key).then(
      (prepared) => {
        ready.set(key, prepared);
        pending.delete(key);
        return prepared;
      },
      (error: unknown) => {
        pending.delete(key);
        throw isEctError(error)
          ? error
          : new EctError(EctErrorCodes.KEY_INVALID, "the key cannot be used for verification", {
              cause: error,
            });
      },
    );
    pending.set(key, promise);
  }
  return promise;
}

/** Whether signature checks go to the thread pool (see `offload-policy.ts`). */
const verifications = new OffloadPolicy();

/** Marks the start of one token verification; pair with {@link endVerification}. */
export function beginVerification(): void {
  verifications.begin();
}

/** Marks the end of one token verification. */
export function endVerification(): void {
  verifications.end();
}

/** What {@link verifySignature} checks. */
export interface SignatureInput {
  /** The JWS `alg` (already checked against the allowlist by the caller). */
  readonly alg: string;
  /** The public key. */
  readonly key: PublicKeyInput;
  /** The signature bytes as decoded from the JWS. */
  readonly signature: Uint8Array;
  /** The signed bytes: the ASCII of `header.payload`. */
  readonly data: Uint8Array;
  /**
   * Whether to hand the work to the backend's thread pool; by default decided from the
   * verifications in progress (see `offload-policy.ts`). Tests set it to run both of the Node
   * primitive's modes.
   */
  readonly concurrent?: boolean;
}

/**
 * Verifies a JWS signature. Returns `false` for a signature of the wrong length (SPEC 5.6: an ES256
 * signature is exactly 64 bytes of raw `r‖s`; DER and anything else is refused before the
 * primitive runs) or one that does not verify.
 *
 * @throws {@link EctError} `ECT_ALG_NOT_ALLOWED` for an algorithm the library does not support;
 *   `ECT_KEY_INVALID` when the key is unusable or on another curve than `alg` requires.
 */
export async function verifySignature(input: SignatureInput): Promise<boolean> {
  return checkSignature(input);
}

/**
 * {@link verifySignature} without a promise when the answer is at hand (a key already prepared,
 * verified on the main thread): the verification pipeline's form. Throws synchronously or rejects.
 */
export function checkSignature(input: SignatureInput): boolean | Promise<boolean> {
  const { alg, key, signature } = input;
  const profile = supportedAlgorithmProfile(alg);
  if (signature.length !== profile.signatureLength) return false;
  const prepared = typeof key === "object" && key !== null ? ready.get(key) : undefined;
  if (prepared === undefined) {
    return preparePublicKey(key).then((imported) => verifyPrepared(input, profile, imported));
  }
  return verifyPrepared(input, profile, prepared);
}

function verifyPrepared(
  input: SignatureInput,
  profile: AlgorithmProfile,
  prepared: PreparedPublicKey,
): boolean | Promise<boolean> {
  const { signature, data } = input;
  if (prepared.curve !== profile.curve) {
    throw new EctError(
      EctErrorCodes.KEY_INVALID,
      `a ${prepared.curve} key cannot verify ${input.alg} signatures`,
      { member: "alg" },
    );
  }
  if (input.concurrent !== undefined) {
    return signatureBackend.verify(profile, prepared, signature, data, input.concurrent);
  }
  if (!verifications.offloadNext()) return signatureBackend.verify(profile, prepared, signature, data, false);
  // Promise.resolve hands back the backend's own promise (Node's and WebCrypto's both are one).
  return verifications.onPool(() =>
    Promise.resolve(signatureBackend.verify(profile, prepared, signature, data, true)),
  );
}
