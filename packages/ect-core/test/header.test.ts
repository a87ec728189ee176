import { describe, expect, it } from "vitest";
import { EctErrorCodes as C, decodeEct, SUPPORTED_ALGORITHMS } from "../src/index.js";
import { isForbiddenAlgorithm, isValidHeader, normalizeTyp, validateHeader } from "../src/internal.js";
import { expectEct, jws, summary, validHeader } from "./helpers.js";

// SPEC 2: the JOSE header of an L2/L3 ECT.

describe("validateHeader: a valid header", () => {
  it("has no violations", () => {
    expect(validateHeader(validHeader())).toEqual([]);
    expect(isValidHeader(validHeader())).toBe(true);
  });

  it.each(["ES256", "ES384", "ES512", "EdDSA", "Ed25519"])("accepts %s when configured", (alg) => {
    expect(validateHeader(validHeader({ alg }), { algorithms: [alg] })).toEqual([]);
  });

  it("lists exactly the supported algorithms", () => {
    expect([...SUPPORTED_ALGORITHMS]).toEqual(["ES256", "ES384", "ES512", "EdDSA", "Ed25519"]);
  });
});

describe("validateHeader: alg (ECT_ALG_NOT_ALLOWED)", () => {
  const refuse = (header: Record<string, unknown>, algorithms?: readonly string[]) =>
    expect(summary(validateHeader(header, algorithms ? { algorithms } : {}))).toEqual([
      [C.ALG_NOT_ALLOWED, "alg"],
    ]);

  it.each(["none", "None", "NONE"])("refuses %j by default", (alg) => refuse(validHeader({ alg })));
  it.each(["none", "None", "NONE"])("refuses %j even when configured", (alg) =>
    refuse(validHeader({ alg }), [alg, "ES256"]),
  );
  it.each(["HS256", "HS384", "HS512", "hs256", "Hs256"])("refuses symmetric %j even when configured", (alg) =>
    refuse(validHeader({ alg }), [alg, "ES256"]),
  );
  it("refuses HS256 by default", () => refuse(validHeader({ alg: "HS256" })));
  it("is case-sensitive: refuses lowercase es256 by default", () => refuse(validHeader({ alg: "es256" })));
  it("is case-sensitive: refuses lowercase es256 even when listed", () =>
    refuse(validHeader({ alg: "es256" }), ["es256"]));
  it("refuses an allowlisted-elsewhere algorithm: ES384 with the default list", () =>
    refuse(validHeader({ alg: "ES384" })));
  it("refuses ES256 when the list holds only ES384", () => refuse(validHeader({ alg: "ES256" }), ["ES384"]));
  it.each(["RS256", "PS256", "ES256K", "dir"])("refuses unsupported %j even when configured", (alg) =>
    refuse(validHeader({ alg }), [alg]),
  );
  it.each(["", "ES256 ", " ES256", "ES256\u0000"])("refuses near-miss %j", (alg) =>
    refuse(validHeader({ alg })),
  );
  it("refuses a missing alg", () => {
    const { alg: _alg, ...header } = validHeader();
    refuse(header);
  });
  it.each([[256], [null], [["ES256"]], [{ alg: "ES256" }], [true]])("refuses non-string alg %j", (alg) =>
    refuse(validHeader({ alg })),
  );
  it("refuses an empty allowlist", () => refuse(validHeader(), []));
});

describe("validateHeader: typ (ECT_TYP_INVALID)", () => {
  it.each([
    "exec+jwt",
    "EXEC+JWT",
    "Exec+Jwt",
    "application/exec+jwt",
    "APPLICATION/EXEC+JWT",
    "wimse-exec+jwt",
    "WIMSE-EXEC+JWT",
    "application/wimse-exec+jwt",
  ])("accepts %j", (typ) => {
    expect(validateHeader(validHeader({ typ }))).toEqual([]);
  });

  it.each([
    "JWT",
    "jwt",
    "act+jwt",
    "at+jwt",
    "",
    "exec",
    "exec+jwt ",
    " exec+jwt",
    "exec+jwt; charset=utf-8",
    "application/application/exec+jwt",
    "text/exec+jwt",
    "application/",
    "ect-receipt+jwt",
  ])("refuses %j", (typ) => {
    expect(summary(validateHeader(validHeader({ typ })))).toEqual([[C.TYP_INVALID, "typ"]]);
  });

  it("refuses an absent typ", () => {
    const { typ: _typ, ...header } = validHeader();
    expect(summary(validateHeader(header))).toEqual([[C.TYP_INVALID, "typ"]]);
  });

  it.each([[1], [null], [["exec+jwt"]]])("refuses non-string typ %j", (typ) => {
    expect(summary(validateHeader(validHeader({ typ })))).toEqual([[C.TYP_INVALID, "typ"]]);
  });

  it("normalizeTyp lower-cases and drops one application/ prefix", () => {
    expect(normalizeTyp("Application/Exec+JWT")).toBe("exec+jwt");
    expect(normalizeTyp("application/application/x")).toBe("application/x");
  });
});

