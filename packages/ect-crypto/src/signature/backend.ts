/**
 * The contract of the signature primitive, the one place a signature is checked (SPEC 5.6).
 *
 * The implementation is chosen by the package's `imports` map under `#signature-backend`: Node
 * gets `node.ts` (node:crypto `verify` with a `KeyObject`: synchronous, no WebCrypto promise
 * round-trip); browsers, workers, Deno, Bun and every other runtime get `webcrypto.ts`
 * (`crypto.subtle.verify`). Both pass the same test suite, including the Wycheproof vectors.
 *
 * This file only declares: its JavaScript is empty and TypeScript resolves `#signature-backend`
 * to it, so code compiled against it works with either implementation.
 *
 * @internal
 */
import type { AlgorithmProfile, EctCurve } from "../algorithms.js";
import type { PublicKeyInput } from "./public-key-checks.js";

/** A public key prepared once for the backend (an imported `CryptoKey` or a node `KeyObject`). */
export interface PreparedPublicKey {
  /** The curve of the key: a key only verifies algorithms on its own curve. */
  readonly curve: EctCurve;
  /** The backend's own key object. */
  readonly handle: unknown;
}

/** A signature verification primitive. */
export interface SignatureBackend {
  /** Which implementation this is. */
  readonly name: "node" | "webcrypto";
  /**
   * Imports a public key for verification. Refuses (`ECT_KEY_INVALID`) private keys, keys that
   * cannot verify, and curves other than P-256, P-384, P-521 and Ed25519.
   */
  preparePublicKey(key: PublicKeyInput): Promise<PreparedPublicKey>;
  /**
   * Verifies `signature` over `data`. The caller has checked that the key's curve matches the
   * algorithm and that the signature has the algorithm's exact length. Never throws for a bad
   * signature: returns `false`. `concurrent` says other verifications are in progress: a backend
   * may then move the work off the main thread (Node: the libuv thread pool) instead of doing it
   * synchronously, which is faster only when nothing else is waiting.
   */
  verify(
    profile: AlgorithmProfile,
    key: PreparedPublicKey,
    signature: Uint8Array,
    data: Uint8Array,
    concurrent: boolean,
  ): boolean | Promise<boolean>;
}

/** The backend selected for this runtime. */
export declare const signatureBackend: SignatureBackend;
