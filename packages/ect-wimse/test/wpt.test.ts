import { EctErrorCodes } from "ect-core";
import { MemoryReplayCache } from "ect-crypto";
import { describe, expect, it } from "vitest";
import { createWpt, type VerifiedWit, verifyWit, verifyWpt } from "../src/index.js";
import { createIdentityServer } from "../src/testing/index.js";
import {
  keys,
  publishedRequest,
  publishedWit,
  publishedWpt,
  refusal,
  signJwt,
  trustAnchors,
  validAtMs,
} from "./fixtures.js";

const wit = () => verifyWit(publishedWit, { trustAnchors, now: validAtMs });
const cache = () => new MemoryReplayCache({ capacity: 100 });
const url = "https://workload.example.com/path";
const ect = "eyJhbGciOiJFZERTQSJ9.e30.AA"; // any header value: oth hashes bytes, not tokens

/** The published workload key as createWpt takes it. */
async function workloadKey() {
  const { importEctKey } = await import("ect-crypto");
  const pair = await importEctKey({ jwk: keys.workloadPrivateKey });
  if (!("privateKey" in pair)) throw new Error("private key expected");
  return pair;
}

async function wptFor(verified: VerifiedWit, extra: Partial<Parameters<typeof createWpt>[0]> = {}) {
  return createWpt({
    wit: verified.token,
    key: await workloadKey(),
    url,
    now: validAtMs,
    accessToken: keys.accessToken,
    ...extra,
  });
}

