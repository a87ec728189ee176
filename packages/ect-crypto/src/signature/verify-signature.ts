/**
 * The one entrance to the signature primitive (SPEC 5.6). `verifyEct`, the audit verifier,
 * `verifyReceipt` and the Wycheproof tests all go through {@link verifySignature}, so the vectors
 * test exactly what verification runs.
 *
 * @internal
 */
import { EctError, EctErrorCodes, isEctError } from "ect-core";
import { signatureBackend as selectedBackend } from "#signature-backend";
import { algorithmProfile } from "../algorithms.js";
import type { PreparedPublicKey, SignatureBackend } from "./backend.js";
import type { PublicKeyInput } from "./public-key-checks.js";

// Typed through the relative contract, not through whatever `#signature-backend` resolves to at
// compile time (possibly a previous build's declarations). Both implementations are checked
// against the same contract where they are defined.
const signatureBackend = selectedBackend as unknown as SignatureBackend;

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

// Where the signature work runs (profile §5.6 is the same either way). A backend may verify
// synchronously on the main thread (Node: fastest for one token at a time, no hand-off) or on a
// thread pool (Node: libuv's), which frees the main thread for the other tokens or requests waiting
// for it. Which one pays depends on whether anything else is waiting, and that is decided here, from
// progress only (counts, never the clock):
// - another verification is in progress: the pool (they overlap);
// - "pooled" mode, entered when a verification on the pool saw another one begin while it waited
//   (an HTTP server's requests can only overlap when the main thread is free to read them, so a
//   server verifying synchronously never sees overlap; the pool is how it finds out), and left
//   after POOLED_EXIT verifications in a row saw none (one quiet moment does not end a busy spell);
// - otherwise synchronously, except every PROBE_INTERVAL-th verification, which goes to the pool
//   to find out whether others arrive meanwhile.
const PROBE_INTERVAL = 32;
const POOLED_EXIT = 8;
/** Verifications between {@link beginVerification} and {@link endVerification}. */
let activeVerifications = 0;
/** Verifications begun so far: a pool round trip that saw it move overlapped another one. */
let begunVerifications = 0;
/** Pool verifications left before pooled mode ends (0: not in pooled mode). */
let pooled = 0;
let sinceProbe = 0;

/** Marks the start of one token verification; pair with {@link endVerification}. */
export function beginVerification(): void {
  activeVerifications++;
  begunVerifications++;
}

/** Marks the end of one token verification. */
export function endVerification(): void {
  activeVerifications--;
}

/** Whether the next signature goes to the backend's thread pool (see above). */
function offloadNext(): boolean {
  if (pooled > 0 || activeVerifications > 1) return true;
  if (++sinceProbe < PROBE_INTERVAL) return false;
  sinceProbe = 0;
  return true;
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
   * verifications in progress (see `offloadNext`). Tests set it to run both of the Node
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
  const { alg, key, signature, data } = input;
  const profile = algorithmProfile(alg);
  if (profile === undefined) {
    throw new EctError(EctErrorCodes.ALG_NOT_ALLOWED, `alg ${JSON.stringify(alg)} is not supported`, {
      member: "alg",
    });
  }
  if (signature.length !== profile.signatureLength) return false;
  const prepared =
    (typeof key === "object" && key !== null && ready.get(key)) || (await preparePublicKey(key));
  if (prepared.curve !== profile.curve) {
    throw new EctError(EctErrorCodes.KEY_INVALID, `a ${prepared.curve} key cannot verify ${alg} signatures`, {
      member: "alg",
    });
  }
  if (input.concurrent !== undefined) {
    return signatureBackend.verify(profile, prepared, signature, data, input.concurrent);
  }
  if (!offloadNext()) return signatureBackend.verify(profile, prepared, signature, data, false);
  const begun = begunVerifications;
  const valid = await signatureBackend.verify(profile, prepared, signature, data, true);
  if (begunVerifications !== begun || activeVerifications > 1) pooled = POOLED_EXIT;
  else if (pooled > 0) pooled--;
  return valid;
}
