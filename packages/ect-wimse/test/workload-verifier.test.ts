import { EctConfigError, EctErrorCodes } from "ect-core";
import { computeKeyId, createEct, createEctVerifier, importEctKey, staticKeyResolver } from "ect-crypto";
import { describe, expect, it } from "vitest";
import {
  createWitAuditVerifier,
  createWorkloadEctVerifier,
  createWpt,
  verifyWit,
  verifyWpt,
} from "../src/index.js";
import { createIdentityServer } from "../src/testing/index.js";
import {
  ectClaims,
  keys,
  publishedRequest,
  publishedWit,
  publishedWpt,
  refusal,
  signJwt,
  subject,
  trustAnchors,
  validAtMs,
  verifierId,
  workloadEct,
} from "./fixtures.js";

const verifier = (options: Partial<Parameters<typeof createWorkloadEctVerifier>[0]> = {}) =>
  createWorkloadEctVerifier({ verifierId, trustAnchors, clock: () => validAtMs, ...options });
const published = { wit: publishedWit, wpt: publishedWpt, request: publishedRequest };

describe("createWorkloadEctVerifier (profile §9, §5)", () => {
  it("accepts an ECT signed with the published workload key (EdDSA, no kid, iss = WIT sub) with the published WIT and WPT", async () => {
    const ect = await workloadEct();
    const verified = await verifier().verify({ ect, ...published });
    expect(verified.claims.iss).toBe(subject);
    expect(verified.header?.alg).toBe("EdDSA");
    expect(verified.header?.kid).toBeUndefined();
    expect(verified.wit.subject).toBe(subject);
    expect(verified.wit.claims["jti"]).toBe("x-_1CTL2cca3CSE4cwb_l");
    expect(verified.wpt?.jti).toBe("__bwc4ESC3acc2LTC1-_x");
    expect(verified.level).toBe(2);
  });

  it("refuses iss differing from the WIT's sub by one character (ECT_WIT_SUBJECT_MISMATCH)", async () => {
    const ect = await workloadEct({ iss: `${subject.slice(0, -1)}D` });
    expect(await refusal(verifier().verify({ ect, ...published }))).toBe(EctErrorCodes.WIT_SUBJECT_MISMATCH);
  });

  it("refuses an ECT alg differing from cnf.jwk.alg (ECT_WIT_ALG_MISMATCH)", async () => {
    // The same Ed25519 key under the alg name "Ed25519": a valid signature, the wrong alg.
    const ect = await signJwt(
      { alg: "Ed25519", typ: "exec+jwt" },
      ectClaims(),
      keys.workloadPrivateKey,
      "Ed25519",
    );
    expect(await refusal(verifier().verify({ ect, ...published }))).toBe(EctErrorCodes.WIT_ALG_MISMATCH);
    const es = await importEctKey({ jwk: keys.identityServerPrivateKey });
    if (!("privateKey" in es)) throw new Error("private key expected");
    const esEct = await createEct(ectClaims() as never, es, { clock: () => validAtMs });
    expect(await refusal(verifier().verify({ ect: esEct, ...published }))).toBe(
      EctErrorCodes.WIT_ALG_MISMATCH,
    );
  });

  it("accepts kid = RFC 7638 thumbprint of cnf.jwk and refuses any other kid (ECT_WIT_KID_MISMATCH)", async () => {
    const thumbprint = await computeKeyId({ kty: "OKP", crv: "Ed25519", x: keys.workloadPrivateKey.x! });
    const good = await workloadEct({}, { kid: thumbprint });
    await expect(verifier().verify({ ect: good, ...published })).resolves.toBeDefined();
    const bad = await workloadEct(
      {},
      {
        kid:
          `${thumbprint.slice(0, -1)}A` === thumbprint
            ? `${thumbprint.slice(0, -1)}B`
            : `${thumbprint.slice(0, -1)}A`,
      },
    );
    expect(
      await refusal(
        verifier().verify({ ect: bad, wit: publishedWit, wpt: publishedWpt, request: publishedRequest }),
      ),
    ).toBe(EctErrorCodes.WIT_KID_MISMATCH);
  });

  it("refuses the WIT at exp + skew + 1 s before looking at the ECT (ECT_WIT_EXPIRED)", async () => {
    const ect = await workloadEct();
    const late = verifier({ clock: () => (1745512510 + 30 + 1) * 1000, requireWpt: false });
    expect(await refusal(late.verify({ ect, wit: publishedWit }))).toBe(EctErrorCodes.WIT_EXPIRED);
  });

  it("refuses a missing WIT (ECT_WIT_MISSING) and a missing WPT unless requireWpt is false (ECT_WPT_MISSING)", async () => {
    const ect = await workloadEct();
    expect(await refusal(verifier().verify({ ect, wit: "" }))).toBe(EctErrorCodes.WIT_MISSING);
    expect(await refusal(verifier().verify({ ect, wit: publishedWit }))).toBe(EctErrorCodes.WPT_MISSING);
    await expect(verifier({ requireWpt: false }).verify({ ect, wit: publishedWit })).resolves.toBeDefined();
  });

  it("refuses a replayed WPT (ECT_WPT_REPLAY) and then a replayed ECT (ECT_REPLAY)", async () => {
    const v = verifier();
    const ect = await workloadEct();
    await v.verify({ ect, ...published });
    expect(await refusal(v.verify({ ect: await workloadEct(), ...published }))).toBe(
      EctErrorCodes.WPT_REPLAY,
    );
    const noWpt = verifier({ requireWpt: false });
    await noWpt.verify({ ect, wit: publishedWit });
    expect(await refusal(noWpt.verify({ ect, wit: publishedWit }))).toBe(EctErrorCodes.REPLAY);
  });

  it("runs every profile §5 step on the ECT: audience, time, claims", async () => {
    const v = verifier({ requireWpt: false });
    expect(
      await refusal(v.verify({ ect: await workloadEct({ aud: "someone-else" }), wit: publishedWit })),
    ).toBe(EctErrorCodes.AUD_MISMATCH);
    expect(
      await refusal(
        v.verify({
          ect: await workloadEct({ exp: keys.validAt - 31, iat: keys.validAt - 60 }),
          wit: publishedWit,
        }),
      ),
    ).toBe(EctErrorCodes.EXPIRED);
    expect(await refusal(v.verify({ ect: await workloadEct({ pred: "x" }), wit: publishedWit }))).toBe(
      EctErrorCodes.PRED_INVALID,
    );
    expect(await refusal(v.verify({ ect: await workloadEct({}, { typ: "JWT" }), wit: publishedWit }))).toBe(
      EctErrorCodes.TYP_INVALID,
    );
    expect(await refusal(v.verify({ ect: await workloadEct({}, { jwk: {} }), wit: publishedWit }))).toBe(
      EctErrorCodes.HEADER_MEMBER_FORBIDDEN,
    );
    const forged = await signJwt(
      { alg: "EdDSA", typ: "exec+jwt" },
      ectClaims(),
      (await fresh()).jwk,
      "EdDSA",
    );
    expect(await refusal(v.verify({ ect: forged, wit: publishedWit }))).toBe(EctErrorCodes.SIGNATURE_INVALID);
  });

  it("refuses options that do not apply, at construction", () => {
    for (const extra of [
      { keys: staticKeyResolver([]) },
      { algorithms: ["EdDSA"] },
      { keyBinding: "resolver" },
    ]) {
      expect(() => verifier(extra as never)).toThrow(
        expect.objectContaining({ code: EctErrorCodes.CONFIG_INVALID }),
      );
    }
    expect(() => verifier({ trustAnchors: { "example.com": [keys.identityServerPrivateKey] } })).toThrow(
      expect.objectContaining({ code: EctErrorCodes.CONFIG_INVALID }),
    );
  });
});

