import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EctError } from "../src/index.js";
import { base64Decode, base64Encode } from "../src/internal.js";

const codeOf = (text: string) => {
  try {
    base64Decode(text, "x", "ECT_LEDGER_NOTE_MALFORMED");
    return "ok";
  } catch (e) {
    return e instanceof EctError ? e.code : String(e);
  }
};

describe("standard base64 (RFC 4648 §4), strict", () => {
  it("matches Node's encoder and round-trips, for every length", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = base64Encode(bytes);
        expect(text).toBe(Buffer.from(bytes).toString("base64"));
        expect(base64Decode(text)).toEqual(bytes);
      }),
    );
  });

  it("RFC 4648 §10 test vectors", () => {
    const cases = ["", "f", "fo", "foo", "foob", "fooba", "foobar"];
    const want = ["", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"];
    cases.forEach((c, i) => {
      expect(base64Encode(new TextEncoder().encode(c))).toBe(want[i]);
      expect(new TextDecoder().decode(base64Decode(want[i]!))).toBe(c);
    });
  });

  it.each([
    ["missing padding", "Zg"],
    ["base64url alphabet", "-_8="],
    ["non-zero unused bits (1 pad)", "Zm9="],
    ["non-zero unused bits (2 pad)", "Zh=="],
    ["whitespace", "Zm9v "],
    ["newline", "Zm9v\n"],
    ["padding in the middle", "Zg==Zm9v"],
    ["only padding", "===="],
    ["three pads", "Z==="],
    ["non-ASCII", "Zm9é"],
  ])("refuses %s with the caller's code", (_, text) => {
    expect(codeOf(text)).toBe("ECT_LEDGER_NOTE_MALFORMED");
  });

  it("defaults to the encoding error code", () => {
    expect(() => base64Decode("Zg")).toThrow(expect.objectContaining({ code: "ECT_BASE64URL_INVALID" }));
    expect(base64Decode(base64Encode(randomBytes(33)))).toHaveLength(33);
  });
});
