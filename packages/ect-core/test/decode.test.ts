import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EctErrorCodes as C, decodeEct } from "../src/index.js";
import { base64urlEncode, validateHeader } from "../src/internal.js";
import {
  expectConfigError,
  expectEct,
  flipUnusedBit,
  jws,
  SIG,
  seg,
  segBytes,
  summary,
  validClaims,
  validHeader,
} from "./helpers.js";

// SPEC 5 steps 1-3 through decodeEct: length, shape and level, canonical base64url, strict JSON.

const testdata = (path: string) => new URL(`../../../testdata/${path}`, import.meta.url);
const rfc7515 = JSON.parse(readFileSync(testdata("rfc7515/a3_es256.json"), "utf8")) as {
  compact: string;
  protected_b64u: string;
  payload_b64u: string;
};
const cookbookHs256 = JSON.parse(
  readFileSync(testdata("jose-cookbook/jws/4_4.hmac-sha2_integrity_protection.json"), "utf8"),
) as { signing: { protected_b64u: string } };

const HEADER = seg(validHeader());
const CLAIMS = seg(validClaims());
const enc = new TextEncoder();

describe("decodeEct: a valid token", () => {
  it("decodes an L2 token without checking claims or signature", () => {
    const token = jws();
    const d = decodeEct(token);
    expect(d.token).toBe(token);
    expect(d.level).toBe(2);
    expect(d.header).toEqual(validHeader());
    expect(d.claims).toEqual(validClaims());
    expect(d.headerBytes).toEqual(enc.encode(JSON.stringify(validHeader())));
    expect(d.payloadBytes).toEqual(enc.encode(JSON.stringify(validClaims())));
    expect(d.signature).toEqual(new Uint8Array(64).fill(7));
    expect(d.signingInput).toBe(`${HEADER}.${CLAIMS}`);
  });

  it("decodes the RFC 7515 A.3 example (CRLF whitespace inside the claims JSON)", () => {
    const d = decodeEct(rfc7515.compact);
    expect(d.header).toEqual({ alg: "ES256" });
    expect(d.claims).toEqual({ iss: "joe", exp: 1300819380, "http://example.com/is_root": true });
    expect(d.signature).toHaveLength(64);
    expect(d.signingInput).toBe(`${rfc7515.protected_b64u}.${rfc7515.payload_b64u}`);
    // ...whose header then breaks SPEC 2: no typ, no kid.
    expect(summary(validateHeader(d.header!))).toEqual([
      [C.TYP_INVALID, "typ"],
      [C.KID_INVALID, "kid"],
    ]);
  });

  it("decodes a JOSE cookbook HS256 header, which validateHeader then refuses even if configured", () => {
    const token = `${cookbookHs256.signing.protected_b64u}.${CLAIMS}.${SIG}`;
    const d = decodeEct(token);
    expect(summary(validateHeader(d.header!, { algorithms: ["HS256"] }))).toEqual([
      [C.ALG_NOT_ALLOWED, "alg"],
      [C.TYP_INVALID, "typ"],
    ]);
  });

  it("does not check claims: an empty claims object decodes", () => {
    expect(decodeEct(jws(undefined, {})).claims).toEqual({});
  });
});

describe("decodeEct: SPEC 5.1 length, before anything else", () => {
  it("refuses a 2 MB string of dots with ECT_TOKEN_TOO_LONG (not MALFORMED: no split happened)", () => {
    expectEct(() => decodeEct(".".repeat(2 * 1024 * 1024)), C.TOKEN_TOO_LONG);
  });

  it("refuses 16385 characters of garbage with ECT_TOKEN_TOO_LONG", () => {
    expectEct(() => decodeEct("\u0000 =".repeat(5462).slice(0, 16_385)), C.TOKEN_TOO_LONG);
  });

  it("accepts a token of exactly maxTokenLength and refuses one character more", () => {
    const token = jws();
    expect(decodeEct(token, { maxTokenLength: token.length }).level).toBe(2);
    expectEct(() => decodeEct(token, { maxTokenLength: token.length - 1 }), C.TOKEN_TOO_LONG);
  });

  it("checks the length even of an unsigned token below minLevel", () => {
    expectEct(() => decodeEct("A".repeat(16_386)), C.TOKEN_TOO_LONG);
  });

  it.each([[undefined], [null], [42], [{ token: "a.b.c" }], [["a", "b", "c"]], [new String("a.b.c")]])(
    "refuses a non-string %j with ECT_MALFORMED",
    (token) => {
      expectEct(() => decodeEct(token), C.MALFORMED);
    },
  );

  it.each([[0], [-1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY]])(
    "refuses maxTokenLength %j as a configuration error",
    (maxTokenLength) => {
      expectConfigError(() => decodeEct(jws(), { maxTokenLength }), "maxTokenLength");
    },
  );
});

