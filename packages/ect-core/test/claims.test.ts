import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EctErrorCodes as C, decodeEct } from "../src/index.js";
import {
  isSha256Base64url,
  isValidClaims,
  normalizeAudience,
  REQUIRED_CLAIMS,
  validateClaims,
} from "../src/internal.js";
import {
  EMPTY_SHA256,
  expectConfigError,
  expectEct,
  flipUnusedBit,
  IAT,
  JTI,
  jws,
  PRED_A,
  PRED_B,
  seg,
  summary,
  validClaims,
  without,
} from "./helpers.js";

// SPEC 3: claim rules. Each test breaks one rule and asserts exactly the errors it expects.

const check = (claims: Record<string, unknown>, options = {}) => summary(validateClaims(claims, options));
/** Claims decoded from JSON text through the strict parser (for values JS literals cannot express). */
const decodeClaims = (json: string) => decodeEct(jws(undefined, json)).claims as Record<string, unknown>;

describe("validateClaims: valid claims", () => {
  it("has no violations", () => {
    expect(validateClaims(validClaims())).toEqual([]);
    expect(isValidClaims(validClaims())).toBe(true);
  });

  it("accepts the optional claims in valid forms and keeps other claims untouched", () => {
    const claims = validClaims({
      aud: ["a", "b"],
      pred: [],
      inp_hash: EMPTY_SHA256,
      out_hash: EMPTY_SHA256,
      ect_ext: { pol: "policy-7", pol_decision: "approved", note: { x: [1, 2] } },
      custom: { anything: [null, true] },
    });
    expect(validateClaims(claims)).toEqual([]);
    expect(claims["custom"]).toEqual({ anything: [null, true] });
  });

  it("wid is optional", () => {
    expect(validateClaims(without(validClaims(), "wid"))).toEqual([]);
  });

  it("lists the required claims of SPEC 3", () => {
    expect([...REQUIRED_CLAIMS]).toEqual(["iss", "aud", "iat", "exp", "jti", "exec_act", "pred"]);
  });
});

describe("validateClaims: required claims (ECT_CLAIM_MISSING)", () => {
  it.each([...REQUIRED_CLAIMS])("refuses claims without %s", (name) => {
    expect(check(without(validClaims(), name))).toEqual([[C.CLAIM_MISSING, name]]);
  });

  it.each([...REQUIRED_CLAIMS])("treats %s: undefined as missing", (name) => {
    expect(check(validClaims({ [name]: undefined }))).toEqual([[C.CLAIM_MISSING, name]]);
  });

  it("reports every missing claim of an empty object", () => {
    expect(check({})).toEqual(REQUIRED_CLAIMS.map((n) => [C.CLAIM_MISSING, n]));
  });

  it("ignores inherited claims (a polluted prototype cannot supply them)", () => {
    const claims = Object.create(validClaims()) as Record<string, unknown>;
    expect(check(claims)).toEqual(REQUIRED_CLAIMS.map((n) => [C.CLAIM_MISSING, n]));
  });

  it.each([[null], [[]], ["claims"], [42]])("answers ECT_JSON_NOT_OBJECT for %j", (claims) => {
    expect(check(claims as unknown as Record<string, unknown>)).toEqual([[C.JSON_NOT_OBJECT, undefined]]);
  });
});

describe("validateClaims: iss (ECT_ISS_INVALID)", () => {
  it.each([[""], [1], [null], [[]], [["spiffe://a"]], [{}], [true]])("refuses %j", (iss) => {
    expect(check(validClaims({ iss }))).toEqual([[C.ISS_INVALID, "iss"]]);
  });
  it.each(["spiffe://example.org/x", "https://a.example", "urn:uuid:6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"])(
    "accepts %j",
    (iss) => expect(check(validClaims({ iss }))).toEqual([]),
  );
});

