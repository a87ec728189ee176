import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { EctErrorCodes as C, EctError } from "../src/index.js";
import {
  decodeUtf8Strict,
  FORBIDDEN_MEMBER_NAMES,
  parseStrictJson,
  parseStrictJsonValue,
} from "../src/internal.js";
import { expectConfigError, expectEct } from "./helpers.js";

// SPEC 5.3: the strict JSON parser, against RFC 8259 and against JSON.parse.

const parse = (text: string) => parseStrictJsonValue(text);

describe("parseStrictJsonValue: RFC 8259 grammar it accepts", () => {
  it.each([
    ["{}", {}],
    ["[]", []],
    ['{"a":[1,"x",true,false,null,{"b":{}}]}', { a: [1, "x", true, false, null, { b: {} }] }],
    ["0", 0],
    ["-0", -0],
    ["1", 1],
    ["-1", -1],
    ["1.5", 1.5],
    ["0.0", 0],
    ["1e5", 1e5],
    ["1E5", 1e5],
    ["1e+5", 1e5],
    ["1e-5", 1e-5],
    ["-0.5e-3", -0.0005],
    ["123456789012345678901234567890", 1.2345678901234568e29],
    ['"x"', "x"],
    ["true", true],
    ["null", null],
  ])("parses %s", (text, expected) => {
    expect(parse(text)).toEqual(expected);
    expect(parse(text)).toEqual(JSON.parse(text));
  });

  it.each(["1e400", "-1e400", "1E309", `1${"0".repeat(309)}`, '{"x":{"n":1e400}}', '{"a":[1,2,-1e400]}'])(
    "refuses %s: a number that overflows to infinity, anywhere (profile §5.3, I-JSON)",
    (text) => {
      expect(() => JSON.parse(text)).not.toThrow();
      expectEct(() => parse(text), C.JSON_INVALID);
    },
  );

  it("accepts the largest finite double and numbers that underflow to zero", () => {
    expect(parse("1.7976931348623157e308")).toBe(Number.MAX_VALUE);
    expect(parse("1e-400")).toBe(0);
  });

  it("allows exactly SP, HT, LF and CR as whitespace, around every token", () => {
    const text = ' \t\r\n{ \t\r\n"a" \t\r\n: \t\r\n[ \t\r\n1 \t\r\n, \t\r\n2 \t\r\n] \t\r\n} \t\r\n';
    expect(parse(text)).toEqual({ a: [1, 2] });
  });

  it("decodes every escape", () => {
    expect(parse('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC\\u0000"')).toBe('"\\/\b\f\n\r\tAé€\u0000');
  });

  it("decodes an escaped surrogate pair and raw astral characters", () => {
    expect(parse('"\\ud83e\\udd16"')).toBe("🤖");
    expect(parse('"\\uD83E\\uDD16"')).toBe("🤖");
    expect(parse('"🤖"')).toBe("🤖");
  });

  it("allows DEL (0x7f) and other non-control characters raw", () => {
    expect(parse('"\u007f\u0080\u2028"')).toBe("\u007f\u0080\u2028");
  });
});

describe("parseStrictJsonValue: what it refuses (ECT_JSON_INVALID)", () => {
  it.each([
    "01",
    "-01",
    "00",
    "1.",
    "-",
    "-a",
    ".5",
    "-.5",
    "1e",
    "1e+",
    "1E-",
    "+1",
    "0x10",
    "1.e5",
    "1..2",
    "--1",
    "Infinity",
    "-Infinity",
    "NaN",
    "1_000",
    "[01]",
    '{"a":01}',
    "[1.]",
  ])("refuses the number %s", (text) => {
    expectEct(() => parse(text), C.JSON_INVALID);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });

  it.each([
    ["NBSP", "\u00a0"],
    ["vertical tab", "\u000b"],
    ["form feed", "\u000c"],
    ["line separator", "\u2028"],
    ["BOM", "\ufeff"],
    ["ideographic space", "\u3000"],
    ["NUL", "\u0000"],
  ])("refuses %s as whitespace", (_label, ws) => {
    expectEct(() => parse(`{${ws}}`), C.JSON_INVALID);
    expectEct(() => parse(`[1${ws}]`), C.JSON_INVALID);
    expectEct(() => parse(`{}${ws}`), C.JSON_INVALID);
  });

  it.each([
    "",
    " ",
    "True",
    "nul",
    "nulls",
    "undefined",
    "[1,]",
    '{"a":1,}',
    "[,1]",
    "{,}",
    '{"a" 1}',
    '{"a":}',
    '{"a"}',
    "{a:1}",
    "{'a':1}",
    "'a'",
    "[1 2]",
    '{"a":1 "b":2}',
    "/* c */ {}",
    "{} // c",
    "{} {}",
    "{}x",
    "[",
    "{",
    '{"a":1',
    "]",
  ])("refuses the text %j", (text) => {
    expectEct(() => parse(text), C.JSON_INVALID);
  });

  it.each([
    ['"a', "unterminated"],
    ['"a\nb"', "raw LF"],
    ['"a\tb"', "raw tab"],
    ['"\u0000"', "raw NUL"],
    ['"\u001f"', "raw 0x1f"],
    ['"\\x41"', "\\x escape"],
    ['"\\\'"', "\\' escape"],
    ['"\\u12"', "short \\u"],
    ['"\\u12G4"', "non-hex \\u"],
    ['"\\U0041"', "upper-case \\U"],
    ['"\\', "backslash at end"],
    ['"\\u"', "bare \\u"],
  ])("refuses the string %j (%s)", (text) => {
    expectEct(() => parse(text), C.JSON_INVALID);
  });

  it("refuses a non-string input", () => {
    expectEct(() => parseStrictJsonValue(42 as unknown as string), C.JSON_INVALID);
  });
});

