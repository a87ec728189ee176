// Ledger receipts (createJwsSigner, verifyReceipt; SPEC 7) and the audit-mode verifier (SPEC 5.11).
import { EctConfigError } from "ect-core";
import { base64urlDecode, RECEIPT_TYP } from "ect-core/internal";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createAuditVerifier,
  createEct,
  createJwsSigner,
  exportPublicJwk,
  generateEctKeyPair,
  signatureBackendName,
  staticKeyResolver,
  verifyReceipt,
} from "../src/index.js";
import {
  b64,
  claimsFor,
  expectCode,
  expectCodeSync,
  expectConfigErrorSync,
  fixedClock,
  fullClaims,
  handBuilt,
  ISSUER_A,
  makeWorld,
  NOW_MS,
  NOW_S,
  rawSignature,
  type World,
} from "./support/fixtures.js";

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});

const receiptPayload = () => ({
  index: 3,
  leafHash: "a".repeat(64),
  ingestedAt: NOW_MS,
  jti: crypto.randomUUID(),
  wid: null,
});

describe(`receipts [${signatureBackendName}]`, () => {
  it("signs a receipt with header exactly { alg, typ, kid } and verifies it with the public key", async () => {
    const ledgerKey = await generateEctKeyPair({ kid: "ledger-1" });
    const signer = createJwsSigner(ledgerKey);
    expect([signer.alg, signer.kid]).toEqual(["ES256", "ledger-1"]);
    const payload = receiptPayload();
    const jws = await signer.sign(payload, RECEIPT_TYP);
    const header = new TextDecoder().decode(base64urlDecode(jws.split(".")[0]!));
    expect(header).toBe(`{"alg":"ES256","typ":"ect-receipt+jwt","kid":"ledger-1"}`);
    expect(await verifyReceipt(jws, ledgerKey)).toEqual(payload);
    expect(await verifyReceipt(jws, ledgerKey.publicKey)).toEqual(payload);
    expect(await verifyReceipt(jws, await exportPublicJwk(ledgerKey))).toEqual(payload);
  });

  it("works with Ed25519 ledger keys", async () => {
    const ledgerKey = await generateEctKeyPair({ alg: "EdDSA" });
    const jws = await createJwsSigner(ledgerKey).sign(receiptPayload(), RECEIPT_TYP);
    await expect(verifyReceipt(jws, ledgerKey)).resolves.toMatchObject({ index: 3 });
  });

  it("refuses to sign with an ECT typ, so a receipt key never mints an ECT", async () => {
    const signer = createJwsSigner(world.keyA);
    for (const typ of ["exec+jwt", "EXEC+JWT", "application/exec+jwt", "wimse-exec+jwt"]) {
      await expectCode(signer.sign(fullClaims(), typ), "ECT_TYP_INVALID");
    }
    await expectCode(signer.sign(fullClaims(), ""), "ECT_TYP_INVALID");
  });

  it("refuses invalid signing keys", async () => {
    expectCodeSync(() => createJwsSigner({ ...world.keyA, alg: "HS256" as never }), "ECT_ALG_NOT_ALLOWED");
    expectCodeSync(() => createJwsSigner({ ...world.keyA, kid: "" }), "ECT_KID_INVALID");
    expectCodeSync(
      () => createJwsSigner({ ...world.keyA, privateKey: world.keyA.publicKey }),
      "ECT_KEY_INVALID",
    );
  });

  it("refuses a receipt by another key, of another typ, with extra header members, or another kid", async () => {
    const ledgerKey = await generateEctKeyPair({ kid: "ledger-1" });
    const other = await generateEctKeyPair({ kid: "ledger-1" });
    const jws = await createJwsSigner(other).sign(receiptPayload(), RECEIPT_TYP);
    await expectCode(verifyReceipt(jws, ledgerKey), "ECT_SIGNATURE_INVALID");
    const asEct = await handBuilt(ledgerKey, { payload: receiptPayload() });
    await expectCode(verifyReceipt(asEct, ledgerKey), "ECT_TYP_INVALID");
    const extra = await handBuilt(ledgerKey, {
      header: { alg: "ES256", typ: RECEIPT_TYP, kid: "ledger-1", jku: "https://x" },
      payload: receiptPayload(),
    });
    await expectCode(verifyReceipt(extra, ledgerKey), "ECT_HEADER_MEMBER_FORBIDDEN");
    const renamed = await createJwsSigner({ ...ledgerKey, kid: "ledger-2" }).sign(
      receiptPayload(),
      RECEIPT_TYP,
    );
    await expectCode(verifyReceipt(renamed, ledgerKey), "ECT_KEY_NOT_FOUND");
    const none = `${b64(JSON.stringify({ alg: "none", typ: RECEIPT_TYP, kid: "ledger-1" }))}.${b64("{}")}.AA`;
    await expectCode(verifyReceipt(none, ledgerKey), "ECT_ALG_NOT_ALLOWED");
    await expectCode(verifyReceipt(`${jws}x`, ledgerKey), "ECT_BASE64URL_INVALID");
  });

  it("refuses a validly signed receipt with malformed fields", async () => {
    const ledgerKey = await generateEctKeyPair({ kid: "ledger-1" });
    const signer = createJwsSigner(ledgerKey);
    for (const bad of [
      { index: -1 },
      { index: "1" },
      { leafHash: "xyz" },
      { leafHash: "A".repeat(64) },
      { ingestedAt: null },
      { ingestedAt: 1.5 },
      { wid: 5 },
    ]) {
      const jws = await signer.sign({ ...receiptPayload(), ...bad }, RECEIPT_TYP);
      await expectCode(verifyReceipt(jws, ledgerKey), "ECT_MALFORMED");
    }
  });
});