describe("validateClaims: aud (ECT_AUD_INVALID)", () => {
  it.each([[""], [[]], [[""]], [["a", ""]], [["a", 1]], [["a", null]], [[["a"]]], [1], [null], [{}], [true]])(
    "refuses %j",
    (aud) => expect(check(validClaims({ aud }))).toEqual([[C.AUD_INVALID, "aud"]]),
  );
  it.each([["a"], [["a"]], [["a", "b"]], [["a", "a"]]])("accepts %j", (aud) => {
    expect(check(validClaims({ aud }))).toEqual([]);
  });
  it("normalizeAudience offers an array and keeps the wire form", () => {
    expect(normalizeAudience("a")).toEqual(["a"]);
    const list = ["a", "b"];
    expect(normalizeAudience(list)).toBe(list);
  });
});

describe("validateClaims: iat and exp (ECT_IAT_INVALID, ECT_EXP_INVALID)", () => {
  const nonIntegers: [string, unknown][] = [
    ["a fraction", 1_700_000_000.5],
    ["a numeric string", "1767225600"],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["an unsafe integer", 2 ** 53],
    ["null", null],
    ["a boolean", true],
    ["an array", [IAT]],
    ["a bigint", 1_767_225_600n],
  ];

  it.each(nonIntegers)("iat: refuses %s", (_label, iat) => {
    expect(check(validClaims({ iat }))).toEqual([[C.IAT_INVALID, "iat"]]);
  });

  it.each(nonIntegers)("exp: refuses %s", (_label, exp) => {
    expect(check(validClaims({ exp }))).toEqual([[C.EXP_INVALID, "exp"]]);
  });

  it("1e400 for iat or exp never reaches the claim rules: the strict parser refuses it (profile §5.3)", () => {
    for (const [name, wire] of [
      ["iat", "1e400"],
      ["exp", "1e400"],
      ["exp", "-1e400"],
    ] as const) {
      const value = name === "iat" ? IAT : IAT + 600;
      const text = JSON.stringify(validClaims()).replace(`"${name}":${value}`, `"${name}":${wire}`);
      expectEct(() => decodeClaims(text), C.JSON_INVALID, "claims");
    }
  });

  it("accepts times of magnitude 2^53 - 1 and refuses 2^53 (profile §3 safe range)", () => {
    const max = Number.MAX_SAFE_INTEGER;
    expect(check(validClaims({ iat: -max, exp: max }))).toEqual([]);
    expect(check(validClaims({ iat: -(max + 1) }))).toEqual([[C.IAT_INVALID, "iat"]]);
    expect(check(validClaims({ exp: max + 1 }))).toEqual([[C.EXP_INVALID, "exp"]]);
    // On the wire: 9007199254740992 parses to 2^53, outside the safe range.
    const wire = JSON.stringify(validClaims()).replace(`"exp":${IAT + 600}`, '"exp":9007199254740992');
    expect(check(decodeClaims(wire))).toEqual([[C.EXP_INVALID, "exp"]]);
  });

  it("iat written as 1767225600.0 or 1.7672256e9 is the integer it denotes", () => {
    for (const wire of [`${IAT}.0`, "1.7672256e9"]) {
      const claims = decodeClaims(JSON.stringify(validClaims()).replace(`"iat":${IAT}`, `"iat":${wire}`));
      expect(check(claims)).toEqual([]);
    }
  });

  it("refuses exp equal to iat", () => {
    expect(check(validClaims({ exp: IAT }))).toEqual([[C.EXP_INVALID, "exp"]]);
  });

  it("refuses exp before iat", () => {
    expect(check(validClaims({ exp: IAT - 1 }))).toEqual([[C.EXP_INVALID, "exp"]]);
  });

  it("accepts exp one second after iat", () => {
    expect(check(validClaims({ exp: IAT + 1 }))).toEqual([]);
  });

  it("does not compare exp with an invalid iat", () => {
    expect(check(validClaims({ iat: "x", exp: 5 }))).toEqual([[C.IAT_INVALID, "iat"]]);
  });
});

