// Round trips for every supported algorithm, and interoperability with plain jose both ways.
import { importJWK, jwtVerify, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import {
  createEct,
  createEctVerifier,
  type EctKeyPair,
  exportPrivateJwk,
  exportPublicJwk,
  generateEctKeyPair,
  importEctKey,
  signatureBackendName,
  staticKeyResolver,
} from "../src/index.js";
import { claimsFor, expectCode, fixedClock, ISSUER_A, NOW_MS, NOW_S, VERIFIER } from "./support/fixtures.js";

const ALGORITHMS = ["ES256", "ES384", "ES512", "EdDSA", "Ed25519"] as const;

function verifierFor(key: EctKeyPair, algorithms: readonly (typeof ALGORITHMS)[number][] = [key.alg]) {
  return createEctVerifier({
    verifierId: VERIFIER,
    keys: staticKeyResolver([{ iss: ISSUER_A, key }]),
    algorithms,
    clock: fixedClock,
  });
}

describe(`round trips and jose interop [${signatureBackendName}]`, () => {
  describe.each(ALGORITHMS)("%s", (alg) => {
    it("creates and verifies a token", async () => {
      const key = await generateEctKeyPair({ alg });
      const token = await createEct(claimsFor(), key, { clock: fixedClock });
      const verified = await verifierFor(key).verify(token);
      expect(verified.header).toEqual({ alg, typ: "exec+jwt", kid: key.kid });
      expect(verified.claims.iss).toBe(ISSUER_A);
    });

    it("round-trips through exported and re-imported JWKs", async () => {
      const original = await generateEctKeyPair({ alg, extractable: true });
      const signer = await importEctKey({ jwk: await exportPrivateJwk(original) });
      const published = await importEctKey({ jwk: await exportPublicJwk(original) });
      expect(signer.type).toBe("private");
      expect(published).toMatchObject({ type: "public", alg, kid: original.kid });
      const token = await createEct(claimsFor(), signer as EctKeyPair, { clock: fixedClock });
      await expect(
        verifierFor({ ...original, publicKey: published.publicKey }).verify(token),
      ).resolves.toBeDefined();
    });

    it("produces tokens plain jose.jwtVerify accepts", async () => {
      const key = await generateEctKeyPair({ alg });
      const token = await createEct(claimsFor(), key, { clock: fixedClock });
      const { payload, protectedHeader } = await jwtVerify(token, key.publicKey, {
        algorithms: [alg],
        typ: "exec+jwt",
        issuer: ISSUER_A,
        audience: VERIFIER,
        currentDate: new Date(NOW_MS),
      });
      expect(protectedHeader).toEqual({ alg, typ: "exec+jwt", kid: key.kid });
      expect(payload.exec_act).toBe("summarise");
    });

    it("verifies tokens made by plain jose SignJWT with the ECT header and claims", async () => {
      const key = await generateEctKeyPair({ alg });
      const token = await new SignJWT({ exec_act: "summarise", pred: [] })
        .setProtectedHeader({ alg, typ: "exec+jwt", kid: key.kid })
        .setIssuer(ISSUER_A)
        .setAudience(VERIFIER)
        .setIssuedAt(NOW_S)
        .setExpirationTime(NOW_S + 300)
        .setJti(crypto.randomUUID())
        .sign(key.privateKey);
      const verified = await verifierFor(key).verify(token);
      expect(verified.claims.exec_act).toBe("summarise");
    });
  });

  it("refuses a jose SignJWT token missing ECT claims or with a JWT typ", async () => {
    const key = await generateEctKeyPair();
    const plain = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", typ: "JWT", kid: key.kid })
      .setIssuer(ISSUER_A)
      .setAudience(VERIFIER)
      .setIssuedAt(NOW_S)
      .setExpirationTime(NOW_S + 300)
      .sign(key.privateKey);
    await expectCode(verifierFor(key).verify(plain), "ECT_TYP_INVALID");
    const noExecAct = await new SignJWT({ pred: [] })
      .setProtectedHeader({ alg: "ES256", typ: "exec+jwt", kid: key.kid })
      .setIssuer(ISSUER_A)
      .setAudience(VERIFIER)
      .setIssuedAt(NOW_S)
      .setExpirationTime(NOW_S + 300)
      .setJti(crypto.randomUUID())
      .sign(key.privateKey);
    await expectCode(verifierFor(key).verify(noExecAct), "ECT_CLAIM_MISSING");
  });

  it("EdDSA and Ed25519 are distinct algorithm names for one key type, each needing its allowlist entry", async () => {
    const key = await generateEctKeyPair({ alg: "EdDSA" });
    const asEd25519 = await createEct(claimsFor(), { ...key, alg: "Ed25519" }, { clock: fixedClock });
    await expectCode(verifierFor(key, ["EdDSA"]).verify(asEd25519), "ECT_ALG_NOT_ALLOWED");
    const keys = staticKeyResolver([{ iss: ISSUER_A, key: key.publicKey, kid: key.kid }]);
    const both = createEctVerifier({
      verifierId: VERIFIER,
      keys,
      algorithms: ["EdDSA", "Ed25519"],
      clock: fixedClock,
    });
    await expect(both.verify(asEd25519)).resolves.toBeDefined();
  });

  it("verifies with a key imported by jose.importJWK", async () => {
    const key = await generateEctKeyPair();
    const imported = (await importJWK(await exportPublicJwk(key), "ES256")) as CryptoKey;
    const keys = staticKeyResolver([{ iss: ISSUER_A, kid: key.kid, key: imported }]);
    const verifier = createEctVerifier({ verifierId: VERIFIER, keys, clock: fixedClock });
    await expect(
      verifier.verify(await createEct(claimsFor(), key, { clock: fixedClock })),
    ).resolves.toBeDefined();
  });
});
