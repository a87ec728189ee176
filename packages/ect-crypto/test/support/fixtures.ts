import { KeyObject, sign as nodeSign } from "node:crypto";
import { type EctClaimsInput, EctConfigError, EctError, type EctErrorCode, type ReplayCache } from "ect-core";
import { base64urlEncode } from "ect-core/internal";
import { expect } from "vitest";
import {
  createEct,
  createEctVerifier,
  type EctKeyPair,
  generateEctKeyPair,
  MemoryReplayCache,
  staticKeyResolver,
  type VerifyEctOptions,
  verifyEct,
} from "../../src/index.js";

/** A fixed "now": 2027-01-15T08:00:00Z. */
export const NOW_S = 1_800_000_000;
export const NOW_MS = NOW_S * 1000;
export const fixedClock = (): number => NOW_MS;

export const ISSUER_A = "spiffe://example.org/agent-a";
export const ISSUER_B = "spiffe://example.org/agent-b";
export const VERIFIER = "spiffe://example.org/verifier";

const utf8 = new TextEncoder();

/** Valid claims for `iss` (fresh jti filled in by createEct). */
export function claimsFor(iss = ISSUER_A, extra: Record<string, unknown> = {}): EctClaimsInput {
  return { iss, aud: VERIFIER, exec_act: "summarise", pred: [], ...extra } as EctClaimsInput;
}

/** Full claims with fixed times and a fresh jti, for hand-built tokens. */
export function fullClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER_A,
    aud: VERIFIER,
    iat: NOW_S,
    exp: NOW_S + 600,
    jti: crypto.randomUUID(),
    exec_act: "summarise",
    pred: [],
    ...extra,
  };
}

export function b64(text: string): string {
  return base64urlEncode(utf8.encode(text));
}

/** Raw JWS signature bytes (P1363 for ECDSA) over `signingInput`, via WebCrypto. */
export async function rawSignature(
  key: EctKeyPair,
  signingInput: string,
  alg = key.alg,
): Promise<Uint8Array> {
  const params =
    alg === "EdDSA" || alg === "Ed25519"
      ? { name: "Ed25519" }
      : { name: "ECDSA", hash: { ES256: "SHA-256", ES384: "SHA-384", ES512: "SHA-512" }[alg as "ES256"] };
  return new Uint8Array(await crypto.subtle.sign(params, key.privateKey, utf8.encode(signingInput)));
}

/** A DER-encoded ECDSA signature (what JWS must not carry) over `signingInput`. */
export function derSignature(key: EctKeyPair, signingInput: string): Uint8Array {
  return nodeSign("sha256", utf8.encode(signingInput), {
    key: KeyObject.from(key.privateKey),
    dsaEncoding: "der",
  });
}

export interface HandBuilt {
  /** Header JSON text or an object serialised with JSON.stringify. */
  readonly header?: string | Record<string, unknown>;
  /** Payload JSON text or an object. */
  readonly payload?: string | Record<string, unknown>;
  /** Override the signature (bytes), else a valid one. */
  readonly signature?: (signingInput: string) => Promise<Uint8Array> | Uint8Array;
}

/** A compact JWS built by hand (any header, any payload text) and validly signed with `key`. */
export async function handBuilt(key: EctKeyPair, spec: HandBuilt = {}): Promise<string> {
  const header = spec.header ?? { alg: key.alg, typ: "exec+jwt", kid: key.kid };
  const payload = spec.payload ?? fullClaims();
  const h = b64(typeof header === "string" ? header : JSON.stringify(header));
  const p = b64(typeof payload === "string" ? payload : JSON.stringify(payload));
  const signingInput = `${h}.${p}`;
  const signature = spec.signature
    ? await spec.signature(signingInput)
    : await rawSignature(key, signingInput);
  return `${signingInput}.${base64urlEncode(signature)}`;
}

export interface World {
  readonly keyA: EctKeyPair;
  readonly keyB: EctKeyPair;
  /** A verifier with a fixed clock trusting keyA for ISSUER_A and keyB for ISSUER_B. */
  verifier(options?: Partial<VerifyEctOptions>): ReturnType<typeof createEctVerifier>;
  /**
   * The same, but each `verify` is a one-shot `verifyEct(token, options)` call (options validated
   * per call) sharing one replay cache: the refusal suite goes through `verifyEct` itself.
   */
  oneShot(options?: Partial<VerifyEctOptions>): { verify(token: string): ReturnType<typeof verifyEct> };
  /** A token by issuer A, created by createEct at the fixed clock. */
  token(extra?: Record<string, unknown>, key?: EctKeyPair): Promise<string>;
}

export async function makeWorld(): Promise<World> {
  const keyA = await generateEctKeyPair({ kid: "key-a" });
  const keyB = await generateEctKeyPair({ kid: "key-b" });
  const keys = staticKeyResolver([
    { iss: ISSUER_A, key: keyA },
    { iss: ISSUER_B, key: keyB },
  ]);
  return {
    keyA,
    keyB,
    verifier: (options = {}) =>
      createEctVerifier({ verifierId: VERIFIER, keys, clock: fixedClock, ...options }),
    oneShot: (options = {}) => {
      const replayCache = new MemoryReplayCache({ capacity: 1000 });
      return {
        verify: (token) =>
          verifyEct(token, { verifierId: VERIFIER, keys, clock: fixedClock, replayCache, ...options }),
      };
    },
    token: (extra = {}, key = keyA) => createEct(claimsFor(ISSUER_A, extra), key, { clock: fixedClock }),
  };
}

/** Asserts that `promise` rejects (or `fn` throws) an EctConfigError naming `option`: a programming error, not a refusal. */
export async function expectConfigError(
  promise: Promise<unknown> | (() => unknown),
  option: string,
): Promise<EctConfigError> {
  let caught: unknown;
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    caught = error;
  }
  return checkConfigError(caught, option);
}

/** Asserts that `fn` throws synchronously (at construction) an EctConfigError naming `option`. */
export function expectConfigErrorSync(fn: () => unknown, option: string): EctConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  return checkConfigError(caught, option);
}

function checkConfigError(caught: unknown, option: string): EctConfigError {
  expect(caught, `expected a configuration error for ${option}`).toBeInstanceOf(EctConfigError);
  expect(caught).toBeInstanceOf(TypeError);
  expect((caught as EctConfigError).code).toBe("ECT_CONFIG_INVALID");
  expect((caught as EctConfigError).option, (caught as Error).message).toBe(option);
  return caught as EctConfigError;
}

/** Asserts that `promise` rejects with an EctError of exactly `code`. */
export async function expectCode(promise: Promise<unknown>, code: EctErrorCode): Promise<EctError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(EctError);
  expect((caught as EctError).code, (caught as Error).message).toBe(code);
  return caught as EctError;
}

/** Asserts that `fn` throws an EctError of exactly `code`. */
export function expectCodeSync(fn: () => unknown, code: EctErrorCode): EctError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(EctError);
  expect((caught as EctError).code, (caught as Error).message).toBe(code);
  return caught as EctError;
}

/** A replay cache that records calls, for ordering tests. */
export function spyReplayCache(inner: ReplayCache): ReplayCache & { readonly calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async checkAndRecord(record) {
      calls.push(`record:${record.jti}`);
      return inner.checkAndRecord(record);
    },
    async release(key) {
      calls.push(`release:${key.jti}`);
      return inner.release(key);
    },
  };
}