describe("parseStrictJsonValue: lone and reversed surrogates are refused (RFC 8259 8.2, I-JSON, profile §5.3)", () => {
  // JSON.parse accepts all of these; another reader (Go: U+FFFD) would see a different string.
  it.each([
    ['"\\ud800"', "a lone high surrogate escape"],
    ['"\\udc00"', "a lone low surrogate escape"],
    ['"\\ud800\\u0041"', "a high surrogate followed by a non-surrogate escape"],
    ['"\\ud800x"', "a high surrogate followed by a character"],
    ['"\\ud800\\ud800"', "two high surrogates"],
    ['"\\ude00\\ud83d"', "a reversed pair"],
    ['"\ude00\ud83d"', "a raw reversed pair in the text"],
    ['{"a":{"b":["\\udfff"]}}', "a nested lone low surrogate escape"],
    ['"\\ud83d\ude00"', "an escaped high surrogate with a raw low one"],
    ['"\ud800"', "a raw lone high surrogate in the text"],
    ['"\udc00x"', "a raw lone low surrogate in the text"],
    ['{"\\ud800":1}', "a member name with a lone surrogate"],
  ])("refuses %s (%s)", (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expectEct(() => parse(text), C.JSON_INVALID);
  });
});

describe("parseStrictJsonValue: duplicates, depth, forbidden names", () => {
  it.each([
    ['{"a":1,"a":1}', "a"],
    ['{"a":1,"b":2,"a":3}', "a"],
    ['{"x":{"a":1,"a":2}}', "x.a"],
    ['[{"a":1},{"b":1,"b":2}]', "b"],
    ['{"a":1,"\\u0061":2}', "a"],
    ['{"\\n":1,"\\u000a":2}', "\n"],
    ['{"":1,"":2}', ""],
  ])("refuses %s with ECT_JSON_DUPLICATE_MEMBER", (text, member) => {
    expectEct(() => parse(text), C.JSON_DUPLICATE_MEMBER, member);
    expect(() => JSON.parse(text)).not.toThrow(); // JSON.parse would keep the last one
  });

  it("allows the same name in different objects", () => {
    expect(parse('{"a":{"a":1},"b":[{"a":2},{"a":3}]}')).toEqual({ a: { a: 1 }, b: [{ a: 2 }, { a: 3 }] });
  });

  it("limits depth to 16 by default (the root is depth 1)", () => {
    expect(parse(`${"[".repeat(16)}${"]".repeat(16)}`)).toBeDefined();
    expectEct(() => parse(`${"[".repeat(17)}${"]".repeat(17)}`), C.JSON_TOO_DEEP);
  });

  it("refuses 100000 open brackets with ECT_JSON_TOO_DEEP, not a stack overflow", () => {
    expectEct(() => parse("[".repeat(100_000)), C.JSON_TOO_DEEP);
    expectEct(() => parse('{"a":'.repeat(100_000)), C.JSON_TOO_DEEP);
  });

  it("honours maxDepth and validates it", () => {
    expect(parseStrictJsonValue("[[1]]", { maxDepth: 2 })).toEqual([[1]]);
    expectEct(() => parseStrictJsonValue("[[[1]]]", { maxDepth: 2 }), C.JSON_TOO_DEEP);
    expect(parseStrictJsonValue("1", { maxDepth: 1 })).toBe(1);
    for (const maxDepth of [0, -1, 1.5, Number.NaN, 1001]) {
      expectConfigError(() => parseStrictJsonValue("{}", { maxDepth }), "maxDepth");
    }
  });

  it.each(FORBIDDEN_MEMBER_NAMES.map((n) => [n]))("refuses the member name %s by default", (name) => {
    expectEct(() => parse(`{"ok":{"${name}":1}}`), C.FORBIDDEN_MEMBER_NAME, `ok.${name}`);
  });

  it("with refuseForbiddenNames false, keeps __proto__ as an own data member and leaves prototypes alone", () => {
    const value = parseStrictJsonValue('{"__proto__":{"polluted":true},"constructor":1}', {
      refuseForbiddenNames: false,
    }) as Record<string, unknown>;
    expect(Object.hasOwn(value, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value["polluted"]).toBeUndefined();
    expect(Object.keys(value)).toEqual(["__proto__", "constructor"]);
  });

  it("names the member path in errors and the document in messages", () => {
    const e = expectEct(
      () => parseStrictJson('{"ect_ext":{"a":{"b":1,"b":2}}}', { member: "claims" }),
      C.JSON_DUPLICATE_MEMBER,
      "ect_ext.a.b",
    );
    expect(e.message).toContain("claims");
  });

  it("names a top-level member by its own name even if a parent is called claims or header", () => {
    expectEct(
      () => parseStrictJson('{"claims":{"x":1,"x":2}}', { member: "claims" }),
      C.JSON_DUPLICATE_MEMBER,
      "claims.x",
    );
  });
});

describe("parseStrictJson: the root must be an object", () => {
  it.each(["[]", "1", '"x"', "null", "true"])("refuses %s with ECT_JSON_NOT_OBJECT", (text) => {
    expectEct(() => parseStrictJson(text, { member: "claims" }), C.JSON_NOT_OBJECT, "claims");
  });

  it("refuses a leading BOM in text", () => {
    expectEct(() => parseStrictJson("\ufeff{}"), C.JSON_INVALID);
  });
});

describe("decodeUtf8Strict", () => {
  it("decodes valid UTF-8", () => {
    expect(decodeUtf8Strict(new TextEncoder().encode("a é € 🤖"))).toBe("a é € 🤖");
  });

  it("refuses a BOM and invalid sequences, naming the member", () => {
    expectEct(
      () => decodeUtf8Strict(Uint8Array.of(0xef, 0xbb, 0xbf, 0x7b, 0x7d), "header"),
      C.JSON_INVALID,
      "header",
    );
    expectEct(() => decodeUtf8Strict(Uint8Array.of(0x7b, 0xff, 0x7d), "claims"), C.JSON_INVALID, "claims");
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: the strict parser against JSON.parse.

const FORBIDDEN = new Set(FORBIDDEN_MEMBER_NAMES);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function hasForbiddenName(v: unknown): boolean {
  if (v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) return v.some(hasForbiddenName);
  return Object.keys(v).some((k) => FORBIDDEN.has(k) || hasForbiddenName((v as Record<string, unknown>)[k]));
}

function hasLoneSurrogate(v: unknown): boolean {
  if (typeof v === "string") return LONE_SURROGATE.test(v);
  if (v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) return v.some(hasLoneSurrogate);
  return Object.keys(v).some(
    (k) => LONE_SURROGATE.test(k) || hasLoneSurrogate((v as Record<string, unknown>)[k]),
  );
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof EctError) return e.code;
    throw e;
  }
}

/** Serialises like JSON.stringify, with whitespace from `ws` between tokens and some characters escaped. */
function serialize(v: unknown, ws: () => string, escapeNext: () => boolean): string {
  const str = (s: string) => {
    let out = '"';
    for (const ch of JSON.stringify(s)
      .slice(1, -1)
      .match(/\\u[0-9a-f]{4}|\\.|[\s\S]/g) ?? []) {
      if (ch.length === 1 && escapeNext()) out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
      else out += ch;
    }
    return `${out}"`;
  };
  if (v === null || typeof v !== "object") return typeof v === "string" ? str(v) : JSON.stringify(v);
  if (Array.isArray(v))
    return `[${ws()}${v.map((x) => serialize(x, ws, escapeNext)).join(`${ws()},${ws()}`)}${ws()}]`;
  const members = Object.entries(v).map(
    ([k, x]) => `${str(k)}${ws()}:${ws()}${serialize(x, ws, escapeNext)}`,
  );
  return `{${ws()}${members.join(`${ws()},${ws()}`)}${ws()}}`;
}

const jsonTree = fc.jsonValue({ maxDepth: 8 });
/** Any code point, and often a surrogate half (fast-check's "binary" unit never yields one alone). */
const anyUtf16Unit = fc.oneof(
  { arbitrary: fc.constantFrom("\ud800", "\udbff", "\udc00", "\udfff", "\ud83e"), weight: 1 },
  {
    arbitrary: fc
      .integer({ min: 0, max: 0x10ffff })
      .filter((cp) => cp < 0xd800 || cp > 0xdfff)
      .map((cp) => String.fromCodePoint(cp)),
    weight: 4,
  },
);
const wsArb = fc.array(fc.constantFrom(" ", "\t", "\n", "\r", ""), { maxLength: 3 }).map((a) => a.join(""));

/** True when a JSON.parse result holds a non-finite number anywhere. */
function hasInfinity(value: unknown): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (value === null || typeof value !== "object") return false;
  return Object.values(value).some(hasInfinity);
}

describe("properties: agreement with JSON.parse", () => {
  it("parses every fc.json() text like JSON.parse, unless it holds a forbidden name", () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 8 }), (text) => {
        const expected = JSON.parse(text);
        if (hasForbiddenName(expected)) {
          expect(codeOf(() => parse(text))).toBe(C.FORBIDDEN_MEMBER_NAME);
          expect(parseStrictJsonValue(text, { refuseForbiddenNames: false })).toEqual(expected);
        } else expect(parse(text)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("agrees on every serialisation: any whitespace, any characters \\u-escaped", () => {
    fc.assert(
      fc.property(jsonTree, fc.infiniteStream(wsArb), fc.infiniteStream(fc.boolean()), (value, wss, escs) => {
        const ws = wss[Symbol.iterator]();
        const es = escs[Symbol.iterator]();
        const text = serialize(
          value,
          () => ws.next().value as string,
          () => es.next().value as boolean,
        );
        const expected = JSON.parse(text);
        if (hasForbiddenName(expected)) expect(codeOf(() => parse(text))).toBe(C.FORBIDDEN_MEMBER_NAME);
        else expect(parse(text)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it("with any UTF-16 string content: agrees, except that lone surrogates are refused", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5, stringUnit: anyUtf16Unit }), (value) => {
        const text = JSON.stringify(value); // escapes lone surrogates as \udXXX
        const expected = JSON.parse(text);
        const code = codeOf(() => parse(text));
        if (hasForbiddenName(expected)) expect(code).toBe(C.FORBIDDEN_MEMBER_NAME);
        else if (hasLoneSurrogate(expected)) expect(code).toBe(C.JSON_INVALID);
        else expect(parse(text)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("never accepts what JSON.parse refuses, and agrees with what it accepts (mutated texts)", () => {
    const mutation = fc.tuple(
      fc.json({ maxDepth: 6 }),
      fc.nat(),
      fc.constantFrom("delete", "insert", "replace"),
      fc.constantFrom(...'{}[],:"\\ .-+eE0123456789tfnu\u00a0\u000b\ufeffx/'),
    );
    fc.assert(
      fc.property(mutation, ([text, at, op, ch]) => {
        const i = text.length === 0 ? 0 : at % (text.length + 1);
        const mutated =
          op === "delete"
            ? text.slice(0, i) + text.slice(i + 1)
            : op === "insert"
              ? text.slice(0, i) + ch + text.slice(i)
              : text.slice(0, i) + ch + text.slice(i + 1);
        let expected: unknown;
        let jsonOk = true;
        try {
          expected = JSON.parse(mutated);
        } catch {
          jsonOk = false;
        }
        const code = codeOf(() => parse(mutated));
        // A refusal may come from a name seen before the syntax error; what matters is that it refuses.
        if (!jsonOk)
          expect([C.JSON_INVALID, C.JSON_DUPLICATE_MEMBER, C.FORBIDDEN_MEMBER_NAME]).toContain(code);
        else if (code === undefined) expect(parse(mutated)).toEqual(expected);
        // An inserted digit can push an exponent past 1e308: I-JSON refuses the infinity (profile §5.3).
        else if (code === C.JSON_INVALID) expect(hasInfinity(expected)).toBe(true);
        else expect([C.JSON_DUPLICATE_MEMBER, C.FORBIDDEN_MEMBER_NAME]).toContain(code);
      }),
      { numRuns: 600 },
    );
  });
});

/** Serialises `v`, adding one duplicate member to the `target`-th object (pre-order). */
function serializeWithDuplicate(v: unknown, target: number, pick: number, escapeName: boolean): string {
  let seen = -1;
  const name = (k: string) =>
    escapeName
      ? `"${[...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}"`
      : JSON.stringify(k);
  const walk = (x: unknown): string => {
    if (x === null || typeof x !== "object") return JSON.stringify(x);
    if (Array.isArray(x)) return `[${x.map(walk).join(",")}]`;
    seen++;
    const isTarget = seen === target;
    const entries = Object.entries(x);
    const members = entries.map(([k, y]) => `${JSON.stringify(k)}:${walk(y)}`);
    if (isTarget) {
      const keys = entries.map(([k]) => k);
      const dup = keys.length > 0 ? keys[pick % keys.length]! : "dup";
      if (keys.length === 0) members.push(`${JSON.stringify(dup)}:0`);
      members.splice(pick % (members.length + 1), 0, `${name(dup)}:${pick % 2 === 0 ? "null" : "[1]"}`);
    }
    return `{${members.join(",")}}`;
  };
  return walk(v);
}

function countObjects(v: unknown): number {
  if (v === null || typeof v !== "object") return 0;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + countObjects(x), 0);
  return 1 + Object.values(v).reduce((n: number, x) => n + countObjects(x), 0);
}

describe("properties: duplicate members", () => {
  it("refuses every text with one injected duplicate member, at any depth, with ECT_JSON_DUPLICATE_MEMBER", () => {
    const withObject = jsonTree
      .filter((v) => !hasForbiddenName(v))
      .map((v) => (countObjects(v) === 0 ? { root: v } : v));
    fc.assert(
      fc.property(withObject, fc.nat(), fc.nat(), fc.boolean(), (value, t, pick, escapeName) => {
        const target = t % countObjects(value);
        const text = serializeWithDuplicate(value, target, pick, escapeName);
        expect(() => JSON.parse(text)).not.toThrow();
        expect(codeOf(() => parse(text))).toBe(C.JSON_DUPLICATE_MEMBER);
      }),
      { numRuns: 500 },
    );
  });
});

describe("parseStrictJsonValue where the runtime lacks String.prototype.isWellFormed", () => {
  let withoutIsWellFormed: typeof import("../src/strict-json.js");
  beforeAll(async () => {
    const descriptor = Object.getOwnPropertyDescriptor(String.prototype, "isWellFormed");
    vi.resetModules();
    delete (String.prototype as { isWellFormed?: unknown }).isWellFormed;
    try {
      withoutIsWellFormed = await import("../src/strict-json.js");
    } finally {
      if (descriptor !== undefined) Object.defineProperty(String.prototype, "isWellFormed", descriptor);
    }
  });

  // A fresh copy of the module has its own EctError class: compare codes.
  const fallbackCode = (text: string) => {
    try {
      withoutIsWellFormed.parseStrictJsonValue(text);
      return undefined;
    } catch (e) {
      return (e as { code?: string }).code;
    }
  };

  it("is really the fallback: it never calls String.prototype.isWellFormed", () => {
    const spy = vi.spyOn(String.prototype as unknown as { isWellFormed(): boolean }, "isWellFormed");
    try {
      expect(fallbackCode('"\\ud800"')).toBe(C.JSON_INVALID);
      expect(spy).not.toHaveBeenCalled();
      expectEct(() => parse('"\\ud800"'), C.JSON_INVALID);
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it("refuses the same lone surrogates and accepts the same pairs", () => {
    for (const text of ['"\\ud800"', '"\\udc00\\ud800"', '"\ud800"', '{"\\udfff":1}', '["\\ud83d\ude00"]']) {
      expect(fallbackCode(text)).toBe(C.JSON_INVALID);
    }
    for (const text of ['"\\ud83e\\udd16"', '"🤖"', '{"🤖":"\\uD83E\\uDD16"}']) {
      expect(withoutIsWellFormed.parseStrictJsonValue(text)).toEqual(JSON.parse(text));
    }
  });

  it("agrees with the native check on any UTF-16 content", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3, stringUnit: anyUtf16Unit }), (value) => {
        const text = JSON.stringify(value);
        expect(fallbackCode(text)).toBe(codeOf(() => parse(text)));
      }),
      { numRuns: 300 },
    );
  });
});