describe(`audit verifier (SPEC 5.11) [${signatureBackendName}]`, () => {
  const audit = () => createAuditVerifier({ keys: staticKeyResolver([{ iss: ISSUER_A, key: world.keyA }]) });

  it("accepts a stored token whose freshness, audience and replay no longer hold", async () => {
    const old = await createEct(
      claimsFor(ISSUER_A, { aud: "spiffe://example.org/someone-else" }),
      world.keyA,
      {
        clock: () => NOW_MS - 86_400_000,
      },
    );
    const verify = audit();
    const first = await verify(old, { ingestedAt: NOW_MS - 86_400_000 });
    expect(first.ok && first.value.level).toBe(2);
    const again = await verify(old, { ingestedAt: NOW_MS - 86_400_000 });
    expect(again.ok).toBe(true);
  });

  it("still applies the signature, header and claim rules", async () => {
    const verify = audit();
    const forged = await handBuilt(world.keyA, { signature: () => new Uint8Array(64) });
    const a = await verify(forged, { ingestedAt: NOW_MS });
    expect(!a.ok && a.error.code).toBe("ECT_SIGNATURE_INVALID");
    const badHeader = await handBuilt(world.keyA, { header: { alg: "ES256", typ: "JWT", kid: "key-a" } });
    const b = await verify(badHeader, { ingestedAt: NOW_MS });
    expect(!b.ok && b.error.code).toBe("ECT_TYP_INVALID");
    const badClaims = await handBuilt(world.keyA, { payload: fullClaims({ pred: ["x"] }) });
    const c = await verify(badClaims, { ingestedAt: NOW_MS });
    expect(!c.ok && c.error.code).toBe("ECT_PRED_INVALID");
    const otherIssuer = await handBuilt(world.keyA, {
      payload: fullClaims({ iss: "spiffe://example.org/b" }),
    });
    const d = await verify(otherIssuer, { ingestedAt: NOW_MS });
    expect(!d.ok && d.error.code).toBe("ECT_KEY_NOT_FOUND");
    const unsigned = await createEct(claimsFor(), null, { level: 1, clock: fixedClock });
    const e = await verify(unsigned, { ingestedAt: NOW_MS });
    expect(!e.ok && e.error.code).toBe("ECT_LEVEL_TOO_LOW");
    const lenient = createAuditVerifier({
      keys: staticKeyResolver([{ iss: ISSUER_A, key: world.keyA }]),
      minLevel: 1,
    });
    expect((await lenient(unsigned, { ingestedAt: NOW_MS })).ok).toBe(true);
  });

  it("applies the time rules of profile §5.8 as of the ingestion time, without the freshness rule", async () => {
    const verify = audit();
    const token = await handBuilt(world.keyA, {
      payload: fullClaims({ iat: NOW_S, exp: NOW_S + 600, nbf: NOW_S + 60 }),
    });
    // Valid at ingestion (nbf - skew <= ingestedAt < exp + skew); a day later, still valid: its
    // age since ingestion is no refusal.
    expect((await verify(token, { ingestedAt: (NOW_S + 30) * 1000 })).ok).toBe(true);
    expect((await verify(token, { ingestedAt: (NOW_S + 629) * 1000 })).ok).toBe(true);
    const codeAt = async (seconds: number) => {
      const r = await verify(token, { ingestedAt: seconds * 1000 });
      return r.ok ? "accepted" : r.error.code;
    };
    expect(await codeAt(NOW_S + 630)).toBe("ECT_EXPIRED"); // exp + skew <= ingestedAt
    expect(await codeAt(NOW_S + 29.999)).toBe("ECT_NOT_YET_VALID"); // nbf - skew > ingestedAt
    expect(await codeAt(NOW_S - 31)).toBe("ECT_IAT_IN_FUTURE"); // iat > ingestedAt + maxFuture
  });

  it("refuses an invalid ingestion time and invalid options", async () => {
    const r = await audit()(await world.token(), { ingestedAt: Number.NaN });
    expect(!r.ok && r.error.code).toBe("ECT_CONFIG_INVALID");
    // Invalid options are a programming error: an EctConfigError at construction.
    expect(() => createAuditVerifier({ keys: {} as never })).toThrow(EctConfigError);
    expect(() =>
      createAuditVerifier({ keys: staticKeyResolver([]), algorithms: ["HS256" as never] }),
    ).toThrow(EctConfigError);
    expect(() => createAuditVerifier({ keys: staticKeyResolver([]), minLevel: 3 as never })).toThrow(
      EctConfigError,
    );
    expectConfigErrorSync(
      () => createAuditVerifier({ keys: staticKeyResolver([]), minLevl: 1 } as never),
      "minLevl",
    );
    expectConfigErrorSync(() => createAuditVerifier(undefined as never), "options");
  });

  it("uses the signature primitive of verification (a 65-byte signature is refused)", async () => {
    const token = await handBuilt(world.keyA, {
      signature: async (input) => {
        const raw = await rawSignature(world.keyA, input);
        return new Uint8Array([...raw, 0]);
      },
    });
    const r = await audit()(token, { ingestedAt: NOW_S * 1000 });
    expect(!r.ok && r.error.code).toBe("ECT_SIGNATURE_INVALID");
  });
});
