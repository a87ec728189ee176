// Key generation, import and export (JWK, PEM), JWK Sets with RFC 7638 kids.
import { createHash, generateKeyPairSync } from "node:crypto";
import type { JWK } from "jose";
import { describe, expect, it } from "vitest";
import {
  computeKeyId,
  createEct,
  createEctVerifier,
  type EctKeyPair,
  exportJwks,
  exportPrivateJwk,
  exportPrivatePem,
  exportPublicJwk,
  exportPublicPem,
  generateEctKeyPair,
  importEctKey,
  signatureBackendName,
  staticKeyResolver,
} from "../src/index.js";
import { claimsFor, expectCode, fixedClock, ISSUER_A, VERIFIER } from "./support/fixtures.js";
import { readTestdata } from "./support/testdata.js";

/** RFC 7638 computed independently: SHA-256 of the required members in lexicographic order. */
function thumbprint(jwk: JWK): string {
  const required =
    jwk.kty === "EC"
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash("sha256").update(JSON.stringify(required)).digest("base64url");
}

async function signsAndVerifies(signer: EctKeyPair, publicKey: CryptoKey): Promise<void> {
  const token = await createEct(claimsFor(), signer, { clock: fixedClock });
  const verifier = createEctVerifier({
    verifierId: VERIFIER,
    keys: staticKeyResolver([{ iss: ISSUER_A, kid: signer.kid, key: publicKey }]),
    algorithms: [signer.alg],
    clock: fixedClock,
  });
  await expect(verifier.verify(token)).resolves.toBeDefined();
}