describe("verifyWpt (profile §9.3)", () => {
  it("verifies the published WPT against the published WIT and request (wth and ath match)", async () => {
    const verified = await verifyWpt(publishedWpt, {
      wit: await wit(),
      request: publishedRequest,
      now: validAtMs,
      replayCache: cache(),
    });
    expect(verified.jti).toBe("__bwc4ESC3acc2LTC1-_x");
    expect(verified.covered).toEqual([]);
  });

  it("refuses the published WPT replayed (ECT_WPT_REPLAY)", async () => {
    const replayCache = cache();
    const options = { wit: await wit(), request: publishedRequest, now: validAtMs, replayCache };
    await verifyWpt(publishedWpt, options);
    expect(await refusal(verifyWpt(publishedWpt, options))).toBe(EctErrorCodes.WPT_REPLAY);
  });

  it("does not burn the jti of a refused WPT", async () => {
    const replayCache = cache();
    const options = { wit: await wit(), now: validAtMs, replayCache };
    expect(
      await refusal(
        verifyWpt(publishedWpt, { ...options, request: { ...publishedRequest, url: `${url}x` } }),
      ),
    ).toBe(EctErrorCodes.WPT_AUD_MISMATCH);
    await expect(verifyWpt(publishedWpt, { ...options, request: publishedRequest })).resolves.toBeDefined();
  });

  it("refuses a WPT whose wth hashes another WIT (ECT_WPT_WTH_MISMATCH)", async () => {
    const server = await createIdentityServer({
      trustDomain: "example.com",
      privateJwk: keys.identityServerPrivateKey,
      clock: () => validAtMs,
    });
    const other = await server.issueWit({ workload: "specific-workload", key: await workloadKey() });
    const wpt = await createWpt({
      wit: other.wit,
      key: await workloadKey(),
      url,
      now: validAtMs,
      accessToken: keys.accessToken,
    });
    expect(
      await refusal(
        verifyWpt(wpt, { wit: await wit(), request: publishedRequest, now: validAtMs, replayCache: cache() }),
      ),
    ).toBe(EctErrorCodes.WPT_WTH_MISMATCH);
  });

  it("checks oth against the exact header values (ECT_WPT_OTH_MISMATCH, _UNKNOWN, _REQUIRED)", async () => {
    const verified = await wit();
    const base = { wit: verified, now: validAtMs, requireOth: ["execution-context"] };
    const withEct = (value: string | string[] | undefined) => ({
      url,
      headers: {
        ...publishedRequest.headers,
        ...(value === undefined ? {} : { "execution-context": value }),
      },
    });
    const covering = await wptFor(verified, { cover: { "execution-context": ect } });
    // accepted: one field line, the same value (surrounding whitespace trimmed)
    const ok = await verifyWpt(covering, { ...base, request: withEct([` ${ect} `]), replayCache: cache() });
    expect(ok.covered).toEqual(["execution-context"]);
    // absent
    expect(
      await refusal(verifyWpt(covering, { ...base, request: withEct(undefined), replayCache: cache() })),
    ).toBe(EctErrorCodes.WPT_OTH_MISMATCH);
    // differs
    expect(
      await refusal(verifyWpt(covering, { ...base, request: withEct(`${ect}x`), replayCache: cache() })),
    ).toBe(EctErrorCodes.WPT_OTH_MISMATCH);
    // two field lines (profile §8: exactly one when a WPT covers it)
    expect(
      await refusal(verifyWpt(covering, { ...base, request: withEct([ect, ect]), replayCache: cache() })),
    ).toBe(EctErrorCodes.WPT_OTH_MISMATCH);
    // fetch Headers: one value
    const headers = new Headers({ authorization: `Bearer ${keys.accessToken}`, "execution-context": ect });
    await expect(
      verifyWpt(covering, { ...base, request: { url, headers }, replayCache: cache() }),
    ).resolves.toBeDefined();
    // unknown name
    const unknown = await wptFor(verified, { cover: { "x-custom": "v" } });
    expect(
      await refusal(
        verifyWpt(unknown, { wit: verified, now: validAtMs, request: withEct(ect), replayCache: cache() }),
      ),
    ).toBe(EctErrorCodes.WPT_OTH_UNKNOWN);
    // ... unless understood
    await expect(
      verifyWpt(unknown, {
        wit: verified,
        now: validAtMs,
        othHeaders: ["x-custom"],
        request: { url, headers: { ...publishedRequest.headers, "x-custom": "v" } },
        replayCache: cache(),
      }),
    ).resolves.toBeDefined();
    // required but not covered
    expect(
      await refusal(
        verifyWpt(await wptFor(verified), { ...base, request: withEct(ect), replayCache: cache() }),
      ),
    ).toBe(EctErrorCodes.WPT_OTH_REQUIRED);
  });

  it("refuses ath and tth that do not match the request (ECT_WPT_ATH_MISMATCH, ECT_WPT_TTH_MISMATCH)", async () => {
    const verified = await wit();
    const options = { wit: verified, now: validAtMs };
    const noAth = await wptFor(verified, { accessToken: undefined as never });
    expect(
      await refusal(verifyWpt(noAth, { ...options, request: publishedRequest, replayCache: cache() })),
    ).toBe(EctErrorCodes.WPT_ATH_MISMATCH);
    const otherToken = await wptFor(verified, { accessToken: "another" });
    expect(
      await refusal(verifyWpt(otherToken, { ...options, request: publishedRequest, replayCache: cache() })),
    ).toBe(EctErrorCodes.WPT_ATH_MISMATCH);
    const withTth = await wptFor(verified, { txnToken: "txn" });
    expect(
      await refusal(verifyWpt(withTth, { ...options, request: publishedRequest, replayCache: cache() })),
    ).toBe(EctErrorCodes.WPT_TTH_MISMATCH);
    const txnRequest = { url, headers: { ...publishedRequest.headers, "txn-token": "txn" } };
    await expect(
      verifyWpt(withTth, { ...options, request: txnRequest, replayCache: cache() }),
    ).resolves.toBeDefined();
    expect(
      await refusal(
        verifyWpt(await wptFor(verified), { ...options, request: txnRequest, replayCache: cache() }),
      ),
    ).toBe(EctErrorCodes.WPT_TTH_MISMATCH);
  });

  it("refuses alg, signature, typ, aud and exp violations with their codes", async () => {
    const verified = await wit();
    const options = { wit: verified, now: validAtMs, request: publishedRequest };
    const [h, p] = publishedWpt.split(".");
    const claims = JSON.parse(atob(p!.replace(/-/g, "+").replace(/_/g, "/")));
    const foreign = (await import("ect-crypto")).generateEctKeyPair;
    const es = await foreign({ alg: "ES256", extractable: true });
    const esJwk = await (await import("ect-crypto")).exportPrivateJwk(es);
    const esWpt = await signJwt({ alg: "ES256", typ: "wpt+jwt" }, claims, esJwk, "ES256");
    expect(await refusal(verifyWpt(esWpt, { ...options, replayCache: cache() }))).toBe(
      EctErrorCodes.WPT_ALG_MISMATCH,
    );
    const otherEd = await foreign({ alg: "EdDSA", extractable: true });
    const forged = await signJwt(
      { alg: "EdDSA", typ: "wpt+jwt" },
      claims,
      await (await import("ect-crypto")).exportPrivateJwk(otherEd),
      "EdDSA",
    );
    expect(await refusal(verifyWpt(forged, { ...options, replayCache: cache() }))).toBe(
      EctErrorCodes.WPT_SIGNATURE_INVALID,
    );
    const jwtTyp = await signJwt({ alg: "EdDSA", typ: "JWT" }, claims, keys.workloadPrivateKey, "EdDSA");
    expect(await refusal(verifyWpt(jwtTyp, { ...options, replayCache: cache() }))).toBe(
      EctErrorCodes.WPT_INVALID,
    );
    expect(h).toBeDefined();
    expect(
      await refusal(
        verifyWpt(publishedWpt, {
          ...options,
          request: { ...publishedRequest, url: "https://evil.example/path" },
          replayCache: cache(),
        }),
      ),
    ).toBe(EctErrorCodes.WPT_AUD_MISMATCH);
    // the query is ignored
    await expect(
      verifyWpt(publishedWpt, {
        ...options,
        request: { ...publishedRequest, url: `${url}?q=1#f` },
        replayCache: cache(),
      }),
    ).resolves.toBeDefined();
    expect(
      await refusal(
        verifyWpt(publishedWpt, { ...options, now: (1745510016 + 31) * 1000, replayCache: cache() }),
      ),
    ).toBe(EctErrorCodes.WPT_EXPIRED);
    const farFuture = await wptFor(verified, { lifetimeSec: 7200 });
    expect(await refusal(verifyWpt(farFuture, { ...options, replayCache: cache() }))).toBe(
      EctErrorCodes.WPT_INVALID,
    );
    const noWth = await signJwt(
      { alg: "EdDSA", typ: "wpt+jwt" },
      { ...claims, wth: undefined },
      keys.workloadPrivateKey,
      "EdDSA",
    );
    expect(await refusal(verifyWpt(noWth, { ...options, replayCache: cache() }))).toBe(
      EctErrorCodes.WPT_INVALID,
    );
  });
});
