import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EctErrorCodes as C } from "../src/index.js";
import {
  base64urlDecode,
  base64urlEncode,
  base64urlEncodeText,
  isCanonicalBase64url,
} from "../src/internal.js";
import { expectEct } from "./helpers.js";

// SPEC 5.2: canonical unpadded base64url (RFC 7515 section 2, RFC 4648 section 5).

const bytesOf = (s: string) => new TextEncoder().encode(s);

describe("base64urlEncode / base64urlDecode: known answers", () => {
  // RFC 4648 section 10 test vectors, without padding.
  it.each([
    ["", ""],
    ["f", "Zg"],
    ["fo", "Zm8"],
    ["foo", "Zm9v"],
    ["foob", "Zm9vYg"],
    ["fooba", "Zm9vYmE"],
    ["foobar", "Zm9vYmFy"],
  ])("%j <-> %j", (text, encoded) => {
    expect(base64urlEncode(bytesOf(text))).toBe(encoded);
    expect(base64urlEncodeText(text)).toBe(encoded);
    expect(base64urlDecode(encoded)).toEqual(bytesOf(text));
  });

  it("uses the URL alphabet: 0xfb 0xff -> -_8 (standard base64: +/8=)", () => {
    expect(base64urlEncode(Uint8Array.of(0xfb, 0xff))).toBe("-_8");
    expect(base64urlDecode("-_8")).toEqual(Uint8Array.of(0xfb, 0xff));
  });

  it("encodes text as UTF-8", () => {
    expect(base64urlEncodeText("é")).toBe("w6k");
  });
});

describe("base64urlDecode: refusals (ECT_BASE64URL_INVALID)", () => {
  it.each([
    ["padding", "Zg=="],
    ["one padding character", "Zm8="],
    ["padding on a full quantum", "Zm9v===="],
    ["a standard '+'", "+_8"],
    ["a standard '/'", "-/8"],
    ["a space", "Zm9 v"],
    ["a leading space", " Zm9v"],
    ["a newline", "Zm9v\n"],
    ["a tab", "Zm\t9v"],
    ["a dot", "Zm9v.Zg"],
    ["a non-ASCII letter", "Zm9é"],
    ["a full-width letter", "Ｚm9v"],
    ["NUL", "Zm9v\u0000"],
    ["length 1 mod 4", "Zm9vY"],
    ["a single character", "A"],
    ["non-zero trailing bits (2 chars)", "Zh"],
    ["non-zero trailing bits (3 chars)", "Zm9"],
  ])("refuses %s", (_label, segment) => {
    expect(isCanonicalBase64url(segment)).toBe(false);
    expectEct(() => base64urlDecode(segment, "claims"), C.BASE64URL_INVALID, "claims");
  });

  it("without a member, names the segment in the message only", () => {
    const e = expectEct(() => base64urlDecode("Zg=="), C.BASE64URL_INVALID);
    expect(e.member).toBeUndefined();
  });

  it("the refused trailing-bit variants decode to the same bytes for a lenient decoder", () => {
    expect(Buffer.from("Zh", "base64url")).toEqual(Buffer.from("Zg", "base64url"));
    expect(Buffer.from("Zm9", "base64url")).toEqual(Buffer.from("Zm8", "base64url"));
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

describe("properties", () => {
  it("round-trips any bytes and matches Node's encoder", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const encoded = base64urlEncode(bytes);
        expect(encoded).toBe(Buffer.from(bytes).toString("base64url"));
        expect(isCanonicalBase64url(encoded)).toBe(true);
        expect(base64urlDecode(encoded)).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it("refuses every non-canonical spelling of the same bytes (non-zero unused bits)", () => {
    const withUnusedBits = fc.uint8Array({ minLength: 1, maxLength: 100 }).filter((b) => b.length % 3 !== 0);
    fc.assert(
      fc.property(withUnusedBits, fc.integer({ min: 1, max: 15 }), (bytes, noise) => {
        const encoded = base64urlEncode(bytes);
        const unused = bytes.length % 3 === 1 ? 4 : 2; // bits the last character does not carry
        const bits = noise & ((1 << unused) - 1);
        fc.pre(bits !== 0);
        const last = ALPHABET.indexOf(encoded.at(-1)!);
        const variant = encoded.slice(0, -1) + ALPHABET[last | bits];
        expect(Buffer.from(variant, "base64url")).toEqual(Buffer.from(bytes)); // same bytes, other spelling
        expect(isCanonicalBase64url(variant)).toBe(false);
        expectEct(() => base64urlDecode(variant), C.BASE64URL_INVALID);
      }),
      { numRuns: 500 },
    );
  });

  it("refuses padding, standard-alphabet and whitespace variants", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 60 }),
        fc.nat(),
        fc.constantFrom("=", "==", " ", "\n", "\t", "+", "/", "\r\n"),
        (bytes, at, extra) => {
          const encoded = base64urlEncode(bytes);
          const i = at % (encoded.length + 1);
          const variant = encoded.slice(0, i) + extra + encoded.slice(i);
          expectEct(() => base64urlDecode(variant), C.BASE64URL_INVALID);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a string is canonical exactly when re-encoding its decoded bytes gives it back", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...ALPHABET, "=", "+", "/", " ", "é"), maxLength: 40 }),
        (s) => {
          const canonical = isCanonicalBase64url(s);
          if (canonical) expect(base64urlEncode(base64urlDecode(s))).toBe(s);
          else expectEct(() => base64urlDecode(s), C.BASE64URL_INVALID);
          if (/^[A-Za-z0-9_-]*$/.test(s) && s.length % 4 !== 1) {
            expect(canonical).toBe(Buffer.from(Buffer.from(s, "base64url")).toString("base64url") === s);
          }
        },
      ),
      { numRuns: 600 },
    );
  });
});
