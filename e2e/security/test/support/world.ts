/**
 * The attacker's world: issuers, keys, a manual clock, and ways to mint tokens the library would
 * never mint itself (raw header and claims text signed with a real key), all through the public
 * APIs an integrator uses.
 */
import { randomUUID } from "node:crypto";
import { type EctErrorCode, EctErrorCodes, isEctError } from "ect-core";
import { base64urlDecode, base64urlEncode, base64urlEncodeText, isEctErrorCode } from "ect-core/internal";
import {
  createEct,
  createEctVerifier,
  type EctKeyPair,
  type EctSigningKey,
  generateEctKeyPair,
  staticKeyResolver,
  type VerifyEctOptions,
} from "ect-crypto";
import { expect } from "vitest";

/** 2026-11-26T12:00:00Z in milliseconds: every test runs on an injected clock. */
export const T0_MS = Date.UTC(2026, 10, 26, 12, 0, 0);
/** {@link T0_MS} in seconds. */
export const T0 = T0_MS / 1000;

export const ISS_A = "spiffe://example.org/agent-a";
export const ISS_B = "spiffe://example.org/agent-b";
export const VERIFIER_ID = "spiffe://example.org/verifier";

/** A clock an attacker (or NTP) can move. */
export class ManualClock {
  ms: number;
  constructor(ms = T0_MS) {
    this.ms = ms;
  }
  readonly now = (): number => this.ms;
  /** Sets the time in seconds (fractions allowed). */
  setSeconds(seconds: number): void {
    this.ms = seconds * 1000;
  }
}

/** A fixed clock at `ms`. */
export const fixedClock =
  (ms = T0_MS): (() => number) =>
  () =>
    ms;

/** Generates an extractable key pair (so tests can also sign raw bytes with it). */
export function keyPair(alg: EctKeyPair["alg"] = "ES256", kid?: string): Promise<EctKeyPair> {
  return generateEctKeyPair({ alg, extractable: true, ...(kid === undefined ? {} : { kid }) });
}

/** Claims of a valid root task of issuer A for the verifier, issued at T0. */
export function claimsOf(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISS_A,
    aud: VERIFIER_ID,
    iat: T0,
    exp: T0 + 600,
    jti: randomUUID(),
    exec_act: "review",
    pred: [],
    ...overrides,
  };
}

/** Creates a real token with ect-crypto's `createEct` at T0 (unless the claims say otherwise). */
export function mint(
  key: EctSigningKey,
  overrides: Record<string, unknown> = {},
  config: Record<string, number> = {},
): Promise<string> {
  // biome-ignore lint/suspicious/noExplicitAny: claims built for attacks are not typed
  return createEct(claimsOf(overrides) as any, key, { clock: fixedClock(), config });
}

const encoder = new TextEncoder();

function signParams(alg: string): AlgorithmIdentifier | EcdsaParams {
  switch (alg) {
    case "ES256":
      return { name: "ECDSA", hash: "SHA-256" };
    case "ES384":
      return { name: "ECDSA", hash: "SHA-384" };
    case "ES512":
      return { name: "ECDSA", hash: "SHA-512" };
    default:
      return { name: "Ed25519" };
  }
}

/**
 * Signs arbitrary header and claims TEXT (not objects: duplicates, escapes, whitespace and BOMs
 * survive) with a real private key, as an attacker holding a key (or a compromised issuer) would.
 */
export async function signRaw(
  headerText: string | Uint8Array,
  claimsText: string | Uint8Array,
  key: EctSigningKey,
  signAs: string = key.alg,
): Promise<string> {
  // Buffer's encoder: attack payloads run to megabytes.
  const h = Buffer.from(typeof headerText === "string" ? encoder.encode(headerText) : headerText).toString(
    "base64url",
  );
  const p = Buffer.from(typeof claimsText === "string" ? encoder.encode(claimsText) : claimsText).toString(
    "base64url",
  );
  const signature = new Uint8Array(
    await crypto.subtle.sign(signParams(signAs), key.privateKey, encoder.encode(`${h}.${p}`)),
  );
  return `${h}.${p}.${base64urlEncode(signature)}`;
}

/** The ECT header text for a key. */
export function headerText(key: { alg: string; kid: string }, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ alg: key.alg, typ: "exec+jwt", kid: key.kid, ...extra });
}

/** Splits a compact JWS. */
export function segments(token: string): [string, string, string] {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error("not a JWS");
  return parts as [string, string, string];
}

/** The claims JSON text of a token, as signed. */
export function claimsTextOf(token: string): string {
  return new TextDecoder().decode(base64urlDecode(segments(token)[1]));
}

/** Replaces the claims segment with new text, keeping header and signature (so the signature breaks). */
export function withClaimsText(token: string, text: string): string {
  const [h, , s] = segments(token);
  return `${h}.${base64urlEncodeText(text)}.${s}`;
}

const P256_N = BigInt("0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");

/**
 * ECDSA malleability: (r, s) and (r, n - s) are both valid signatures of the same message under the
 * same key. Returns the same token with the other signature: different bytes, same header and claims.
 */
export function malleate(token: string): string {
  const [h, p, sig] = segments(token);
  const bytes = base64urlDecode(sig);
  if (bytes.length !== 64) throw new Error("not an ES256 signature");
  const s = BigInt(`0x${Buffer.from(bytes.subarray(32)).toString("hex")}`);
  const flipped = (P256_N - s).toString(16).padStart(64, "0");
  const out = new Uint8Array(64);
  out.set(bytes.subarray(0, 32), 0);
  out.set(Buffer.from(flipped, "hex"), 32);
  return `${h}.${p}.${base64urlEncode(out)}`;
}

/** A world of two issuers (A, B) with their ES256 keys and a verifier factory on a manual clock. */
export interface World {
  readonly keyA: EctKeyPair;
  readonly keyB: EctKeyPair;
  readonly clock: ManualClock;
  readonly keys: ReturnType<typeof staticKeyResolver>;
  verifier(options?: Partial<VerifyEctOptions>): ReturnType<typeof createEctVerifier>;
}

export async function makeWorld(): Promise<World> {
  const keyA = await keyPair("ES256", "key-a");
  const keyB = await keyPair("ES256", "key-b");
  const clock = new ManualClock();
  const keys = staticKeyResolver([
    { iss: ISS_A, key: keyA },
    { iss: ISS_B, key: keyB },
  ]);
  return {
    keyA,
    keyB,
    clock,
    keys,
    verifier: (options = {}) =>
      createEctVerifier({ verifierId: VERIFIER_ID, keys, clock: clock.now, ...options }),
  };
}

/** The code of the EctError a promise rejects with; fails the test on acceptance or a foreign error. */
export async function refusalCode(promise: Promise<unknown>): Promise<EctErrorCode> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    if (!isEctError(error))
      throw new Error(`rejected with a foreign error: ${String(error)}`, { cause: error });
    expect(isEctErrorCode(error.code)).toBe(true);
    return error.code;
  }
  throw new Error(`accepted: ${JSON.stringify(value)?.slice(0, 200)}`);
}

/** Asserts the promise is refused with exactly `code`. */
export async function expectRefused(promise: Promise<unknown>, code: EctErrorCode): Promise<void> {
  expect(await refusalCode(promise)).toBe(code);
}

export const C = EctErrorCodes;
export { randomUUID };