describe("ect-crypto's WIT-bound key step (keyBinding: confirmation)", () => {
  it("needs a confirmation key per call and refuses one in resolver mode", async () => {
    const bound = createEctVerifier({ verifierId, keyBinding: "confirmation", clock: () => validAtMs });
    const ect = await workloadEct();
    expect(await refusal(bound.verify(ect))).toBe(EctErrorCodes.CONFIG_INVALID);
    const jwk = { alg: "EdDSA", kty: "OKP", crv: "Ed25519", x: keys.workloadPrivateKey.x! };
    await expect(bound.verify(ect, { confirmationKey: { jwk, subject } })).resolves.toBeDefined();
    const resolver = createEctVerifier({ verifierId, keys: staticKeyResolver([]), clock: () => validAtMs });
    expect(await refusal(resolver.verify(ect, { confirmationKey: { jwk, subject } }))).toBe(
      EctErrorCodes.CONFIG_INVALID,
    );
    // outside WIT-bound mode a missing kid is still refused (profile §2)
    const resolverEd = createEctVerifier({
      verifierId,
      keys: staticKeyResolver([]),
      algorithms: ["EdDSA"],
      clock: () => validAtMs,
    });
    expect(await refusal(resolverEd.verify(await workloadEct()))).toBe(EctErrorCodes.KID_INVALID);
  });

  it("refuses keys and algorithms with keyBinding confirmation, at construction", () => {
    expect(() =>
      createEctVerifier({ verifierId, keyBinding: "confirmation", keys: staticKeyResolver([]) }),
    ).toThrow(expect.objectContaining({ code: EctErrorCodes.CONFIG_INVALID }));
    expect(() =>
      createEctVerifier({ verifierId, keyBinding: "confirmation", algorithms: ["EdDSA"] }),
    ).toThrow(expect.objectContaining({ code: EctErrorCodes.CONFIG_INVALID }));
    expect(() =>
      createEctVerifier({ verifierId, keyBinding: "other" as never, keys: staticKeyResolver([]) }),
    ).toThrow(expect.objectContaining({ code: EctErrorCodes.CONFIG_INVALID }));
  });
});