describe("validateClaims: nbf, optional (ECT_NBF_INVALID, profile §3)", () => {
  it("accepts a token without nbf, and nbf as integer seconds in the safe range", () => {
    expect(check(validClaims())).toEqual([]);
    for (const nbf of [IAT, IAT + 60, 0, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]) {
      expect(check(validClaims({ nbf })), String(nbf)).toEqual([]);
    }
  });

  it.each([
    ["a fraction", IAT + 0.5],
    ["a numeric string", String(IAT)],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["an unsafe integer", 2 ** 53],
    ["a negative unsafe integer", -(2 ** 53)],
    ["null", null],
    ["a boolean", false],
    ["an object", { at: IAT }],
  ])("refuses nbf as %s", (_label, nbf) => {
    expect(check(validClaims({ nbf }))).toEqual([[C.NBF_INVALID, "nbf"]]);
  });

  it("refuses nbf 9007199254740992 on the wire", () => {
    const wire = JSON.stringify(validClaims()).replace("{", '{"nbf":9007199254740992,');
    expect(check(decodeClaims(wire))).toEqual([[C.NBF_INVALID, "nbf"]]);
  });
});

describe("validateClaims: jti and wid (ECT_JTI_INVALID, ECT_WID_INVALID)", () => {
  const badUuids: unknown[] = [
    "not-a-uuid",
    "",
    "6f1c2a3b4d5e4f608a7b9c0d1e2f3a4b",
    "{6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b}",
    "urn:uuid:6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
    "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4",
    "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b0",
    "6f1c2a3g-4d5e-4f60-8a7b-9c0d1e2f3a4b",
    " 6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
    "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b\n",
    "6f1c2a3b_4d5e_4f60_8a7b_9c0d1e2f3a4b",
    42,
    null,
    [JTI],
  ];

  it.each(badUuids.map((v) => [v]))("jti: refuses %j", (jti) => {
    expect(check(validClaims({ jti }))).toEqual([[C.JTI_INVALID, "jti"]]);
  });

  it.each(badUuids.map((v) => [v]))("wid: refuses %j", (wid) => {
    expect(check(validClaims({ wid }))).toEqual([[C.WID_INVALID, "wid"]]);
  });

  it("accepts upper- and mixed-case UUIDs", () => {
    expect(
      check(validClaims({ jti: JTI.toUpperCase(), wid: "0B8E7C1A-2f3d-4E5A-9b6c-7D8E9F0A1B2C" })),
    ).toEqual([]);
  });

  it("accepts the nil and max UUIDs (the textual form is what counts)", () => {
    expect(check(validClaims({ jti: "00000000-0000-0000-0000-000000000000" }))).toEqual([]);
    expect(check(validClaims({ jti: "ffffffff-ffff-ffff-ffff-ffffffffffff" }))).toEqual([]);
  });
});

describe("validateClaims: exec_act (ECT_EXEC_ACT_INVALID)", () => {
  it.each([
    ["empty", ""],
    ["257 ASCII characters", "a".repeat(257)],
    ["257 emoji", "🤖".repeat(257)],
    ["256 letters plus one emoji", `${"a".repeat(256)}🤖`],
    ["a number", 1],
    ["null", null],
    ["an array", ["summarize"]],
  ])("refuses %s", (_label, exec_act) => {
    expect(check(validClaims({ exec_act }))).toEqual([[C.EXEC_ACT_INVALID, "exec_act"]]);
  });

  it("accepts 256 ASCII characters", () => {
    expect(check(validClaims({ exec_act: "a".repeat(256) }))).toEqual([]);
  });

  it("counts code points: 256 emoji (512 UTF-16 units) pass", () => {
    const exec_act = "🤖".repeat(256);
    expect(exec_act.length).toBe(512);
    expect(check(validClaims({ exec_act }))).toEqual([]);
  });
});

