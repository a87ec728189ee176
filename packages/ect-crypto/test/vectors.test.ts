// Published test vectors against the exact primitive verification uses (verifySignature, the one
// entrance to the signature backend, including its length check):
// - Wycheproof ECDSA P-256 / SHA-256 with IEEE P1363 signatures (the JWS ES256 form) and Ed25519;
// - RFC 7515 A.3 (the ES256 example), RFC 7520 (JOSE cookbook) 4.3 ES512 and RFC 8037 A.4 Ed25519.
//
// Every vector runs through both modes of the primitive (inline and, as under concurrent load, off
// the main thread). Wycheproof results: "valid" must verify, "invalid" must not. "acceptable" (legal but weak
// inputs) may go either way, but must yield a plain boolean, never an exception, and the same answer
// on both backends (each run records it; none occur in this snapshot, which the tally checks).
import type { JWK } from "jose";
import { describe, expect, it } from "vitest";
import { createEctVerifier, signatureBackendName, staticKeyResolver } from "../src/index.js";
import { verifySignature } from "../src/signature/verify-signature.js";
import { expectCode, VERIFIER } from "./support/fixtures.js";
import { readTestdata } from "./support/testdata.js";

interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  msg: string;
  sig: string;
  result: "valid" | "invalid" | "acceptable";
}
interface WycheproofGroup {
  publicKey: { uncompressed?: string; pk?: string };
  publicKeyJwk?: JWK;
  tests: WycheproofTest[];
}
interface WycheproofFile {
  algorithm: string;
  numberOfTests: number;
  testGroups: WycheproofGroup[];
}

const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
const utf8 = new TextEncoder();

/** The keys a group is checked with: its JWK (kid stripped) and the raw key imported by WebCrypto. */
async function groupKeys(
  group: WycheproofGroup,
  curve: "P-256" | "Ed25519",
): Promise<[string, CryptoKey | JWK][]> {
  const keys: [string, CryptoKey | JWK][] = [];
  if (group.publicKeyJwk !== undefined) {
    const { kid: _kid, ...jwk } = group.publicKeyJwk;
    keys.push(["jwk", jwk]);
  }
  const raw = curve === "P-256" ? group.publicKey.uncompressed! : group.publicKey.pk!;
  const params = curve === "P-256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
  keys.push(["raw CryptoKey", await crypto.subtle.importKey("raw", hex(raw), params, true, ["verify"])]);
  return keys;
}

async function runWycheproof(file: string, alg: "ES256" | "EdDSA", curve: "P-256" | "Ed25519") {
  const data = readTestdata<WycheproofFile>(`wycheproof/${file}`);
  const tally = { valid: 0, invalid: 0, acceptable: 0 };
  const mismatches: string[] = [];
  const acceptable: string[] = [];
  for (const group of data.testGroups) {
    for (const [form, key] of await groupKeys(group, curve)) {
      for (const test of group.tests) {
        if (form === "raw CryptoKey") tally[test.result]++;
        // Both modes of the primitive: inline, and off the main thread (used under concurrency).
        const outcomes: (boolean | string)[] = [];
        for (const concurrent of [false, true]) {
          try {
            outcomes.push(
              await verifySignature({ alg, key, signature: hex(test.sig), data: hex(test.msg), concurrent }),
            );
          } catch (error) {
            outcomes.push(`threw ${String(error)}`);
          }
        }
        const label = `tcId ${test.tcId} (${form}, ${test.comment || test.flags.join(",")})`;
        if (outcomes[0] !== outcomes[1]) mismatches.push(`${label}: modes disagree ${outcomes.join(" / ")}`);
        const outcome = outcomes[0]!;
        if (test.result === "acceptable") {
          if (typeof outcome !== "boolean") mismatches.push(`${label}: ${outcome}`);
          else acceptable.push(`${test.tcId}:${outcome}`);
        } else if (outcome !== (test.result === "valid")) {
          mismatches.push(`${label}: expected ${test.result}, got ${String(outcome)}`);
        }
      }
    }
  }
  return { data, tally, mismatches, acceptable };
}

