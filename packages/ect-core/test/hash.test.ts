import { describe, expect, it } from "vitest";
import { sha256Base64url } from "../src/index.js";
import { chainHash, fromHex, GENESIS_CHAIN_HASH, leafHash, sha256, toHex } from "../src/internal.js";

// Known answers computed outside JavaScript with OpenSSL; each command is next to its vector.

/** RFC 7515 appendix A.3 compact JWS (also in testdata/rfc7515/a3_es256.json). */
const RFC7515_A3 =
  "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

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

describe("leafHash (SPEC 7: SHA-256(0x00 ‖ token bytes), hex)", () => {
  it("hashes the RFC 7515 A.3 token with the 0x00 prefix", async () => {
    // printf '\x00%s' "$TOKEN" | openssl dgst -sha256 -r     (TOKEN = the RFC 7515 A.3 compact JWS)
    expect(await leafHash(RFC7515_A3)).toBe(
      "5b3b4ab9b120b86b1cbd7186257b157975ed768c13978adb7ccd9d02749c4c3e",
    );
  });

  it("hashes a short token", async () => {
    // printf '\x00%s' 'abc' | openssl dgst -sha256 -r
    expect(await leafHash("abc")).toBe("609f6e36d2405585188d5cfd761f407c7cc46a7d3f314c88270469dde315fcd1");
  });

  it("hashes the empty token as the single byte 0x00", async () => {
    // printf '\x00' | openssl dgst -sha256 -r
    expect(await leafHash("")).toBe("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  });

  it("differs from the plain SHA-256 of the token (domain separation)", async () => {
    expect(await leafHash("abc")).not.toBe(toHex(await sha256("abc")));
  });
});

describe("chainHash (SPEC 7: SHA-256(0x01 ‖ previous ‖ leaf), hex)", () => {
  const leaf1 = "5b3b4ab9b120b86b1cbd7186257b157975ed768c13978adb7ccd9d02749c4c3e";
  const leaf2 = "609f6e36d2405585188d5cfd761f407c7cc46a7d3f314c88270469dde315fcd1";
  // L7=<leaf1>; { printf '\x01'; printf '%064d' 0 | xxd -r -p; printf '%s' "$L7" | xxd -r -p; } | openssl dgst -sha256 -r
  const chain1 = "de1e810ce26ed677c9c104c852b5654d3436b5a6a3724cebf7374b17417b7a22";
  // C1=<chain1>; L8=<leaf2>; { printf '\x01'; printf '%s' "$C1" | xxd -r -p; printf '%s' "$L8" | xxd -r -p; } | openssl dgst -sha256 -r
  const chain2 = "49ea63644d1ce27e447a9f54b3f20dfe16b6cf65a096f67afd453b9a0ee32195";

  it("starts from 32 zero bytes", async () => {
    // printf '%064d' 0
    expect(GENESIS_CHAIN_HASH).toBe("0000000000000000000000000000000000000000000000000000000000000000");
    expect(await chainHash(GENESIS_CHAIN_HASH, leaf1)).toBe(chain1);
  });

  it("links the next entry to the previous chain hash", async () => {
    expect(await chainHash(chain1, leaf2)).toBe(chain2);
  });

  it("links a ledger of two tokens end to end", async () => {
    const c1 = await chainHash(GENESIS_CHAIN_HASH, await leafHash(RFC7515_A3));
    const c2 = await chainHash(c1, await leafHash("abc"));
    expect([c1, c2]).toEqual([chain1, chain2]);
  });

  it("accepts upper-case hex and always answers lower-case", async () => {
    expect(await chainHash(GENESIS_CHAIN_HASH, leaf1.toUpperCase())).toBe(chain1);
  });

  it("order matters: swapping previous and leaf changes the hash", async () => {
    expect(await chainHash(leaf2, chain1)).not.toBe(chain2);
  });

  it.each([
    ["a short previous hash", "00", leaf1],
    ["a long leaf", GENESIS_CHAIN_HASH, `${leaf1}00`],
    ["non-hex", "zz".repeat(32), leaf1],
    ["odd length", GENESIS_CHAIN_HASH, leaf1.slice(1)],
  ])("refuses %s with a TypeError", async (_label, prev, leaf) => {
    await expect(chainHash(prev, leaf)).rejects.toBeInstanceOf(TypeError);
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
