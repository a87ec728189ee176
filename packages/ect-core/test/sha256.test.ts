import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sha256Sync as selected, sha256, toHex } from "../src/internal.js";
import { sha256Sync as portable } from "../src/sha256.js";
import { sha256Sync as onNode } from "../src/sha256-node.js";

const text = (s: string) => new TextEncoder().encode(s);

it("under Node, sha256Sync is node:crypto's (the package's #sha256 imports map)", () => {
  expect(selected).toBe(onNode);
});

// The portable implementation (every runtime but Node) and node:crypto's, on the same vectors.
describe.each([
  ["portable", portable],
  ["node:crypto", onNode],
])("sha256Sync, %s (FIPS 180-4)", (_name, sha256Sync) => {
  // NIST FIPS 180-4 / CSRC example vectors, also: printf 'abc' | openssl dgst -sha256
  it.each([
    ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    [
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ],
    [
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
    ],
  ])("hashes %j", (input, expected) => {
    expect(toHex(sha256Sync(text(input)))).toBe(expected);
  });

  it("hashes one million 'a' (FIPS 180-4 long message)", () => {
    const million = new Uint8Array(1_000_000).fill(0x61);
    expect(toHex(sha256Sync(million))).toBe(
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
    );
  });

  it("agrees with node:crypto on every length around the block boundaries", () => {
    for (let n = 0; n <= 200; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
      expect(toHex(sha256Sync(bytes)), `length ${n}`).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
  });

  it("agrees with node:crypto on random inputs (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        expect(toHex(sha256Sync(bytes))).toBe(createHash("sha256").update(bytes).digest("hex"));
      }),
      { numRuns: 300 },
    );
  });

  it("sha256 gives the same digest below and above the 64 KiB WebCrypto threshold", async () => {
    for (const n of [65_536, 65_537, 200_000]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => i & 0xff);
      expect(toHex(await sha256(bytes))).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
  });
});
