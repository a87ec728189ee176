import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EctErrorCodes as C,
  EXECUTION_CONTEXT_HEADER,
  formatExecutionContextHeader,
  parseExecutionContextHeader,
} from "../src/index.js";
import { expectConfigError, expectEct, jws } from "./helpers.js";

// SPEC 8: the Execution-Context header field.

const T1 = jws();
const T2 = "aaa.bbb.ccc";
const T3 = "eyJpc3MiOiJ4In0"; // an L1 token
const parse = parseExecutionContextHeader;

describe("parseExecutionContextHeader", () => {
  it("is named Execution-Context", () => {
    expect(EXECUTION_CONTEXT_HEADER).toBe("Execution-Context");
  });

  it.each([[undefined], [null], [""], [[]], [" "], [","], [" ,\t, "], [["", " , "]]])(
    "finds no token in %j",
    (value) => expect(parse(value as never)).toEqual([]),
  );

  it("parses one JWS and one L1 token", () => {
    expect(parse(T1)).toEqual([T1]);
    expect(parse(T3)).toEqual([T3]);
  });

  it("splits on commas and strips optional whitespace (SP, HTAB)", () => {
    expect(parse(`${T1},${T2}`)).toEqual([T1, T2]);
    expect(parse(`  ${T1}\t,\t ${T2}  `)).toEqual([T1, T2]);
  });

  it("ignores empty list elements", () => {
    expect(parse(`,${T1},, ,${T2},`)).toEqual([T1, T2]);
  });

  it("joins several field lines like one comma-separated value, in order", () => {
    expect(parse([T1, `${T2}, ${T3}`])).toEqual([T1, T2, T3]);
  });

  it.each([
    ["two segments", "aaa.bbb"],
    ["four segments", "a.b.c.d"],
    ["an empty segment", "a..c"],
    ["a trailing dot", "a.b.c."],
    ["padding", "a.b.c="],
    ["a space inside a token", "aaa bbb.ccc.ddd"],
    ["a semicolon parameter", `${T2};q=1`],
    ["a quoted string", `"${T2}"`],
    ["CRLF inside", `${T2}\r\n${T2}`],
    ["a newline as whitespace", `${T2}\n`],
    ["NBSP as whitespace", `\u00a0${T2}`],
    ["standard base64", "a+b.c/d.e"],
    ["non-ASCII", "ä.b.c"],
    ["a Bearer prefix", `Bearer ${T2}`],
  ])("refuses %s with ECT_HEADER_INVALID", (_label, value) => {
    expectEct(() => parse(value), C.HEADER_INVALID);
  });

  it("refuses garbage in one of several lines", () => {
    expectEct(() => parse([T1, "garbage!"]), C.HEADER_INVALID);
  });

  it("refuses a field line that is not a string", () => {
    expectEct(() => parse([T1, 42 as unknown as string]), C.HEADER_INVALID);
  });

  it("accepts 16 tokens and refuses 17 by default", () => {
    expect(parse(Array(16).fill(T2).join(","))).toHaveLength(16);
    expectEct(() => parse(Array(17).fill(T2).join(",")), C.HEADER_INVALID);
  });

  it("counts tokens across field lines", () => {
    expectEct(() => parse([Array(10).fill(T2).join(","), Array(7).fill(T2).join(",")]), C.HEADER_INVALID);
    expectEct(() => parse([T2, T2, T2], { maxTokens: 2 }), C.HEADER_INVALID);
    expect(parse([T2, T2], { maxTokens: 2 })).toHaveLength(2);
  });

  it("refuses more than the size limit before splitting (16 x 16384 by default)", () => {
    expectEct(() => parse(",".repeat(16 * 16_384 + 1)), C.HEADER_INVALID);
    expect(parse(",".repeat(16 * 16_384))).toEqual([]);
  });

  it("counts the size across field lines", () => {
    expectEct(() => parse([" ".repeat(150_000), " ".repeat(150_000)]), C.HEADER_INVALID);
    expectEct(() => parse([T2, T2], { maxLength: 21 }), C.HEADER_INVALID);
    expect(parse([T2, T2], { maxLength: 22 })).toEqual([T2, T2]);
  });

  it("handles a size-limit-long run of whitespace around a token", () => {
    const pad = " ".repeat(100_000);
    expect(parse(`${pad}${T2}${pad}`)).toEqual([T2]);
    expectEct(() => parse(`${pad}x${pad}!`), C.HEADER_INVALID);
  });

  it.each([[0], [-1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY]])(
    "refuses maxTokens / maxLength %j as a configuration error",
    (n) => {
      expectConfigError(() => parse(T2, { maxTokens: n }), "maxTokens");
      expectConfigError(() => parse(T2, { maxLength: n }), "maxLength");
    },
  );
});

describe("formatExecutionContextHeader", () => {
  it("formats one token or a list", () => {
    expect(formatExecutionContextHeader(T2)).toBe(T2);
    expect(formatExecutionContextHeader([T1, T2, T3])).toBe(`${T1}, ${T2}, ${T3}`);
  });

  it.each([[[]], [["aaa.bbb"]], [["a b.c.d"]], [[""]], [[T2, "x,y"]]])("refuses %j", (list) => {
    expectEct(() => formatExecutionContextHeader(list), C.HEADER_INVALID);
  });

  it("property: parse(format(list)) gives the list back", () => {
    const segment = fc.string({ unit: fc.constantFrom(..."ABCxyz019-_"), minLength: 1, maxLength: 12 });
    const token = fc.oneof(
      segment,
      fc.tuple(segment, segment, segment).map((s) => s.join(".")),
    );
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 16 }), (list) => {
        expect(parse(formatExecutionContextHeader(list))).toEqual(list);
      }),
      { numRuns: 300 },
    );
  });
});
