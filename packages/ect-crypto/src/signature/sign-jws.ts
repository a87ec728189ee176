/**
 * The one entrance to signing (`createEct`): the selected backend's `sign` (Node: node:crypto with
 * a `KeyObject`, about twice as fast as WebCrypto here; elsewhere WebCrypto), with the offload
 * policy of `offload-policy.ts`.
 *
 * @internal
 */
import { EctError, EctErrorCodes } from "ect-core";
import type { AlgorithmProfile, EctCurve } from "../algorithms.js";
import { keyCurve } from "../key-curve.js";
import type { PreparedPrivateKey } from "./backend.js";
import { OffloadPolicy } from "./offload-policy.js";
import { signatureBackend } from "./selected-backend.js";

/** Whether signatures are made on the thread pool (see `offload-policy.ts`). */
const signings = new OffloadPolicy();

// Keys are prepared once per key object. A WeakMap keeps no key alive.
const prepared = new WeakMap<CryptoKey, PreparedPrivateKey>();

function keyInvalid(message: string): EctError {
  return new EctError(EctErrorCodes.KEY_INVALID, message);
}

/** The curve of a private `CryptoKey` that may sign, or a refusal. */
function signingCurve(key: CryptoKey): EctCurve {
  if (key.type !== "private") throw keyInvalid(`a private key is required, got a ${key.type} key`);
  if (!key.usages.includes("sign")) throw keyInvalid("the CryptoKey lacks the sign usage");
  const curve = keyCurve(key);
  if (curve !== undefined) return curve;
  throw keyInvalid(`a ${String(key.algorithm.name)} key cannot sign ECTs (ECDSA or Ed25519 only)`);
}

/**
 * Signs `data` with `key` for `profile`'s algorithm: raw `r‖s` for ECDSA, 64 bytes for EdDSA.
 * `begin`/`end` bracket one whole token creation, so overlapping creations are seen.
 *
 * @throws {@link EctError} `ECT_KEY_INVALID` when the key cannot sign this algorithm.
 */
export function signJws(
  profile: AlgorithmProfile,
  key: CryptoKey,
  data: Uint8Array,
): Uint8Array | Promise<Uint8Array> {
  let ready = prepared.get(key);
  if (ready === undefined) {
    ready = signatureBackend.preparePrivateKey(key, signingCurve(key));
    prepared.set(key, ready);
  }
  if (ready.curve !== profile.curve) {
    throw keyInvalid(`the private key cannot sign ${profile.alg} (a ${ready.curve} key)`);
  }
  const handle = ready;
  if (!signings.offloadNext()) return signatureBackend.sign(profile, handle, data, false);
  return signings.onPool(() => Promise.resolve(signatureBackend.sign(profile, handle, data, true)));
}

/** Marks the start of one token creation; pair with {@link endSigning}. */
export function beginSigning(): void {
  signings.begin();
}

/** Marks the end of one token creation. */
export function endSigning(): void {
  signings.end();
}