describe("validateClaims: pred (ECT_PRED_INVALID)", () => {
  it.each([
    ["a UUID string", PRED_A],
    ["null", null],
    ["an object", { 0: PRED_A }],
    ["a number", 1],
  ])("refuses %s instead of an array", (_label, pred) =>
    expect(check(validClaims({ pred }))).toEqual([[C.PRED_INVALID, "pred"]]),
  );

  it("refuses a non-UUID entry and names its index", () => {
    expect(check(validClaims({ pred: [PRED_A, "task-2", 3] }))).toEqual([
      [C.PRED_INVALID, "pred[1]"],
      [C.PRED_INVALID, "pred[2]"],
    ]);
  });

  it("refuses duplicates, compared case-insensitively", () => {
    expect(check(validClaims({ pred: [PRED_A, PRED_B, PRED_A] }))).toEqual([[C.PRED_INVALID, "pred[2]"]]);
    expect(check(validClaims({ pred: [PRED_B, PRED_B.toUpperCase()] }))).toEqual([
      [C.PRED_INVALID, "pred[1]"],
    ]);
  });

  it("refuses the token's own jti, compared case-insensitively", () => {
    expect(check(validClaims({ pred: [JTI] }))).toEqual([[C.PRED_INVALID, "pred[0]"]]);
    expect(check(validClaims({ jti: JTI.toUpperCase(), pred: [PRED_A, JTI] }))).toEqual([
      [C.PRED_INVALID, "pred[1]"],
    ]);
  });

  const uuids = (n: number) =>
    Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`);

  it("accepts 100 entries and refuses 101 by default", () => {
    expect(check(validClaims({ pred: uuids(100) }))).toEqual([]);
    expect(check(validClaims({ pred: uuids(101) }))).toEqual([[C.PRED_INVALID, "pred"]]);
  });

  it("honours maxPredLength", () => {
    expect(check(validClaims({ pred: uuids(3) }), { maxPredLength: 2 })).toEqual([[C.PRED_INVALID, "pred"]]);
    expect(check(validClaims({ pred: uuids(2) }), { maxPredLength: 2 })).toEqual([]);
  });

  it("maxPredLength 0 means unlimited", () => {
    expect(check(validClaims({ pred: uuids(1000) }), { maxPredLength: 0 })).toEqual([]);
  });

  it.each([[-1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY]])(
    "refuses maxPredLength %j as a configuration error",
    (maxPredLength) => {
      expectConfigError(() => validateClaims(validClaims(), { maxPredLength }), "maxPredLength");
    },
  );

  it("accepts an empty pred", () => {
    expect(check(validClaims({ pred: [] }))).toEqual([]);
  });
});

describe("validateClaims: inp_hash and out_hash (ECT_HASH_INVALID)", () => {
  const bad: [string, unknown][] = [
    ["42 characters", EMPTY_SHA256.slice(0, 42)],
    ["44 characters", `${EMPTY_SHA256}A`],
    ["padding", `${EMPTY_SHA256}=`],
    ['a "sha-256:" prefix', `sha-256:${EMPTY_SHA256}`],
    ["standard base64 '+'", EMPTY_SHA256.replace("-", "+")],
    ["standard base64 '/'", EMPTY_SHA256.replace("_", "/")],
    ["a non-canonical last character", flipUnusedBit(EMPTY_SHA256)],
    ["hex", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["a space inside", `${EMPTY_SHA256.slice(0, 20)} ${EMPTY_SHA256.slice(21)}`],
    ["empty", ""],
    ["null", null],
    ["a number", 1],
  ];

  for (const name of ["inp_hash", "out_hash"]) {
    it.each(bad)(`${name}: refuses %s`, (_label, value) => {
      expect(check(validClaims({ [name]: value }))).toEqual([[C.HASH_INVALID, name]]);
    });
  }

  it("the non-canonical variant decodes to the same bytes for a lenient decoder", () => {
    const variant = flipUnusedBit(EMPTY_SHA256);
    expect(variant).not.toBe(EMPTY_SHA256);
    expect(Buffer.from(variant, "base64url")).toEqual(Buffer.from(EMPTY_SHA256, "base64url"));
    expect(isSha256Base64url(variant)).toBe(false);
    expect(isSha256Base64url(EMPTY_SHA256)).toBe(true);
  });
});

describe("validateClaims: ect_ext (ECT_EXT_INVALID)", () => {
  const refuse = (ect_ext: unknown) =>
    expect(check(validClaims({ ect_ext }))).toEqual([[C.EXT_INVALID, "ect_ext"]]);

  it.each([[[]], [null], ["x"], [1], [true]])("refuses %j instead of an object", (ext) => refuse(ext));

  it("accepts exactly 4096 bytes of JSON and refuses 4097", () => {
    // JSON.stringify({a: s}) is 8 bytes plus s.
    expect(check(validClaims({ ect_ext: { a: "x".repeat(4088) } }))).toEqual([]);
    refuse({ a: "x".repeat(4089) });
  });

  it("measures bytes, not characters", () => {
    // "é" is 2 UTF-8 bytes: 8 + 2 x 2044 = 4096 bytes pass, 4098 do not.
    expect(check(validClaims({ ect_ext: { a: "é".repeat(2044) } }))).toEqual([]);
    refuse({ a: "é".repeat(2045) });
  });

  it("counts UTF-8 bytes like TextEncoder for any content, surrogate pairs and lone halves included", () => {
    const unit = fc.oneof(
      fc.constantFrom("x", "é", "€", "🤖", "\ud800", "\udc00", "\u0000", "\u07ff", "\u0800"),
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    );
    fc.assert(
      fc.property(fc.array(unit, { minLength: 900, maxLength: 1400 }), fc.nat(200), (parts, pad) => {
        const ext = { a: parts.join("") + "x".repeat(pad) };
        const bytes = new TextEncoder().encode(JSON.stringify(ext)).length;
        const codes = check(validClaims({ ect_ext: ext })).map(([code]) => code);
        expect(codes).toEqual(bytes > 4096 ? [C.EXT_INVALID] : []);
      }),
      { numRuns: 300 },
    );
  });

  it("accepts depth 5 and refuses depth 6 (the ect_ext object is depth 1)", () => {
    expect(check(validClaims({ ect_ext: { a: { b: { c: { d: { e: 1 } } } } } }))).toEqual([]);
    refuse({ a: { b: { c: { d: { e: { f: 1 } } } } } });
  });

  it("counts arrays as levels too", () => {
    expect(check(validClaims({ ect_ext: { a: [[[[1]]]] } }))).toEqual([]);
    refuse({ a: [[[[[1]]]]] });
    refuse({ a: [[[[{}]]]] });
  });

  it.each([
    ["undefined", undefined],
    ["a function", () => 1],
    ["a bigint", 1n],
    ["a symbol", Symbol("s")],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["a Date", new Date(0)],
    ["a Map", new Map()],
    ["a class instance", new (class Thing {})()],
  ])("refuses a member holding %s (non-JSON)", (_label, value) => refuse({ a: value }));

  it("refuses non-JSON values inside arrays", () => refuse({ a: [1, undefined] }));

  it("accepts an object with a null prototype", () => {
    const ext = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    expect(check(validClaims({ ect_ext: ext }))).toEqual([]);
  });
});

describe("validateClaims: pol and pol_decision (ECT_POLICY_INVALID)", () => {
  it.each(["approved", "rejected", "pending_human_review"])("accepts pol_decision %j with pol", (d) => {
    expect(check(validClaims({ ect_ext: { pol: "p", pol_decision: d } }))).toEqual([]);
  });

  it("accepts ect_ext without policy members", () => {
    expect(check(validClaims({ ect_ext: { other: 1 } }))).toEqual([]);
  });

  it("refuses pol without pol_decision", () => {
    expect(check(validClaims({ ect_ext: { pol: "p" } }))).toEqual([
      [C.POLICY_INVALID, "ect_ext.pol_decision"],
    ]);
  });

  it("refuses pol_decision without pol", () => {
    expect(check(validClaims({ ect_ext: { pol_decision: "approved" } }))).toEqual([
      [C.POLICY_INVALID, "ect_ext.pol"],
    ]);
  });

  it.each([[1], [null], [["p"]], [{}]])("refuses pol %j", (pol) => {
    expect(check(validClaims({ ect_ext: { pol, pol_decision: "approved" } }))).toEqual([
      [C.POLICY_INVALID, "ect_ext.pol"],
    ]);
  });

  it.each([["APPROVED"], ["denied"], [""], [null], [true], [["approved"]]])(
    "refuses pol_decision %j",
    (d) => {
      expect(check(validClaims({ ect_ext: { pol: "p", pol_decision: d } }))).toEqual([
        [C.POLICY_INVALID, "ect_ext.pol_decision"],
      ]);
    },
  );

  it("ignores inherited pol/pol_decision", () => {
    const ext = Object.create({ pol: 1, pol_decision: "nope" }) as Record<string, unknown>;
    ext["x"] = 1;
    // A prototype other than Object.prototype is not plain JSON: refused as such, not as policy.
    expect(check(validClaims({ ect_ext: ext }))).toEqual([[C.EXT_INVALID, "ect_ext"]]);
  });
});

describe("validateClaims: forbidden member names anywhere (ECT_FORBIDDEN_MEMBER_NAME)", () => {
  const withJson = (json: string) => ({ ...validClaims(), ...(JSON.parse(json) as object) });

  it.each([
    ['{"__proto__":{"admin":true}}', "__proto__"],
    ['{"constructor":"x"}', "constructor"],
    ['{"prototype":1}', "prototype"],
    ['{"ect_ext":{"a":{"constructor":{}}}}', "ect_ext.a.constructor"],
    ['{"ect_ext":{"__proto__":{}}}', "ect_ext.__proto__"],
    ['{"custom":[1,{"prototype":null}]}', "custom[1].prototype"],
    ['{"custom":{"deep":[[{"__proto__":1}]]}}', "custom.deep[0][0].__proto__"],
  ])("refuses %s", (json, member) => {
    const errors = validateClaims(withJson(json));
    expect(summary(errors)[0]).toEqual([C.FORBIDDEN_MEMBER_NAME, member]);
    expect(errors.filter((e) => e.code === C.FORBIDDEN_MEMBER_NAME)).toHaveLength(1);
  });

  it("reports only the forbidden name when it sits in an otherwise valid ect_ext", () => {
    expect(check(withJson('{"ect_ext":{"constructor":1}}'))).toEqual([
      [C.FORBIDDEN_MEMBER_NAME, "ect_ext.constructor"],
    ]);
  });

  it("finds a forbidden name behind a lot of padding (no early give-up)", () => {
    const custom = Array.from({ length: 20_000 }, (_, i) => ({ i }));
    custom.push(JSON.parse('{"__proto__":1}'));
    expect(check(validClaims({ custom }))).toEqual([[C.FORBIDDEN_MEMBER_NAME, "custom[20000].__proto__"]]);
  });

  it("allows the names as string values", () => {
    expect(check(validClaims({ exec_act: "constructor", custom: ["__proto__", "prototype"] }))).toEqual([]);
  });

  it("through decodeEct: the strict parser refuses them with a path", () => {
    const token = jws(
      undefined,
      JSON.stringify(validClaims()).replace("{", '{"ect_ext":{"x":{"prototype":1}},'),
    );
    expectEct(() => decodeEct(token), C.FORBIDDEN_MEMBER_NAME, "ect_ext.x.prototype");
  });
});

describe("validateClaims: strictlyDecoded (claims straight from decodeEct)", () => {
  it("skips only the walk the decoder already made: its verdicts on decoded claims are unchanged", () => {
    for (const claims of [
      validClaims(),
      validClaims({ ect_ext: { a: { b: [1, { c: "constructor" }] } }, pred: [PRED_A, PRED_B] }),
      without(validClaims({ iat: 1.5, aud: [], custom: { deep: [[[[1]]]] } }), "jti"),
    ]) {
      const decoded = decodeClaims(JSON.stringify(claims));
      expect(check(decoded, { strictlyDecoded: true })).toEqual(check(decoded));
    }
  });

  it("is a promise about the input: claims built in code are walked unless it is given", () => {
    const claims = { ...validClaims(), ...(JSON.parse('{"custom":{"__proto__":1}}') as object) };
    expect(check(claims)[0]).toEqual([C.FORBIDDEN_MEMBER_NAME, "custom.__proto__"]);
    expect(check(claims, { strictlyDecoded: true })).toEqual([]);
  });
});

describe("validateClaims: nesting of claims given directly (ECT_JSON_TOO_DEEP)", () => {
  const nest = (levels: number): unknown => (levels === 0 ? 1 : { a: nest(levels - 1) });

  it("accepts claims nested 16 deep and refuses 17 (the claims object is depth 1)", () => {
    expect(check(validClaims({ custom: nest(15) }))).toEqual([]); // claims + 15 objects = 16 levels
    expect(check(validClaims({ custom: nest(16) }))[0]?.[0]).toBe(C.JSON_TOO_DEEP); // 17 levels
  });

  it("terminates on a cyclic claim value (create input) and refuses it", () => {
    const loop: Record<string, unknown> = {};
    loop["self"] = loop;
    expect(check(validClaims({ custom: loop }))[0]?.[0]).toBe(C.JSON_TOO_DEEP);
  });

  it("terminates on a cyclic ect_ext", () => {
    const loop: Record<string, unknown> = {};
    loop["self"] = loop;
    const codes = check(validClaims({ ect_ext: loop })).map(([c]) => c);
    expect(codes).toContain(C.JSON_TOO_DEEP);
    expect(codes).toContain(C.EXT_INVALID);
  });
});

describe("validateClaims: several violations", () => {
  it("reports all of them in SPEC 3 order", () => {
    const claims = {
      iss: "",
      aud: [],
      iat: 1.5,
      exp: "x",
      jti: "j",
      wid: "w",
      exec_act: "",
      pred: ["p"],
      inp_hash: "h",
      out_hash: "o",
      ect_ext: [],
    };
    expect(check(claims)).toEqual([
      [C.ISS_INVALID, "iss"],
      [C.AUD_INVALID, "aud"],
      [C.IAT_INVALID, "iat"],
      [C.EXP_INVALID, "exp"],
      [C.JTI_INVALID, "jti"],
      [C.WID_INVALID, "wid"],
      [C.EXEC_ACT_INVALID, "exec_act"],
      [C.PRED_INVALID, "pred[0]"],
      [C.HASH_INVALID, "inp_hash"],
      [C.HASH_INVALID, "out_hash"],
      [C.EXT_INVALID, "ect_ext"],
    ]);
    expect(isValidClaims(claims)).toBe(false);
  });

  it("each error's message names its claim", () => {
    for (const e of validateClaims({ ...validClaims(), iss: "", jti: "x" })) {
      expect(e.message).toContain(e.member!);
    }
  });

  it("a decoded token's unknown claims are preserved untouched", () => {
    const decoded = decodeEct(
      `${seg({ alg: "ES256", typ: "exec+jwt", kid: "k" })}.${seg(validClaims({ x: [1, { y: "z" }] }))}.AA`,
    );
    expect(decoded.claims["x"]).toEqual([1, { y: "z" }]);
    expect(validateClaims(decoded.claims)).toEqual([]);
  });
});
