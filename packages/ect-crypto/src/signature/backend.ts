/**
 * The contract of the signature primitive, the one place a signature is checked (profile §5.6) or
 * made (`createEct`).
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

/** A private key prepared once for the backend (the `CryptoKey` itself, or a node `KeyObject`). */
export interface PreparedPrivateKey {
  /** The curve of the key: a key only signs algorithms on its own curve. */
  readonly curve: EctCurve;
  /** The backend's own key object. */
  readonly handle: unknown;
}

/** A signature primitive: verification (profile §5.6) and signing (`createEct`). */
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
  /**
   * Prepares a private `CryptoKey` for signing. The caller has checked it is a private key with
   * the `sign` usage on the curve of the algorithm.
   */
  preparePrivateKey(key: CryptoKey, curve: EctCurve): PreparedPrivateKey;
  /**
   * Signs `data`: raw `r‖s` for ECDSA (the JWS form, RFC 7518 section 3.4), the 64-byte signature
   * for EdDSA. `offload` as for {@link SignatureBackend.verify}.
   */
  sign(
    profile: AlgorithmProfile,
    key: PreparedPrivateKey,
    data: Uint8Array,
    offload: boolean,
  ): Uint8Array | Promise<Uint8Array>;
}

/** The backend selected for this runtime. */
export declare const signatureBackend: SignatureBackend;