describe("createWitAuditVerifier (profile §9.4)", () => {
  const ingestedAt = validAtMs;
  it("re-verifies an entry with its stored WIT as of ingestedAt, long after the WIT expired", async () => {
    const audit = createWitAuditVerifier({ trustAnchors });
    const ect = await workloadEct();
    const result = await audit(ect, { ingestedAt, wit: publishedWit });
    expect(result.ok).toBe(true);
    // the WIT was not valid at this ingestion time
    const late = await audit(ect, { ingestedAt: (1745512510 + 31) * 1000, wit: publishedWit });
    expect(late.ok === false && late.error.code).toBe(EctErrorCodes.WIT_EXPIRED);
  });

  it("fails when the stored WIT is swapped for another or missing", async () => {
    const audit = createWitAuditVerifier({ trustAnchors });
    const ect = await workloadEct();
    const server = await createIdentityServer({
      trustDomain: "example.com",
      privateJwk: keys.identityServerPrivateKey,
      clock: () => validAtMs,
    });
    const swapped = await server.issueWit({ workload: "specific-workload" }); // same sub, another key
    const result = await audit(ect, { ingestedAt, wit: swapped.wit });
    expect(result.ok === false && result.error.code).toBe(EctErrorCodes.SIGNATURE_INVALID);
    const none = await audit(ect, { ingestedAt });
    expect(none.ok === false && none.error.code).toBe(EctErrorCodes.WIT_MISSING);
  });
});

describe("createWitAuditVerifier withoutWit", () => {
  it("audits entries stored without a WIT with the given resolver-based verifier", async () => {
    const { createAuditVerifier, generateEctKeyPair } = await import("ect-crypto");
    const key = await generateEctKeyPair({ kid: "k1" });
    const iss = "spiffe://example.org/legacy";
    const audit = createWitAuditVerifier({
      trustAnchors,
      withoutWit: createAuditVerifier({ keys: staticKeyResolver([{ iss, key }]) }),
    });
    const token = await createEct({ iss, aud: verifierId, exec_act: "a", pred: [] }, key);
    const result = await audit(token, { ingestedAt: Date.now(), wit: null });
    expect(result.ok).toBe(true);
    expect(() => createWitAuditVerifier({ trustAnchors, withoutWit: "no" as never })).toThrow(
      expect.objectContaining({ code: EctErrorCodes.CONFIG_INVALID }),
    );
  });
});

describe("ect-wimse/testing", () => {
  it("issues WITs whose key signs WPTs and createEct ECTs a workload verifier accepts", async () => {
    const server = await createIdentityServer({ trustDomain: "example.org" });
    const { wit, key, subject: sub } = await server.issueWit({ workload: "agent-a" });
    expect(sub).toBe("wimse://example.org/agent-a");
    const v = createWorkloadEctVerifier({
      verifierId,
      trustAnchors: server.trustAnchors,
      requireOth: ["execution-context"],
    });
    const ect = await createEct({ iss: sub, aud: verifierId, exec_act: "a", pred: [] }, key);
    const url = "https://b.example.org/task";
    const wpt = await createWpt({ wit, key, url, cover: { "execution-context": ect } });
    const verified = await v.verify({
      ect,
      wit,
      wpt,
      request: { url, headers: { "execution-context": ect } },
    });
    expect(verified.header?.kid).toBe(key.kid);
  });
});

