// Key generation, import and export (JWK, PEM), JWK Sets with RFC 7638 kids.
import { createHash, generateKeyPairSync } from "node:crypto";
import { SUPPORTED_ALGORITHMS } from "ect-core";
import type { JWK } from "jose";
import { describe, expect, it } from "vitest";
import {
  algorithmProfile,
  algorithmsForCurve,
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
  keyCurve,
  signatureBackendName,
  staticKeyResolver,
} from "../src/index.js";
import { keyObjectCurve } from "../src/key-curve.js";
import {
  claimsFor,
  expectCode,
  expectConfigError,
  fixedClock,
  ISSUER_A,
  VERIFIER,
} from "./support/fixtures.js";
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
    // An option mistake: EctConfigError (a TypeError, code ECT_CONFIG_INVALID) naming the option.
    await expectConfigError(generateEctKeyPair({ alg: "HS256" as never }), "alg");
    await expectConfigError(generateEctKeyPair({ alg: "RS256" as never }), "alg");
    await expectConfigError(generateEctKeyPair({ algo: "ES384" } as never), "algo");
    await expectConfigError(importEctKey({ pem: "x" }, { alg: "none" as never }), "alg");
    await expectConfigError(importEctKey({ pem: "x" }, { kidd: "k" } as never), "kidd");
    const exportable = await generateEctKeyPair({ extractable: true });
    await expectConfigError(exportPublicJwk(exportable, { alg: "RS256" as never }), "alg");
    await expectConfigError(exportPrivateJwk(exportable, { kid: "k", use: "sig" } as never), "use");
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

  describe("one answer to 'which curve is this key' (keyCurve) and one algorithm table", () => {
    const curves = { ES256: "P-256", ES384: "P-384", ES512: "P-521", EdDSA: "Ed25519" } as const;

    it("names the curve of a JWK, a CryptoKey (public or private) and a node:crypto KeyObject alike", async () => {
      for (const [alg, curve] of Object.entries(curves)) {
        const key = await generateEctKeyPair({ alg: alg as keyof typeof curves, extractable: true });
        expect(keyCurve(await exportPublicJwk(key))).toBe(curve);
        expect(keyCurve(await exportPrivateJwk(key))).toBe(curve);
        expect(keyCurve(key.publicKey)).toBe(curve);
        expect(keyCurve(key.privateKey)).toBe(curve);
        const nodeKey =
          curve === "Ed25519"
            ? generateKeyPairSync("ed25519")
            : generateKeyPairSync("ec", { namedCurve: curve });
        expect(keyObjectCurve(nodeKey.publicKey)).toBe(curve);
        expect(keyObjectCurve(nodeKey.privateKey)).toBe(curve);
      }
    });

    it("answers undefined for every other key", async () => {
      expect(keyCurve({ kty: "RSA", n: "AQAB", e: "AQAB" })).toBeUndefined();
      expect(keyCurve({ kty: "EC", crv: "secp256k1" })).toBeUndefined();
      expect(keyCurve({ kty: "EC", crv: "Ed25519" })).toBeUndefined();
      expect(keyCurve({ kty: "OKP", crv: "X25519" })).toBeUndefined();
      expect(keyCurve({ kty: "OKP", crv: "P-256" })).toBeUndefined();
      expect(keyCurve(null as never)).toBeUndefined();
      const hmac = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      expect(keyCurve(hmac)).toBeUndefined();
      const ecdh = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, [
        "deriveBits",
      ]);
      expect(keyCurve(ecdh.publicKey)).toBeUndefined();
      // An object claiming to be a CryptoKey is read as a JWK, never trusted as a key.
      expect(keyCurve({ algorithm: { name: "Ed25519" } } as never)).toBeUndefined();
      expect(
        keyObjectCurve(generateKeyPairSync("ec", { namedCurve: "secp256k1" }).publicKey),
      ).toBeUndefined();
      expect(keyObjectCurve(generateKeyPairSync("x25519").publicKey)).toBeUndefined();
      expect(
        keyObjectCurve({ asymmetricKeyType: "ec", asymmetricKeyDetails: { namedCurve: "constructor" } }),
      ).toBeUndefined();
    });

    it("derives the algorithms of a curve from the one table, which covers exactly SUPPORTED_ALGORITHMS", () => {
      expect(algorithmsForCurve("P-256")).toEqual(["ES256"]);
      expect(algorithmsForCurve("P-384")).toEqual(["ES384"]);
      expect(algorithmsForCurve("P-521")).toEqual(["ES512"]);
      expect(algorithmsForCurve("Ed25519")).toEqual(["EdDSA", "Ed25519"]);
      expect(algorithmsForCurve("X25519" as never)).toEqual([]);
      for (const alg of SUPPORTED_ALGORITHMS) {
        expect(algorithmsForCurve(algorithmProfile(alg)!.curve)).toContain(alg);
      }
      expect(
        (["P-256", "P-384", "P-521", "Ed25519"] as const)
          .flatMap((curve) => algorithmsForCurve(curve))
          .sort(),
      ).toEqual([...SUPPORTED_ALGORITHMS].sort());
    });
  });
});