describe("decodeEct: SPEC 5.2 shape and level", () => {
  it.each([
    ["2 segments", `${HEADER}.${CLAIMS}`],
    ["4 segments", `${jws()}.${SIG}`],
    ["5 segments (a JWE)", `${HEADER}.${CLAIMS}.${SIG}.${SIG}.${SIG}`],
    ["an empty string", ""],
    ["a lone dot", "."],
    ["two dots", ".."],
    ["an empty header", `.${CLAIMS}.${SIG}`],
    ["an empty payload", `${HEADER}..${SIG}`],
    ["an empty signature (alg none style)", `${HEADER}.${CLAIMS}.`],
  ])("refuses %s with ECT_MALFORMED", (_label, token) => {
    expectEct(() => decodeEct(token, { minLevel: 1 }), C.MALFORMED);
  });

  it("refuses an unsigned (L1) token by default with ECT_LEVEL_TOO_LOW", () => {
    expectEct(() => decodeEct(CLAIMS), C.LEVEL_TOO_LOW);
    expectEct(() => decodeEct(CLAIMS, { minLevel: 2 }), C.LEVEL_TOO_LOW);
    expectEct(() => decodeEct(CLAIMS, { minLevel: 3 }), C.LEVEL_TOO_LOW);
  });

  it("refuses L1 before decoding it: garbage without dots is a downgrade, not a decoding problem", () => {
    expectEct(() => decodeEct("not base64url!"), C.LEVEL_TOO_LOW);
  });

  it("accepts an unsigned (L1) token with minLevel 1", () => {
    const d = decodeEct(CLAIMS, { minLevel: 1 });
    expect(d.level).toBe(1);
    expect(d.header).toBeUndefined();
    expect(d.claims).toEqual(validClaims());
    expect(d.headerBytes).toHaveLength(0);
    expect(d.signature).toHaveLength(0);
    expect(d.signingInput).toBe("");
  });

  it("minLevel 3 still decodes a JWS envelope (the ledger append is the verifier's job)", () => {
    expect(decodeEct(jws(), { minLevel: 3 }).level).toBe(2);
  });

  it.each([[0], [4], ["2"], [2.5]])("refuses minLevel %j as a configuration error", (minLevel) => {
    expectConfigError(() => decodeEct(jws(), { minLevel } as never), "minLevel");
  });
});