async function fresh() {
  const { generateEctKeyPair, exportPrivateJwk } = await import("ect-crypto");
  return { jwk: await exportPrivateJwk(await generateEctKeyPair({ alg: "EdDSA", extractable: true })) };
}

describe("option mistakes are EctConfigError with the option's path (issue 14)", () => {
  // A programming error: a TypeError with code ECT_CONFIG_INVALID, never a token refusal.
  async function configError(run: () => unknown, option: string): Promise<void> {
    let thrown: unknown;
    try {
      await run();
    } catch (error) {
      thrown = error;
    }
    expect(thrown, option).toBeInstanceOf(EctConfigError);
    expect(thrown).toBeInstanceOf(TypeError);
    expect(thrown).toMatchObject({ code: EctErrorCodes.CONFIG_INVALID, option });
  }
  const key = keys.identityServerPrivateKey;

  it("at construction: the workload verifier, its trust anchors and the WIT audit verifier", async () => {
    await configError(() => verifier({ requireWpt: "yes" as never }), "requireWpt");
    await configError(() => verifier({ wptMaxLifetimeSec: 0 }), "wptMaxLifetimeSec");
    await configError(() => verifier({ wptReplayCache: {} as never }), "wptReplayCache");
    await configError(() => verifier({ algorithms: ["EdDSA"] } as never), "algorithms");
    // Options handed on to createEctVerifier are checked there, misspellings included.
    await configError(() => verifier({ minLevl: 1 } as never), "minLevl");
    await configError(
      () => verifier({ trustAnchors: { "example.com": [key] } }),
      'trustAnchors["example.com"][0]',
    );
    await configError(() => verifier({ trustAnchors: { "example.com": [] } }), 'trustAnchors["example.com"]');
    await configError(() => verifier({ trustAnchors: { "a/b": [{ kty: "EC" }] } }), 'trustAnchors["a/b"]');
    const { d: _d, ...publicKey } = key;
    await configError(
      () =>
        verifier({
          trustAnchors: {
            "example.com": [
              { ...publicKey, kid: "a" },
              { ...publicKey, kid: "a" },
            ],
          },
        }),
      'trustAnchors["example.com"][1].kid',
    );
    await configError(
      () => verifier({ trustAnchors: { "example.com": [{ ...publicKey, alg: "HS256" }] } }),
      'trustAnchors["example.com"][0].alg',
    );
    await configError(
      () => createWitAuditVerifier({ trustAnchors, withoutWit: "no" as never }),
      "withoutWit",
    );
    await configError(
      () => createWitAuditVerifier({ trustAnchors, withoutWitt: null } as never),
      "withoutWitt",
    );
    await configError(() => createIdentityServer({ trustDomain: "example.com/x" }), "trustDomain");
    await configError(
      () => createIdentityServer({ trustDomain: "example.com", lifetime: 5 } as never),
      "lifetime",
    );
  });

  it("per call: verifyWit, verifyWpt, createWpt and verify reject with it (never a refusal)", async () => {
    await configError(() => verifyWit(publishedWit, { trustAnchors, clockSkewSec: -1 }), "clockSkewSec");
    await configError(() => verifyWit(publishedWit, { trustAnchors, nw: validAtMs } as never), "nw");
    await configError(() => verifyWit(publishedWit, { trustAnchors, now: () => Number.NaN }), "now");
    const wit = await verifyWit(publishedWit, { trustAnchors, now: validAtMs });
    await configError(
      () => verifyWpt(publishedWpt, { wit, request: publishedRequest, replayCache: {} as never }),
      "replayCache",
    );
    await configError(
      () =>
        verifyWpt(publishedWpt, {
          wit,
          request: publishedRequest,
          replayCache: null as never,
          reqireOth: [],
        } as never),
      "reqireOth",
    );
    const wpt = (extra: object) =>
      createWpt({ wit: publishedWit, key: { alg: "EdDSA" } as never, url: "https://b.example/", ...extra });
    await configError(() => wpt({ key: {} }), "key");
    await configError(() => wpt({ lifetimeSec: 0 }), "lifetimeSec");
    await configError(() => wpt({ cover: { A: "x" } }), 'cover["A"]');
    await configError(() => wpt({ cover: {}, jwt: "x" }), "jwt");
    const ect = await workloadEct();
    await configError(() => verifier().verify({ ect, wit: publishedWit, wpt: publishedWpt }), "request");
    await configError(() => verifier().safeVerify({ ect, wit: publishedWit, wpt: publishedWpt }), "request");
  });
});