describe(`published vectors against the verification primitive [${signatureBackendName}]`, () => {
  it("Wycheproof ECDSA P-256 SHA-256 P1363: every valid verifies, every invalid is refused", async () => {
    const { data, tally, mismatches, acceptable } = await runWycheproof(
      "ecdsa_secp256r1_sha256_p1363_test.json",
      "ES256",
      "P-256",
    );
    expect(mismatches).toEqual([]);
    expect(tally.valid + tally.invalid + tally.acceptable).toBe(data.numberOfTests);
    expect(tally).toEqual({ valid: 173, invalid: 89, acceptable: 0 });
    expect(acceptable).toEqual([]);
  });

  it("Wycheproof Ed25519: every valid verifies, every invalid is refused", async () => {
    const { data, tally, mismatches, acceptable } = await runWycheproof(
      "ed25519_test.json",
      "EdDSA",
      "Ed25519",
    );
    expect(mismatches).toEqual([]);
    expect(tally.valid + tally.invalid + tally.acceptable).toBe(data.numberOfTests);
    expect(tally).toEqual({ valid: 88, invalid: 63, acceptable: 0 });
    expect(acceptable).toEqual([]);
  });

  it("RFC 7515 A.3: the ES256 example verifies at the signature level, and a flipped bit does not", async () => {
    const a3 = readTestdata<{
      jwk: JWK;
      protected_b64u: string;
      payload_b64u: string;
      signature_b64u: string;
      compact: string;
    }>("rfc7515/a3_es256.json");
    const { d: _d, ...publicJwk } = a3.jwk;
    const data = utf8.encode(`${a3.protected_b64u}.${a3.payload_b64u}`);
    const signature = Uint8Array.from(Buffer.from(a3.signature_b64u, "base64url"));
    expect(a3.compact).toBe(`${a3.protected_b64u}.${a3.payload_b64u}.${a3.signature_b64u}`);
    expect(signature).toHaveLength(64);
    expect(await verifySignature({ alg: "ES256", key: publicJwk, signature, data })).toBe(true);
    const flipped = signature.slice();
    flipped[10]! ^= 1;
    expect(await verifySignature({ alg: "ES256", key: publicJwk, signature: flipped, data })).toBe(false);
    // As an ECT it is refused: its header has no typ and no kid.
    const verifier = createEctVerifier({
      verifierId: VERIFIER,
      keys: staticKeyResolver([{ iss: "joe", kid: "a3", key: publicJwk }]),
      allowNoReplayCheck: true,
      config: { jtiReplayCacheSize: 0 },
    });
    await expectCode(verifier.verify(a3.compact), "ECT_TYP_INVALID");
  });

  it("RFC 7520 4.3 (ES512, P-521) and RFC 8037 A.4 (Ed25519) verify at the signature level", async () => {
    for (const [file, alg] of [
      ["jose-cookbook/jws/4_3.ecdsa_signature.json", "ES512"],
      ["jose-cookbook/curve25519/jws.json", "EdDSA"],
    ] as const) {
      const vector = readTestdata<{ input: { key: JWK }; signing: { "sig-input": string; sig: string } }>(
        file,
      );
      const { d: _d, ...publicJwk } = vector.input.key;
      const signature = Uint8Array.from(Buffer.from(vector.signing.sig, "base64url"));
      const data = utf8.encode(vector.signing["sig-input"]);
      expect(await verifySignature({ alg, key: publicJwk, signature, data }), file).toBe(true);
      expect(
        await verifySignature({ alg, key: publicJwk, signature, data: utf8.encode("other") }),
        file,
      ).toBe(false);
    }
  });

  it("refuses a wrong-length signature before the primitive, and a key on another curve", async () => {
    const a3 = readTestdata<{
      jwk: JWK;
      protected_b64u: string;
      payload_b64u: string;
      signature_b64u: string;
    }>("rfc7515/a3_es256.json");
    const { d: _d, ...publicJwk } = a3.jwk;
    const data = utf8.encode(`${a3.protected_b64u}.${a3.payload_b64u}`);
    const signature = Uint8Array.from(Buffer.from(a3.signature_b64u, "base64url"));
    const padded = new Uint8Array(65);
    padded.set(signature, 1); // a leading zero byte: same integers, wrong encoding
    expect(await verifySignature({ alg: "ES256", key: publicJwk, signature: padded, data })).toBe(false);
    const es384Length = new Uint8Array(96);
    await expectCode(
      verifySignature({ alg: "ES384", key: publicJwk, signature: es384Length, data }),
      "ECT_KEY_INVALID",
    );
    await expectCode(
      verifySignature({ alg: "HS256", key: publicJwk, signature, data }),
      "ECT_ALG_NOT_ALLOWED",
    );
    await expectCode(
      verifySignature({ alg: "ES256", key: { ...a3.jwk }, signature, data }),
      "ECT_KEY_INVALID",
    );
  });

  it("refuses every JOSE cookbook compact JWS as an ECT with the code of the first failed step", async () => {
    const expected: [string, string][] = [
      ["jose-cookbook/jws/4_1.rsa_v15_signature.json", "ECT_JSON_INVALID"], // payload is prose, not claims
      ["jose-cookbook/jws/4_2.rsa-pss_signature.json", "ECT_JSON_INVALID"],
      ["jose-cookbook/jws/4_3.ecdsa_signature.json", "ECT_JSON_INVALID"],
      ["jose-cookbook/jws/4_4.hmac-sha2_integrity_protection.json", "ECT_JSON_INVALID"],
      ["jose-cookbook/jws/4_5.signature_with_detached_content.json", "ECT_MALFORMED"], // empty payload
      ["jose-cookbook/rfc7797/hmac-sha2_b64_false.json", "ECT_BASE64URL_INVALID"], // unencoded payload with spaces (b64: false)
      ["jose-cookbook/curve25519/jws.json", "ECT_JSON_INVALID"],
    ];
    const verifier = createEctVerifier({
      verifierId: VERIFIER,
      keys: { resolve: async () => undefined },
      algorithms: ["ES256", "ES512", "EdDSA"],
      allowNoReplayCheck: true,
      config: { jtiReplayCacheSize: 0 },
    });
    for (const [file, code] of expected) {
      const { output } = readTestdata<{ output: { compact: string } }>(file);
      const err = await expectCode(verifier.verify(output.compact), code as "ECT_MALFORMED");
      expect(err.code, file).toBe(code);
    }
  });
});
