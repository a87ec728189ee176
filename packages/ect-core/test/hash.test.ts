import { describe, expect, it } from "vitest";
import { sha256Base64url } from "../src/index.js";
import { fromHex, sha256, toHex } from "../src/internal.js";

// Known answers computed outside JavaScript with OpenSSL; each command is next to its vector.

describe("sha256Base64url (SPEC 3 inp_hash/out_hash helper)", () => {
  it("hashes the empty input", async () => {
    // printf '' | openssl dgst -sha256 -binary | basenc --base64url | tr -d '='
    expect(await sha256Base64url("")).toBe("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
    expect(await sha256Base64url(new Uint8Array(0))).toBe("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  });

  it("hashes ASCII text as its bytes", async () => {
    // printf 'abc' | openssl dgst -sha256 -binary | basenc --base64url | tr -d '='
    expect(await sha256Base64url("abc")).toBe("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
  });

  it("hashes raw bytes exactly, including 0x00 and 0xff", async () => {
    // printf '\x00\xff\x10' | openssl dgst -sha256 -binary | basenc --base64url | tr -d '='
    expect(await sha256Base64url(Uint8Array.of(0x00, 0xff, 0x10))).toBe(
      "LaRfLNH5yOaaZ6v3prJsKCUz0KdoZ4epUzJlQYaA1NI",
    );
  });

  it("hashes a string as UTF-8", async () => {
    // printf 'h\xc3\xa9llo' | openssl dgst -sha256 -binary | basenc --base64url | tr -d '='
    const expected = "PEhZHY0JikU49eAT389AbpSOrE0yd7EL9hTildYGgXk";
    expect(await sha256Base64url("héllo")).toBe(expected);
    expect(await sha256Base64url(Uint8Array.of(0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f))).toBe(expected);
  });

  it("hashes the body bytes as sent: equal JSON values with different bytes differ", async () => {
    // printf '{"a":1}' | openssl dgst -sha256 -binary | basenc --base64url | tr -d '='
    expect(await sha256Base64url('{"a":1}')).toBe("AVq9f1zFei3ZS3WQ8ErYCEJzkF7jPsXOvq5iJ2qX-GI");
    // printf '{"a": 1}' | openssl dgst -sha256 -binary | basenc --base64url | tr -d '='
    expect(await sha256Base64url('{"a": 1}')).toBe("-dhgKMbg1k4iUYb5astpM4ssWXZN95FiEH9cS7NNExA");
  });

  it("always gives 43 characters that sha256 agrees with", async () => {
    const digest = await sha256("abc");
    expect(digest).toHaveLength(32);
    // printf 'abc' | openssl dgst -sha256 -r
    expect(toHex(digest)).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("toHex / fromHex", () => {
  it("round-trips bytes", () => {
    const bytes = Uint8Array.of(0, 1, 15, 16, 127, 128, 254, 255);
    expect(toHex(bytes)).toBe("00010f107f80feff");
    expect(fromHex("00010f107f80feff")).toEqual(bytes);
    expect(fromHex("00010F107F80FEFF")).toEqual(bytes);
    expect(fromHex("")).toEqual(new Uint8Array(0));
  });

  it.each(["0", "0g", "zz", " 00", "0x00"])("refuses %j", (hex) => {
    expect(() => fromHex(hex)).toThrow(TypeError);
  });
});
