import { EctErrorCodes } from "ect-core";
import { exportPrivateJwk, generateEctKeyPair } from "ect-crypto";
import { describe, expect, it } from "vitest";
import { trustDomainOf, verifyWit } from "../src/index.js";
import { createIdentityServer } from "../src/testing/index.js";
import { keys, publishedWit, refusal, signJwt, subject, trustAnchors, validAtMs } from "./fixtures.js";

const WIT_EXP = 1745512510;

/** A WIT with these claims signed by the published identity server key. */
function mintWit(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  return signJwt(
    { alg: "ES256", kid: "June 5", typ: "wit+jwt", ...header },
    claims,
    keys.identityServerPrivateKey,
    "ES256",
  );
}

const cnf = { jwk: { alg: "EdDSA", crv: "Ed25519", kty: "OKP", x: keys.workloadPrivateKey.x } };

describe("verifyWit (profile §9.1)", () => {
  it("verifies the published WIT against the published identity server key at validAt", async () => {
    const wit = await verifyWit(publishedWit, { trustAnchors, now: validAtMs });
    expect(wit.subject).toBe(subject);
    expect(wit.trustDomain).toBe("example.com");
    expect(wit.confirmationKey.jwk).toMatchObject({ alg: "EdDSA", kty: "OKP", crv: "Ed25519" });
    expect(wit.confirmationKey.subject).toBe(subject);
    expect(wit.confirmationKey.credential).toBe(publishedWit);
  });

  it("accepts the WIT up to exp + skew and refuses it at exp + skew + 1 s (ECT_WIT_EXPIRED)", async () => {
    await expect(
      verifyWit(publishedWit, { trustAnchors, now: (WIT_EXP + 29) * 1000 }),
    ).resolves.toBeDefined();
    expect(await refusal(verifyWit(publishedWit, { trustAnchors, now: (WIT_EXP + 30 + 1) * 1000 }))).toBe(
      EctErrorCodes.WIT_EXPIRED,
    );
  });

  it("refuses a WIT signed by a key of another trust domain (ECT_WIT_UNTRUSTED)", async () => {
    const other = await createIdentityServer({ trustDomain: "other.example", clock: () => validAtMs });
    const { wit } = await other.issueWit({ workload: subject });
    const anchors = { ...trustAnchors, ...other.trustAnchors };
    expect(await refusal(verifyWit(wit, { trustAnchors: anchors, now: validAtMs }))).toBe(
      EctErrorCodes.WIT_UNTRUSTED,
    );
    // and the same WIT verifies nowhere else: its sub's domain picks the anchor, never its signer
    expect(await refusal(verifyWit(wit, { trustAnchors: other.trustAnchors, now: validAtMs }))).toBe(
      EctErrorCodes.WIT_UNTRUSTED,
    );
  });

  it("refuses a WIT signed by another domain's key that reuses the anchor's kid (ECT_WIT_SIGNATURE_INVALID)", async () => {
    const foreign = await generateEctKeyPair({ alg: "ES256", kid: "June 5", extractable: true });
    const foreignServer = await createIdentityServer({
      trustDomain: "other.example",
      privateJwk: await exportPrivateJwk(foreign),
      clock: () => validAtMs,
    });
    const { wit } = await foreignServer.issueWit({ workload: subject });
    expect(await refusal(verifyWit(wit, { trustAnchors, now: validAtMs }))).toBe(
      EctErrorCodes.WIT_SIGNATURE_INVALID,
    );
  });

  it("refuses a WIT whose cnf.jwk carries d (ECT_WIT_CNF_INVALID)", async () => {
    const wit = await mintWit({
      cnf: { jwk: { ...cnf.jwk, d: keys.workloadPrivateKey.d } },
      exp: WIT_EXP,
      iat: keys.validAt,
      sub: subject,
    });
    expect(await refusal(verifyWit(wit, { trustAnchors, now: validAtMs }))).toBe(
      EctErrorCodes.WIT_CNF_INVALID,
    );
  });

  it.each([
    ["no cnf", {}],
    ["cnf.jwk without alg", { cnf: { jwk: { kty: "OKP", crv: "Ed25519", x: keys.workloadPrivateKey.x } } }],
    ["cnf.jwk alg HS256", { cnf: { jwk: { ...cnf.jwk, alg: "HS256" } } }],
    ["cnf.jwk alg ES256 on an Ed25519 key", { cnf: { jwk: { ...cnf.jwk, alg: "ES256" } } }],
    ["cnf.jwk kty EC with crv Ed25519", { cnf: { jwk: { ...cnf.jwk, kty: "EC" } } }],
    ["cnf.jwk crv X25519", { cnf: { jwk: { ...cnf.jwk, crv: "X25519" } } }],
  ])("refuses %s (ECT_WIT_CNF_INVALID)", async (_name, extra) => {
    const wit = await mintWit({ exp: WIT_EXP, iat: keys.validAt, sub: subject, ...extra });
    expect(await refusal(verifyWit(wit, { trustAnchors, now: validAtMs }))).toBe(
      EctErrorCodes.WIT_CNF_INVALID,
    );
  });

  it.each([
    ["typ JWT", { typ: "JWT" }, {}],
    ["a jwk header member", { jwk: keys.identityServerPublicKey }, {}],
    ["no sub", {}, { sub: undefined }],
    ["a sub without a trust domain", {}, { sub: "urn:example:workload" }],
    ["no exp", {}, { exp: undefined }],
    ["a fractional exp", {}, { exp: WIT_EXP + 0.5 }],
  ])("refuses a WIT with %s (ECT_WIT_INVALID)", async (_name, header, claims) => {
    const wit = await mintWit({ cnf, exp: WIT_EXP, iat: keys.validAt, sub: subject, ...claims }, header);
    expect(await refusal(verifyWit(wit, { trustAnchors, now: validAtMs }))).toBe(EctErrorCodes.WIT_INVALID);
  });

  it("refuses alg none and a malformed envelope (ECT_WIT_INVALID)", async () => {
    const [, payload] = publishedWit.split(".");
    const none = `${btoa(JSON.stringify({ alg: "none", typ: "wit+jwt", kid: "June 5" })).replace(/=+$/, "")}.${payload}.AA`;
    expect(await refusal(verifyWit(none, { trustAnchors, now: validAtMs }))).toBe(EctErrorCodes.WIT_INVALID);
    expect(await refusal(verifyWit("a.b", { trustAnchors, now: validAtMs }))).toBe(EctErrorCodes.WIT_INVALID);
  });

  it("refuses a tampered signature (ECT_WIT_SIGNATURE_INVALID) and an unknown kid (ECT_WIT_UNTRUSTED)", async () => {
    const tampered = `${publishedWit.slice(0, -2)}${publishedWit.endsWith("A") ? "Bw" : "Aw"}`;
    expect(await refusal(verifyWit(tampered, { trustAnchors, now: validAtMs }))).toBe(
      EctErrorCodes.WIT_SIGNATURE_INVALID,
    );
    const otherKid = await mintWit({ cnf, exp: WIT_EXP, sub: subject }, { kid: "June 6" });
    expect(await refusal(verifyWit(otherKid, { trustAnchors, now: validAtMs }))).toBe(
      EctErrorCodes.WIT_UNTRUSTED,
    );
  });

  it("refuses bad trust anchors at the call, as a configuration error", async () => {
    await expect(
      verifyWit(publishedWit, { trustAnchors: { "example.com": [keys.identityServerPrivateKey] } }),
    ).rejects.toMatchObject({
      code: EctErrorCodes.CONFIG_INVALID,
    });
    await expect(verifyWit(publishedWit, { trustAnchors: { "example.com": [] } })).rejects.toMatchObject({
      code: EctErrorCodes.CONFIG_INVALID,
    });
  });

  it("takes the trust domain from the workload identifier's authority", () => {
    expect(trustDomainOf("wimse://example.com/a/b")).toBe("example.com");
    expect(trustDomainOf("spiffe://prod.example.org/ns/x")).toBe("prod.example.org");
    expect(trustDomainOf("wimse://user@example.com/a")).toBeUndefined();
    expect(trustDomainOf("urn:uuid:1")).toBeUndefined();
  });
});
