// base64urlDecode and the encoders take a native path where the runtime has a Buffer (Node, Bun,
// Deno) and a portable loop elsewhere (browsers, workers). This file hides Buffer before loading the module so
// the portable path is tested too, and checks that both paths agree on every input.
import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as native from "../src/base64url.js";

let portable: typeof native;
beforeAll(async () => {
  vi.resetModules();
  vi.stubGlobal("Buffer", undefined);
  try {
    portable = await import("../src/base64url.js");
  } finally {
    vi.unstubAllGlobals();
  }
});

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split("");

function outcome(decode: typeof native.base64urlDecode, s: string): string {
  try {
    return `ok:${Array.from(decode(s, "claims")).join(",")}`;
  } catch (error) {
    const { code, member } = error as { code?: string; member?: string };
    return `error:${code}:${member}`;
  }
}

describe("base64urlDecode without a native Buffer (the browser path)", () => {
  it("is really the portable path: it never calls Buffer.from, the native one does", () => {
    const from = vi.spyOn(Buffer, "from");
    try {
      portable.base64urlDecode("Zm9vYmFy");
      expect(from).not.toHaveBeenCalled();
      native.base64urlDecode("Zm9vYmFy");
      expect(from).toHaveBeenCalled();
    } finally {
      from.mockRestore();
    }
  });

  it.each([
    ["", ""],
    ["f", "Zg"],
    ["foobar", "Zm9vYmFy"],
    ["\u00fb\u00ff", "w7vDvw"],
  ])("decodes the RFC 4648 answer for %j", (text, encoded) => {
    expect(portable.base64urlDecode(encoded)).toEqual(new TextEncoder().encode(text));
  });

  it("agrees with the native path on every input: bytes, or the same error", () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(...ALPHABET, "=", "+", "/", " ", "\n", "é", "\ud800"),
          maxLength: 40,
        }),
        (s) => {
          expect(outcome(portable.base64urlDecode, s)).toBe(outcome(native.base64urlDecode, s));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("agrees on the re-encoding of arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const encoded = native.base64urlEncode(bytes);
        expect(portable.base64urlDecode(encoded)).toEqual(native.base64urlDecode(encoded));
        expect(native.base64urlDecode(encoded)).toEqual(bytes);
      }),
    );
  });
});

describe("base64urlEncode and base64urlEncodeText without a native Buffer", () => {
  it("is really the portable path: it never calls Buffer.from, the native one does", () => {
    const from = vi.spyOn(Buffer, "from");
    try {
      portable.base64urlEncode(Uint8Array.of(1, 2, 3));
      portable.base64urlEncodeText("abc");
      expect(from).not.toHaveBeenCalled();
      native.base64urlEncode(Uint8Array.of(1, 2, 3));
      expect(from).toHaveBeenCalled();
    } finally {
      from.mockRestore();
    }
  });

  it("agrees with the native path on arbitrary bytes, also a view into a larger buffer", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(8), fc.nat(8), (bytes, before, after) => {
        const backing = new Uint8Array(before + bytes.length + after).fill(0xff);
        backing.set(bytes, before);
        const view = backing.subarray(before, before + bytes.length);
        expect(native.base64urlEncode(view)).toBe(portable.base64urlEncode(bytes));
        expect(native.base64urlEncode(bytes)).toBe(portable.base64urlEncode(bytes));
      }),
    );
  });

  it("agrees with the native path on text, lone surrogates included (encoded as U+FFFD)", () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom("a", "é", "€", "😀", "\ud800", "\udc00", "\u0000"),
          maxLength: 30,
        }),
        (text) => {
          expect(native.base64urlEncodeText(text)).toBe(portable.base64urlEncodeText(text));
        },
      ),
    );
  });
});

describe("base64urlDecodeJws and asciiBytes without a native Buffer", () => {
  const jwsOutcome = (decode: typeof native.base64urlDecodeJws, token: string): string => {
    const first = token.indexOf(".");
    const second = token.indexOf(".", first + 1);
    try {
      return `ok:${decode(token, first, second)
        .map((bytes) => Array.from(bytes).join(","))
        .join("|")}`;
    } catch (error) {
      const { code, member } = error as { code?: string; member?: string };
      return `error:${code}:${member}`;
    }
  };

  it("agrees with the native path on every three-segment input: bytes, or the same error naming the same segment", () => {
    const segment = fc.string({
      unit: fc.constantFrom(...ALPHABET, "=", "+", "/", " ", "é"),
      minLength: 1,
      maxLength: 12,
    });
    fc.assert(
      fc.property(segment, segment, segment, (h, c, s) => {
        const token = `${h}.${c}.${s}`;
        expect(jwsOutcome(portable.base64urlDecodeJws, token)).toBe(
          jwsOutcome(native.base64urlDecodeJws, token),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("gives the signature as an array of its own (never a view of a shared pool)", () => {
    const token = `${native.base64urlEncodeText("{}")}.${native.base64urlEncodeText("{}")}.${"A".repeat(86)}`;
    const first = token.indexOf(".");
    for (const decode of [native.base64urlDecodeJws, portable.base64urlDecodeJws]) {
      const signature = decode(token, first, token.indexOf(".", first + 1))[2];
      expect(signature).toHaveLength(64);
      expect(signature.byteOffset).toBe(0);
      expect(signature.buffer.byteLength).toBe(64);
    }
  });

  it("asciiBytes gives the same bytes on both paths", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...ALPHABET, ".") }), (text) => {
        expect(Array.from(portable.asciiBytes(text))).toEqual(Array.from(native.asciiBytes(text)));
        expect(Array.from(native.asciiBytes(text))).toEqual(Array.from(new TextEncoder().encode(text)));
      }),
    );
  });
});