describe("decodeEct: SPEC 5.2 canonical base64url segments (ECT_BASE64URL_INVALID)", () => {
  const variants: [string, (s: string) => string][] = [
    ["a leading space", (s) => ` ${s}`],
    ["a trailing newline", (s) => `${s}\n`],
    ["a space inside", (s) => `${s.slice(0, 4)} ${s.slice(4)}`],
    ["a tab inside", (s) => `${s.slice(0, 4)}\t${s.slice(4)}`],
    ["'+' for '-'", (s) => `+${s.slice(1)}`],
    ["'/' for '_'", (s) => `/${s.slice(1)}`],
    ["padding '='", (s) => `${s}${"=".repeat((4 - (s.length % 4)) % 4 || 4)}`],
    ["a non-ASCII letter", (s) => `é${s.slice(1)}`],
    ["a length of 1 mod 4", (s) => (s.length % 4 === 0 ? `${s}A` : `${s}${"A".repeat(5 - (s.length % 4))}`)],
  ];

  for (const [label, mutate] of variants) {
    it(`refuses ${label} in the header`, () => {
      expectEct(() => decodeEct(`${mutate(HEADER)}.${CLAIMS}.${SIG}`), C.BASE64URL_INVALID, "header");
    });
    it(`refuses ${label} in the claims`, () => {
      expectEct(() => decodeEct(`${HEADER}.${mutate(CLAIMS)}.${SIG}`), C.BASE64URL_INVALID, "claims");
    });
    it(`refuses ${label} in the signature`, () => {
      expectEct(() => decodeEct(`${HEADER}.${CLAIMS}.${mutate(SIG)}`), C.BASE64URL_INVALID, "signature");
    });
    it(`refuses ${label} in an L1 token`, () => {
      expectEct(() => decodeEct(mutate(CLAIMS), { minLevel: 1 }), C.BASE64URL_INVALID, "claims");
    });
  }

  it("refuses a valid token whose segment's last character was swapped for an equivalent one", () => {
    // Segments with unused trailing bits (length not a multiple of 4) admit a second encoding.
    const header = seg(validHeader({ kid: "k1" }));
    const claims = seg(validClaims({ exec_act: "ab" }));
    const sig = base64urlEncode(new Uint8Array(64).fill(7)); // 86 chars: 2 unused bits
    expect([header.length % 4, claims.length % 4, sig.length % 4]).not.toContain(0);
    expect(decodeEct(`${header}.${claims}.${sig}`).level).toBe(2);
    for (const [h, c, s, member] of [
      [flipUnusedBit(header), claims, sig, "header"],
      [header, flipUnusedBit(claims), sig, "claims"],
      [header, claims, flipUnusedBit(sig), "signature"],
    ] as const) {
      // A lenient decoder reads the same bytes, so without this rule one token would have two spellings.
      const original = { header, claims, signature: sig }[member];
      const changed = { header: h, claims: c, signature: s }[member];
      expect(Buffer.from(changed, "base64url")).toEqual(Buffer.from(original, "base64url"));
      expectEct(() => decodeEct(`${h}.${c}.${s}`), C.BASE64URL_INVALID, member);
    }
  });

  it("checks every segment's encoding before parsing any JSON", () => {
    const badJsonHeader = seg("not json");
    expectEct(() => decodeEct(`${badJsonHeader}.${CLAIMS}.${SIG}=`), C.BASE64URL_INVALID, "signature");
  });

  it("reports the header before the claims", () => {
    expectEct(() => decodeEct(`${HEADER}=.${CLAIMS}=.${SIG}`), C.BASE64URL_INVALID, "header");
  });
});

