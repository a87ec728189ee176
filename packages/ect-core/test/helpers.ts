// Shared fixtures for the ect-core tests: token builders and error assertions.
import { expect } from "vitest";
import { EctConfigError, EctError, type EctErrorCode } from "../src/index.js";
import { base64urlEncode, base64urlEncodeText } from "../src/internal.js";

/** Fixed UUIDs (lower case, RFC 9562 textual form). */
export const JTI = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
export const WID = "0b8e7c1a-2f3d-4e5a-9b6c-7d8e9f0a1b2c";
export const PRED_A = "11111111-2222-4333-8444-555555555555";
export const PRED_B = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
export const IAT = 1_767_225_600; // 2026-01-01T00:00:00Z
/** SHA-256 of the empty string, unpadded base64url (see hash.test.ts for its openssl command). */
export const EMPTY_SHA256 = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";

/** A header that passes SPEC 2 with the default allowlist. */
export function validHeader(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { alg: "ES256", typ: "exec+jwt", kid: "key-1", ...overrides };
}

/** Claims that pass every SPEC 3 rule. */
export function validClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: "spiffe://example.org/agent/a",
    aud: "spiffe://example.org/agent/b",
    iat: IAT,
    exp: IAT + 600,
    jti: JTI,
    wid: WID,
    exec_act: "summarize",
    pred: [PRED_A],
    ...overrides,
  };
}

/** Claims without one member. */
export function without(claims: Record<string, unknown>, name: string): Record<string, unknown> {
  const copy = { ...claims };
  delete copy[name];
  return copy;
}

/** base64url of a string's UTF-8 bytes, or of a value's JSON. */
export function seg(value: unknown): string {
  return typeof value === "string" ? base64urlEncodeText(value) : base64urlEncodeText(JSON.stringify(value));
}

/** base64url of raw bytes. */
export function segBytes(bytes: readonly number[]): string {
  return base64urlEncode(Uint8Array.from(bytes));
}

/** A 64-byte signature segment (not a real signature: decoding never checks it). */
export const SIG = base64urlEncode(new Uint8Array(64).fill(7));

/** A compact JWS from a header and claims (objects are JSON-encoded, strings taken as JSON text). */
export function jws(header: unknown = validHeader(), claims: unknown = validClaims(), sig = SIG): string {
  return `${seg(header)}.${seg(claims)}.${sig}`;
}

/** Runs `fn`, which must throw an EctError, and returns it. */
export function catchEct(fn: () => unknown): EctError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EctError) return e;
    throw new Error(`expected an EctError, got ${String(e)}`);
  }
  throw new Error("expected an EctError, nothing was thrown");
}

/** Asserts `fn` throws an EctError with this code (and member, when given). */
export function expectEct(fn: () => unknown, code: EctErrorCode, member?: string): EctError {
  const e = catchEct(fn);
  expect(e.code).toBe(code);
  if (member !== undefined) expect(e.member).toBe(member);
  return e;
}

/** Asserts `fn` throws an EctConfigError (a TypeError, not a refusal) naming this option path. */
export function expectConfigError(fn: () => unknown, option: string): EctConfigError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(EctConfigError);
  const e = thrown as EctConfigError;
  expect(e.option).toBe(option);
  expect(e.code).toBe("ECT_CONFIG_INVALID");
  expect(e.message).toMatch(new RegExp(`^Invalid option ${option.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
  return e;
}

/** `[code, member]` of every error, for exact comparison. */
export function summary(errors: readonly EctError[]): [string, string | undefined][] {
  return errors.map((e) => [e.code, e.member]);
}

/** Flips the lowest bit of a base64url segment's last character: same bytes for a lenient decoder. */
export function flipUnusedBit(segment: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  if (segment.length % 4 === 0) throw new Error("segment has no unused bits");
  const last = alphabet.indexOf(segment[segment.length - 1]!);
  return segment.slice(0, -1) + alphabet[last ^ 1];
}