describe(`keys [${signatureBackendName}]`, () => {
  it("generates ES256 by default, with the RFC 7638 thumbprint as kid and a non-extractable private key", async () => {
    const key = await generateEctKeyPair();
    expect(key.alg).toBe("ES256");
    expect(key.privateKey.extractable).toBe(false);
    expect(key.kid).toBe(thumbprint(await exportPublicJwk(key)));
    expect(Object.isFrozen(key)).toBe(true);
    await expectCode(exportPrivateJwk(key), "ECT_KEY_INVALID");
  });

  it.each(["ES384", "ES512", "EdDSA", "Ed25519"] as const)("generates %s on request", async (alg) => {
    const key = await generateEctKeyPair({ alg, kid: `k-${alg}` });
    expect(key).toMatchObject({ alg, kid: `k-${alg}` });
    const jwk = await exportPublicJwk(key);
    expect(jwk.alg).toBe(alg);
    expect(jwk.crv).toBe({ ES384: "P-384", ES512: "P-521", EdDSA: "Ed25519", Ed25519: "Ed25519" }[alg]);
  });

  it("refuses unsupported algorithms and invalid kids", async () => {
    await expectCode(generateEctKeyPair({ alg: "HS256" as never }), "ECT_CONFIG_INVALID");
    await expectCode(generateEctKeyPair({ alg: "RS256" as never }), "ECT_CONFIG_INVALID");
    await expectCode(generateEctKeyPair({ kid: "" }), "ECT_KID_INVALID");
    await expectCode(generateEctKeyPair({ kid: "k".repeat(257) }), "ECT_KID_INVALID");
  });

  it("exports a public JWK with only public members plus kid, alg and use", async () => {
    const key = await generateEctKeyPair({ extractable: true, kid: "k1" });
    const jwk = await exportPublicJwk(key);
    expect(Object.keys(jwk).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x", "y"]);
    expect(jwk).toMatchObject({ kty: "EC", crv: "P-256", kid: "k1", alg: "ES256", use: "sig" });
    const fromCryptoKey = await exportPublicJwk(key.publicKey);
    expect(fromCryptoKey.kid).toBe(thumbprint(jwk));
    await expectCode(exportPublicJwk(key.privateKey), "ECT_KEY_INVALID");
  });

  it("round-trips private keys through JWK and PEM, keeping kid and alg", async () => {
    for (const alg of ["ES256", "ES384", "ES512", "EdDSA"] as const) {
      const key = await generateEctKeyPair({ alg, extractable: true });
      const privateJwk = await exportPrivateJwk(key);
      expect(privateJwk).toMatchObject({ kid: key.kid, alg, use: "sig" });
      expect(typeof privateJwk.d).toBe("string");
      const fromJwk = await importEctKey({ jwk: privateJwk });
      expect(fromJwk).toMatchObject({ type: "private", alg, kid: key.kid });
      expect(fromJwk.type === "private" && fromJwk.privateKey.extractable).toBe(false);
      await signsAndVerifies(fromJwk as EctKeyPair, key.publicKey);

      const pem = await exportPrivatePem(key);
      expect(pem).toContain("-----BEGIN PRIVATE KEY-----");
      const fromPem = await importEctKey({ pem }, { extractable: true });
      expect(fromPem).toMatchObject({ type: "private", alg, kid: key.kid });
      expect(await exportPrivateJwk(fromPem as EctKeyPair)).toEqual(privateJwk);

      const publicPem = await exportPublicPem(key);
      expect(publicPem).toContain("-----BEGIN PUBLIC KEY-----");
      const fromPublicPem = await importEctKey({ pem: publicPem });
      expect(fromPublicPem).toMatchObject({ type: "public", alg, kid: key.kid });
      await signsAndVerifies(key, fromPublicPem.publicKey);
    }
  });

  it("imports PEM keys made by OpenSSL (node:crypto), detecting the curve", async () => {
    const cases = [
      ["ec", { namedCurve: "P-256" }, "ES256"],
      ["ec", { namedCurve: "P-384" }, "ES384"],
      ["ec", { namedCurve: "P-521" }, "ES512"],
      ["ed25519", {}, "EdDSA"],
    ] as const;
    for (const [type, params, alg] of cases) {
      const pair = generateKeyPairSync(type as "ec", params as { namedCurve: string });
      const privatePem = pair.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
      const publicPem = pair.publicKey.export({ type: "spki", format: "pem" }) as string;
      const signer = await importEctKey({ pem: privatePem });
      const published = await importEctKey({ pem: publicPem });
      expect(signer.alg).toBe(alg);
      expect(published.kid).toBe(signer.kid);
      expect(published.kid).toBe(thumbprint(pair.publicKey.export({ format: "jwk" }) as JWK));
      await signsAndVerifies(signer as EctKeyPair, published.publicKey);
    }
  });

  it("refuses SEC1, encrypted, RSA and garbage PEMs, and a PEM of another curve than alg", async () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const sec1 = ec.privateKey.export({ type: "sec1", format: "pem" }) as string;
    const err = await expectCode(importEctKey({ pem: sec1 }), "ECT_KEY_INVALID");
    expect(err.message).toContain("PKCS#8");
    const encrypted = ec.privateKey.export({
      type: "pkcs8",
      format: "pem",
      cipher: "aes-256-cbc",
      passphrase: "secret",
    }) as string;
    await expectCode(importEctKey({ pem: encrypted }), "ECT_KEY_INVALID");
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    await expectCode(
      importEctKey({ pem: rsa.publicKey.export({ type: "spki", format: "pem" }) as string }),
      "ECT_KEY_INVALID",
    );
    await expectCode(
      importEctKey({ pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----" }),
      "ECT_KEY_INVALID",
    );
    await expectCode(importEctKey({ pem: "not a pem" }), "ECT_KEY_INVALID");
    const p256 = ec.publicKey.export({ type: "spki", format: "pem" }) as string;
    await expectCode(importEctKey({ pem: p256 }, { alg: "ES384" }), "ECT_KEY_INVALID");
  });

  it("refuses a private JWK whose d does not belong to its x and y", async () => {
    const a = await exportPrivateJwk(await generateEctKeyPair({ extractable: true }));
    const b = await exportPrivateJwk(await generateEctKeyPair({ extractable: true }));
    await expectCode(importEctKey({ jwk: { ...a, d: b.d! } }), "ECT_KEY_INVALID");
  });

  it("refuses JWKs of unsupported types, curves, and an alg that does not fit the curve", async () => {
    const jwk = await exportPublicJwk(await generateEctKeyPair());
    await expectCode(importEctKey({ jwk: { ...jwk, crv: "secp256k1" } }), "ECT_KEY_INVALID");
    await expectCode(importEctKey({ jwk: { kty: "oct", k: "AAAA" } }), "ECT_KEY_INVALID");
    await expectCode(importEctKey({ jwk: { kty: "RSA", n: "AQAB", e: "AQAB" } }), "ECT_KEY_INVALID");
    await expectCode(importEctKey({ jwk: { ...jwk, alg: "ES384" } }), "ECT_KEY_INVALID");
    await expectCode(importEctKey({ jwk }, { alg: "ES512" }), "ECT_KEY_INVALID");
    await expectCode(importEctKey({ jwk: { ...jwk, alg: "HS256" } }, {}), "ECT_KEY_INVALID");
    await expectCode(importEctKey({ jwk: { ...jwk, x: "AAAA" } }), "ECT_KEY_INVALID");
    await expectCode(importEctKey({ jwk }, { kid: "" }), "ECT_KID_INVALID");
    await expectCode(importEctKey({} as never), "ECT_KEY_INVALID");
  });

  it("takes kid from the options, else the JWK, else the thumbprint", async () => {
    const jwk = await exportPublicJwk(await generateEctKeyPair(), { kid: "from-jwk" });
    expect((await importEctKey({ jwk })).kid).toBe("from-jwk");
    expect((await importEctKey({ jwk }, { kid: "from-options" })).kid).toBe("from-options");
    const { kid: _kid, ...bare } = jwk;
    expect((await importEctKey({ jwk: bare })).kid).toBe(thumbprint(jwk));
  });

  it("computes RFC 7638 thumbprints: public and private forms agree", async () => {
    const key = await generateEctKeyPair({ extractable: true });
    const publicJwk = await exportPublicJwk(key);
    expect(await computeKeyId(publicJwk)).toBe(thumbprint(publicJwk));
    expect(await computeKeyId(await exportPrivateJwk(key))).toBe(thumbprint(publicJwk));
    expect(await computeKeyId(key.publicKey)).toBe(thumbprint(publicJwk));
  });

  it("imports the RFC 7520 (JOSE cookbook) P-521 keys with their kid, and the RFC 8037 Ed25519 key", async () => {
    const publicJwk = readTestdata<JWK>("jose-cookbook/jwk/3_1.ec_public_key.json");
    const privateJwk = readTestdata<JWK>("jose-cookbook/jwk/3_2.ec_private_key.json");
    const published = await importEctKey({ jwk: publicJwk });
    expect(published).toMatchObject({ type: "public", alg: "ES512", kid: "bilbo.baggins@hobbiton.example" });
    const signer = await importEctKey({ jwk: privateJwk });
    expect(signer.type).toBe("private");
    expect(await computeKeyId(publicJwk)).toBe(thumbprint(publicJwk));
    await signsAndVerifies(signer as EctKeyPair, published.publicKey);

    // RFC 8037 A.4: Ed25519 is deterministic, so importing the private key reproduces the signature.
    const ed = readTestdata<{ input: { key: JWK }; signing: { "sig-input": string; sig: string } }>(
      "jose-cookbook/curve25519/jws.json",
    );
    const edKey = await importEctKey({ jwk: ed.input.key });
    expect(edKey).toMatchObject({ type: "private", alg: "EdDSA" });
    const signature = await crypto.subtle.sign(
      "Ed25519",
      (edKey as EctKeyPair).privateKey,
      new TextEncoder().encode(ed.signing["sig-input"]),
    );
    expect(Buffer.from(signature).toString("base64url")).toBe(ed.signing.sig);
  });

  describe("exportJwks", () => {
    it("publishes public keys with kids (thumbprints when not given), alg and use", async () => {
      const a = await generateEctKeyPair({ kid: "a" });
      const b = await generateEctKeyPair({ alg: "EdDSA" });
      const c = await generateEctKeyPair();
      const bare = await exportPublicJwk(c);
      const { kid: _kid, alg: _alg, use: _use, ...cMembers } = bare;
      const jwks = await exportJwks([a, b.publicKey, cMembers]);
      expect(jwks.keys.map((k) => k.kid)).toEqual(["a", b.kid, thumbprint(bare)]);
      expect(jwks.keys.map((k) => k.alg)).toEqual(["ES256", "EdDSA", "ES256"]);
      for (const key of jwks.keys) {
        expect(key.use).toBe("sig");
        expect(key.d).toBeUndefined();
      }
    });

    it("refuses private JWKs and duplicate kids", async () => {
      const key = await generateEctKeyPair({ extractable: true, kid: "same" });
      await expectCode(exportJwks([await exportPrivateJwk(key)]), "ECT_KEY_INVALID");
      const other = await generateEctKeyPair({ kid: "same" });
      await expectCode(exportJwks([key, other]), "ECT_KEY_INVALID");
      await expectCode(exportJwks([key.privateKey]), "ECT_KEY_INVALID");
    });
  });
});