describe("decodeEct: SPEC 5.3 UTF-8 without BOM (ECT_JSON_INVALID)", () => {
  it("refuses a BOM before the header JSON", () => {
    expectEct(() => decodeEct(jws(`\uFEFF${JSON.stringify(validHeader())}`)), C.JSON_INVALID, "header");
  });

  it("refuses a BOM before the claims JSON", () => {
    expectEct(
      () => decodeEct(jws(undefined, `\uFEFF${JSON.stringify(validClaims())}`)),
      C.JSON_INVALID,
      "claims",
    );
  });

  it("refuses a BOM after leading whitespace", () => {
    expectEct(
      () => decodeEct(jws(undefined, ` \uFEFF${JSON.stringify(validClaims())}`)),
      C.JSON_INVALID,
      "claims",
    );
  });

  const json = [...enc.encode('{"iss":"')];
  const tail = [...enc.encode('"}')];
  it.each([
    ["a 0xff byte", [0xff]],
    ["a lone continuation byte", [0x80]],
    ["an overlong '/' (0xc0 0xaf)", [0xc0, 0xaf]],
    ["an encoded surrogate (CESU-8, 0xed 0xa0 0x80)", [0xed, 0xa0, 0x80]],
    ["a truncated sequence", [0xe2, 0x82]],
    ["a code point above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ])("refuses %s in the claims", (_label, bytes) => {
    const token = `${HEADER}.${segBytes([...json, ...bytes, ...tail])}.${SIG}`;
    expectEct(() => decodeEct(token), C.JSON_INVALID, "claims");
  });

  it("refuses invalid UTF-8 in the header", () => {
    const token = `${segBytes([...json, 0xff, ...tail])}.${CLAIMS}.${SIG}`;
    expectEct(() => decodeEct(token), C.JSON_INVALID, "header");
  });

  it("accepts valid multi-byte UTF-8", () => {
    expect(
      decodeEct(jws(undefined, validClaims({ exec_act: "zusammenfassen ✓ 🤖" }))).claims["exec_act"],
    ).toBe("zusammenfassen ✓ 🤖");
  });
});

describe("decodeEct: SPEC 5.3 JSON objects (ECT_JSON_NOT_OBJECT, ECT_JSON_INVALID)", () => {
  it.each(["[]", '["alg"]', '"x"', "1", "null", "true"])("refuses header root %s", (root) => {
    expectEct(() => decodeEct(jws(root)), C.JSON_NOT_OBJECT, "header");
  });

  it.each(["[]", '"x"', "1", "null", "false"])("refuses claims root %s", (root) => {
    expectEct(() => decodeEct(jws(undefined, root)), C.JSON_NOT_OBJECT, "claims");
  });

  it.each(["{", "{}x", "{} {}", " ", "{'a':1}", '{"a":1,}'])("refuses claims text %j", (text) => {
    expectEct(() => decodeEct(jws(undefined, text)), C.JSON_INVALID, "claims");
  });
});

describe("decodeEct: profile §5.3 I-JSON anywhere in header or claims (ECT_JSON_INVALID)", () => {
  const claimsText = JSON.stringify(validClaims());
  it.each([
    ['{"x":{"n":1e400}}', "a nested claim overflowing to infinity"],
    ['{"other":[1e400]}', "an unknown claim's array element"],
    ['{"ect_ext":{"n":-1e400}}', "inside ect_ext"],
    ['{"note":"\\ud800"}', "a lone surrogate escape in an unknown claim"],
    ['{"note":"\\udc00\\ud800"}', "a reversed surrogate pair in an unknown claim"],
  ])("refuses claims with %s (%s)", (extra) => {
    const text = `${claimsText.slice(0, -1)},${extra.slice(1)}`;
    expectEct(() => decodeEct(jws(undefined, text)), C.JSON_INVALID, "claims");
  });

  it.each([
    ['{"alg":"ES256","typ":"exec+jwt","kid":"k","x":1e400}', "a header member overflowing to infinity"],
    ['{"alg":"ES256","typ":"exec+jwt","kid":"\\ud800"}', "a lone surrogate in kid"],
  ])("refuses a header with %s (%s) before any header rule", (header) => {
    expectEct(() => decodeEct(jws(header)), C.JSON_INVALID, "header");
  });
});

describe("decodeEct: SPEC 5.3 duplicate members at any depth (ECT_JSON_DUPLICATE_MEMBER)", () => {
  it("refuses a duplicate top-level claim", () => {
    expectEct(
      () => decodeEct(jws(undefined, '{"iss":"a","aud":"b","iss":"c"}')),
      C.JSON_DUPLICATE_MEMBER,
      "iss",
    );
  });

  it("refuses a duplicate nested member and names its path", () => {
    const text = '{"iss":"a","ect_ext":{"pol":"p","pol_decision":"rejected","pol_decision":"approved"}}';
    expectEct(() => decodeEct(jws(undefined, text)), C.JSON_DUPLICATE_MEMBER, "ect_ext.pol_decision");
  });

  it("refuses a duplicate inside an array element", () => {
    expectEct(() => decodeEct(jws(undefined, '{"x":[{"a":1,"a":2}]}')), C.JSON_DUPLICATE_MEMBER, "x.a");
  });

  it("compares names after unescaping", () => {
    expectEct(() => decodeEct(jws(undefined, '{"jti":"a","\\u006ati":"b"}')), C.JSON_DUPLICATE_MEMBER, "jti");
  });

  it("refuses a duplicate header member", () => {
    expectEct(() => decodeEct(jws('{"alg":"ES256","kid":"a","kid":"b"}')), C.JSON_DUPLICATE_MEMBER, "kid");
  });

  it("does not confuse names that differ only in case", () => {
    expect(decodeEct(jws(undefined, '{"iss":"a","ISS":"b"}')).claims).toEqual({ iss: "a", ISS: "b" });
  });
});

describe("decodeEct: SPEC 5.3 nesting depth (ECT_JSON_TOO_DEEP)", () => {
  const nested = (depth: number) => `${"[".repeat(depth - 1)}1${"]".repeat(depth - 1)}`;

  it("accepts claims nested 16 deep and refuses 17 (the claims object is depth 1)", () => {
    expect(decodeEct(jws(undefined, `{"x":${nested(16)}}`)).claims["x"]).toBeDefined(); // 1 + 15 arrays
    expectEct(() => decodeEct(jws(undefined, `{"x":${nested(17)}}`)), C.JSON_TOO_DEEP, "x"); // 1 + 16 arrays
  });

  it("counts objects as levels", () => {
    const objects = (depth: number) => '{"a":'.repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
    expect(decodeEct(jws(undefined, objects(16))).level).toBe(2);
    expectEct(() => decodeEct(jws(undefined, objects(17))), C.JSON_TOO_DEEP);
  });

  it("applies to the header too", () => {
    expectEct(() => decodeEct(jws(`{"alg":${nested(17)}}`)), C.JSON_TOO_DEEP, "alg");
  });

  it("honours maxDepth", () => {
    expect(decodeEct(jws(undefined, `{"x":${nested(4)}}`), { maxDepth: 4 }).level).toBe(2);
    expectEct(() => decodeEct(jws(undefined, `{"x":${nested(5)}}`), { maxDepth: 4 }), C.JSON_TOO_DEEP);
  });

  it("fails with an EctError, not a stack overflow, on 5000 nested arrays", () => {
    expectEct(
      () => decodeEct(jws(undefined, `{"x":${"[".repeat(5000)}}`), { maxTokenLength: 20_000 }),
      C.JSON_TOO_DEEP,
    );
  });

  it.each([[0], [-1], [1.5], [100_000]])("refuses maxDepth %j as a configuration error", (maxDepth) => {
    expectConfigError(() => decodeEct(jws(), { maxDepth }), "maxDepth");
  });
});

describe("decodeEct: SPEC 3 forbidden names while decoding (ECT_FORBIDDEN_MEMBER_NAME)", () => {
  it.each([
    ['{"__proto__":{"admin":true}}', "__proto__"],
    ['{"constructor":1}', "constructor"],
    ['{"ect_ext":{"prototype":{}}}', "ect_ext.prototype"],
    ['{"a":[{"b":{"__proto__":1}}]}', "a.b.__proto__"],
  ])("refuses %s", (text, member) => {
    expectEct(() => decodeEct(jws(undefined, text)), C.FORBIDDEN_MEMBER_NAME, member);
  });

  it("never touches Object.prototype", () => {
    expect(() => decodeEct(jws(undefined, '{"__proto__":{"polluted":true}}'))).toThrow();
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});

describe("decodeEct: headers seen before are decoded once", () => {
  it("gives every token with the same header segment the same frozen header, equal to a fresh decode", () => {
    const a = decodeEct(jws(undefined, validClaims({ exec_act: "a" })));
    const b = decodeEct(jws(undefined, validClaims({ exec_act: "b" })));
    expect(b.header).toBe(a.header);
    expect(Object.isFrozen(a.header)).toBe(true);
    expect(a.header).toEqual(validHeader());
    expect(b.headerBytes).toEqual(enc.encode(JSON.stringify(validHeader())));
  });

  it("still checks everything else of a token whose header was seen", () => {
    decodeEct(jws());
    expectEct(() => decodeEct(`${HEADER}.${CLAIMS}=.${SIG}`), C.BASE64URL_INVALID, "claims");
    expectEct(() => decodeEct(`${HEADER}.${CLAIMS}.${SIG}=`), C.BASE64URL_INVALID, "signature");
    expectEct(() => decodeEct(jws(undefined, '{"a":1,"a":2}')), C.JSON_DUPLICATE_MEMBER, "a");
  });

  it("keeps no header with a nested value: a smaller maxDepth still refuses it", () => {
    const nested = jws('{"alg":"ES256","typ":"exec+jwt","kid":"k","x":[[1]]}');
    expect(decodeEct(nested).header).toEqual({ alg: "ES256", typ: "exec+jwt", kid: "k", x: [[1]] });
    expectEct(() => decodeEct(nested, { maxDepth: 2 }), C.JSON_TOO_DEEP, "x");
  });

  it("stays right past its bound of distinct headers", () => {
    const tokens = Array.from({ length: 200 }, (_, i) => jws(validHeader({ kid: `k${i}` })));
    for (const round of [0, 1]) {
      for (const [i, token] of tokens.entries()) {
        expect(decodeEct(token).header, `round ${round}`).toEqual(validHeader({ kid: `k${i}` }));
      }
    }
  });
});