describe("validateHeader: kid (ECT_KID_INVALID)", () => {
  const refuse = (header: Record<string, unknown>) =>
    expect(summary(validateHeader(header))).toEqual([[C.KID_INVALID, "kid"]]);

  it("refuses a missing kid", () => {
    const { kid: _kid, ...header } = validHeader();
    refuse(header);
  });
  it("refuses an empty kid", () => refuse(validHeader({ kid: "" })));
  it("refuses a 257-character kid", () => refuse(validHeader({ kid: "k".repeat(257) })));
  it("accepts a 256-character kid", () =>
    expect(validateHeader(validHeader({ kid: "k".repeat(256) }))).toEqual([]));
  it("accepts a 1-character kid", () => expect(validateHeader(validHeader({ kid: "k" }))).toEqual([]));
  it("counts code points: 256 emoji pass, 257 do not", () => {
    expect(validateHeader(validHeader({ kid: "🔑".repeat(256) }))).toEqual([]);
    refuse(validHeader({ kid: "🔑".repeat(257) }));
  });
  it.each([[1], [null], [{}], [["key-1"]], [false]])("refuses non-string kid %j", (kid) =>
    refuse(validHeader({ kid })),
  );
});

describe("validateHeader: closed member set (ECT_HEADER_MEMBER_FORBIDDEN)", () => {
  it.each([
    ["jwk", { kty: "EC", crv: "P-256", x: "x", y: "y" }],
    ["jku", "https://attacker.example/jwks.json"],
    ["x5u", "https://attacker.example/cert.pem"],
    ["x5c", ["MIIB"]],
    ["x5t", "dGh1bWJwcmludA"],
    ["x5t#S256", "dGh1bWJwcmludA"],
    ["crit", ["b64"]],
    ["b64", false],
    ["cty", "JWT"],
    ["zip", "DEF"],
    ["enc", "A256GCM"],
    ["iss", "spiffe://example.org/a"],
    ["unknown", 1],
    ["ALG", "ES256"],
    ["", "x"],
  ])("refuses %j", (name, value) => {
    expect(summary(validateHeader({ ...validHeader(), [name]: value }))).toEqual([
      [C.HEADER_MEMBER_FORBIDDEN, name],
    ]);
  });

  it("reports every extra member, after alg, typ and kid problems", () => {
    const errors = validateHeader({ alg: "none", typ: "JWT", jku: "u", x5u: "v" });
    expect(summary(errors)).toEqual([
      [C.ALG_NOT_ALLOWED, "alg"],
      [C.TYP_INVALID, "typ"],
      [C.KID_INVALID, "kid"],
      [C.HEADER_MEMBER_FORBIDDEN, "jku"],
      [C.HEADER_MEMBER_FORBIDDEN, "x5u"],
    ]);
    expect(isValidHeader({ alg: "none", typ: "JWT" })).toBe(false);
  });

  it("refuses an own __proto__ member given directly", () => {
    const header = JSON.parse('{"alg":"ES256","typ":"exec+jwt","kid":"k","__proto__":{}}');
    expect(summary(validateHeader(header))).toEqual([[C.HEADER_MEMBER_FORBIDDEN, "__proto__"]]);
  });
});

describe("validateHeader: robustness", () => {
  it("ignores inherited members (a polluted prototype cannot supply alg/typ/kid)", () => {
    const header = Object.create(validHeader()) as Record<string, unknown>;
    expect(summary(validateHeader(header)).map(([code]) => code)).toEqual([
      C.ALG_NOT_ALLOWED,
      C.TYP_INVALID,
      C.KID_INVALID,
    ]);
  });

  it.each([[null], [[]], ["header"], [1]])("answers ECT_JSON_NOT_OBJECT for %j", (header) => {
    expect(summary(validateHeader(header as unknown as Record<string, unknown>))).toEqual([
      [C.JSON_NOT_OBJECT, undefined],
    ]);
  });

  it("isForbiddenAlgorithm covers none and HS* in any case", () => {
    for (const alg of ["none", "NoNe", "HS256", "hs512", "HS1"]) expect(isForbiddenAlgorithm(alg)).toBe(true);
    for (const alg of ["ES256", "EdDSA", "RS256"]) expect(isForbiddenAlgorithm(alg)).toBe(false);
  });
});

describe("header rules through decodeEct (SPEC 5.3 before 5.4)", () => {
  it("a duplicate alg (ES256 then none) is refused before any header rule", () => {
    const token = jws('{"alg":"ES256","typ":"exec+jwt","kid":"k","alg":"none"}');
    expectEct(() => decodeEct(token), C.JSON_DUPLICATE_MEMBER, "alg");
  });

  it("a __proto__ member in the header is refused while parsing", () => {
    const token = jws('{"alg":"ES256","typ":"exec+jwt","kid":"k","__proto__":{"x":1}}');
    expectEct(() => decodeEct(token), C.FORBIDDEN_MEMBER_NAME, "__proto__");
  });

  it("a decoded header with jwk is refused by validateHeader", () => {
    const decoded = decodeEct(jws(validHeader({ jwk: { kty: "EC" } })));
    expect(summary(validateHeader(decoded.header!))).toEqual([[C.HEADER_MEMBER_FORBIDDEN, "jwk"]]);
  });
});
