// createEct: filling iat/exp/jti, never mutating the caller's object, validating before signing,
// the exact header, L1 only on request.

import { decodeEct } from "ect-core";
import { base64urlDecode, isUuid } from "ect-core/internal";
import { beforeAll, describe, expect, it } from "vitest";
import { type CreateEctOptions, createEct, generateEctKeyPair, signatureBackendName } from "../src/index.js";
import {
  claimsFor,
  expectCode,
  expectConfigError,
  fixedClock,
  ISSUER_A,
  makeWorld,
  NOW_S,
  VERIFIER,
  type World,
} from "./support/fixtures.js";

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});

describe(`createEct [${signatureBackendName}]`, () => {
  it("fills iat (clock), exp (iat + 10 min, SPEC 4) and jti (a random UUID) when absent", async () => {
    const token = await createEct(claimsFor(), world.keyA, { clock: fixedClock });
    const { claims } = decodeEct(token);
    expect(claims["iat"]).toBe(NOW_S);
    expect(claims["exp"]).toBe(NOW_S + 600);
    expect(isUuid(claims["jti"])).toBe(true);
    const other = decodeEct(await createEct(claimsFor(), world.keyA, { clock: fixedClock })).claims;
    expect(other["jti"]).not.toBe(claims["jti"]);
  });

  it("floors a millisecond clock to whole seconds and honours defaultExpiryMin", async () => {
    const token = await createEct(claimsFor(), world.keyA, {
      clock: () => NOW_S * 1000 + 999,
      config: { defaultExpiryMin: 2 },
    });
    expect(decodeEct(token).claims).toMatchObject({ iat: NOW_S, exp: NOW_S + 120 });
  });

  it("keeps iat, exp and jti given by the caller, and every other claim as given", async () => {
    const jti = crypto.randomUUID();
    const input = claimsFor(ISSUER_A, { iat: NOW_S - 5, exp: NOW_S + 50, jti, custom: { a: [1, "b"] } });
    const { claims } = decodeEct(await createEct(input, world.keyA, { clock: fixedClock }));
    expect(claims).toEqual({ ...input });
  });

  it("derives exp from a given iat", async () => {
    const { claims } = decodeEct(await createEct(claimsFor(ISSUER_A, { iat: NOW_S - 100 }), world.keyA));
    expect(claims["exp"]).toBe(NOW_S - 100 + 600);
  });

  it("never mutates the caller's object", async () => {
    const ext = { pol: "policy-7", pol_decision: "approved" };
    const input = { iss: ISSUER_A, aud: [VERIFIER], exec_act: "x", pred: [], ect_ext: ext };
    const snapshot = structuredClone(input);
    Object.freeze(input);
    Object.freeze(input.aud);
    Object.freeze(ext);
    await createEct(input, world.keyA);
    expect(input).toEqual(snapshot);
    expect(Object.keys(input)).not.toContain("jti");
  });

  it("writes the header exactly { alg, typ: exec+jwt, kid }", async () => {
    const token = await world.token();
    const headerText = new TextDecoder().decode(base64urlDecode(token.split(".")[0]!));
    expect(headerText).toBe(`{"alg":"ES256","typ":"exec+jwt","kid":"key-a"}`);
  });

  it("validates every claim before signing: a bad claim is a thrown EctError, not a token", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ aud: "" }, "ECT_AUD_INVALID"],
      [{ exec_act: "" }, "ECT_EXEC_ACT_INVALID"],
      [{ pred: ["not-a-uuid"] }, "ECT_PRED_INVALID"],
      [{ jti: "t1" }, "ECT_JTI_INVALID"],
      [{ wid: "w1" }, "ECT_WID_INVALID"],
      [{ iat: 1.5 }, "ECT_IAT_INVALID"],
      [{ iat: NOW_S, exp: NOW_S }, "ECT_EXP_INVALID"],
      [{ exp: Number.POSITIVE_INFINITY }, "ECT_EXP_INVALID"],
      [{ inp_hash: "sha-256:abc" }, "ECT_HASH_INVALID"],
      [{ ect_ext: { pol: "p" } }, "ECT_POLICY_INVALID"],
      [{ ect_ext: [] }, "ECT_EXT_INVALID"],
    ];
    for (const [extra, code] of cases) {
      await expectCode(
        createEct(claimsFor(ISSUER_A, extra), world.keyA, { clock: fixedClock }),
        code as "ECT_AUD_INVALID",
      );
    }
    const { iss: _iss, ...noIss } = claimsFor();
    await expectCode(createEct(noIss as never, world.keyA), "ECT_CLAIM_MISSING");
  });

  it("refuses a __proto__ claim, non-JSON values and a non-object", async () => {
    const proto = JSON.parse(`{"__proto__":{"x":1}}`) as Record<string, unknown>;
    await expectCode(
      createEct({ ...claimsFor(), ...proto } as never, world.keyA),
      "ECT_FORBIDDEN_MEMBER_NAME",
    );
    await expectCode(createEct(claimsFor(ISSUER_A, { big: 10n }), world.keyA), "ECT_JSON_INVALID");
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    await expectCode(createEct(claimsFor(ISSUER_A, { cyclic }), world.keyA), "ECT_JSON_INVALID");
    await expectCode(createEct(null as never, world.keyA), "ECT_JSON_NOT_OBJECT");
    await expectCode(createEct([] as never, world.keyA), "ECT_JSON_NOT_OBJECT");
  });

  it("signs what it validated: a value with toJSON is validated in its serialised form", async () => {
    const when = new Date(NOW_S * 1000);
    const { claims } = decodeEct(await createEct(claimsFor(ISSUER_A, { when }), world.keyA));
    expect(claims["when"]).toBe(when.toISOString());
    const sneaky = { toJSON: () => "" };
    await expectCode(
      createEct(claimsFor(ISSUER_A, { exec_act: sneaky }), world.keyA),
      "ECT_EXEC_ACT_INVALID",
    );
  });

  it("refuses a token longer than maxTokenLength before signing", async () => {
    await expectCode(
      createEct(claimsFor(ISSUER_A, { ect_ext: { note: "x".repeat(4000) } }), world.keyA, {
        config: { maxTokenLength: 1024 },
      }),
      "ECT_TOKEN_TOO_LONG",
    );
  });

  it("writes the current alg and kid of a key object whose members changed since it last signed", async () => {
    const key = { ...world.keyA };
    const headerOf = (token: string) => new TextDecoder().decode(base64urlDecode(token.split(".")[0]!));
    expect(headerOf(await createEct(claimsFor(), key))).toBe(
      `{"alg":"ES256","typ":"exec+jwt","kid":"key-a"}`,
    );
    (key as { kid: string }).kid = "key-a-2";
    expect(headerOf(await createEct(claimsFor(), key))).toBe(
      `{"alg":"ES256","typ":"exec+jwt","kid":"key-a-2"}`,
    );
    (key as { kid: string }).kid = "";
    await expectCode(createEct(claimsFor(), key), "ECT_KID_INVALID");
    (key as { kid: string; alg: string }).kid = "key-a";
    (key as { alg: string }).alg = "none";
    await expectCode(createEct(claimsFor(), key), "ECT_ALG_NOT_ALLOWED");
  });

  it("refuses a key with an unsupported alg, an invalid kid, a public or mismatched key", async () => {
    await expectCode(createEct(claimsFor(), { ...world.keyA, alg: "HS256" as never }), "ECT_ALG_NOT_ALLOWED");
    await expectCode(createEct(claimsFor(), { ...world.keyA, alg: "none" as never }), "ECT_ALG_NOT_ALLOWED");
    await expectCode(createEct(claimsFor(), { ...world.keyA, kid: "" }), "ECT_KID_INVALID");
    await expectCode(createEct(claimsFor(), { ...world.keyA, kid: "k".repeat(257) }), "ECT_KID_INVALID");
    await expectCode(
      createEct(claimsFor(), { ...world.keyA, privateKey: world.keyA.publicKey }),
      "ECT_KEY_INVALID",
    );
    await expectCode(createEct(claimsFor(), { ...world.keyA, alg: "ES384" }), "ECT_KEY_INVALID");
    const ed = await generateEctKeyPair({ alg: "EdDSA" });
    await expectCode(createEct(claimsFor(), { ...ed, alg: "ES256" }), "ECT_KEY_INVALID");
  });

  it("creates an L1 token only when asked, with a null key", async () => {
    const unsigned = await createEct(claimsFor(), null, { level: 1, clock: fixedClock });
    expect(unsigned).toMatch(/^[A-Za-z0-9_-]+$/);
    const claims = JSON.parse(new TextDecoder().decode(base64urlDecode(unsigned)));
    expect(claims).toMatchObject({ iss: ISSUER_A, iat: NOW_S });
    await expectConfigError(createEct(claimsFor(), null), "key");
    await expectConfigError(createEct(claimsFor(), world.keyA, { level: 1 }), "key");
    await expectConfigError(createEct(claimsFor(), world.keyA, { level: 3 as never }), "level");
    await expectCode(createEct(claimsFor(ISSUER_A, { pred: "x" }), null, { level: 1 }), "ECT_PRED_INVALID");
  });

  it("refuses invalid options", async () => {
    await expectConfigError(
      createEct(claimsFor(), world.keyA, { config: { defaultExpiryMin: 0 } }),
      "config.defaultExpiryMin",
    );
    await expectConfigError(createEct(claimsFor(), world.keyA, { clock: () => Number.NaN }), "clock");
  });

  it("refuses a misspelt or unknown option instead of ignoring it, and options that are not an object", async () => {
    // `levl: 1` ignored would silently sign at level 2; `clok` ignored would date the token now.
    const misspelt = { levl: 1 } as unknown as CreateEctOptions;
    await expectConfigError(createEct(claimsFor(), world.keyA, misspelt), "levl");
    const unknown = { clock: fixedClock, clok: fixedClock } as unknown as CreateEctOptions;
    await expectConfigError(createEct(claimsFor(), world.keyA, unknown), "clok");
    await expectConfigError(
      createEct(claimsFor(), world.keyA, "level 1" as unknown as CreateEctOptions),
      "options",
    );
    await expectConfigError(
      createEct(claimsFor(), world.keyA, null as unknown as CreateEctOptions),
      "options",
    );
  });
});
