import { describe, expect, it } from "vitest";
import {
  formatNoteVerifierKey,
  isValidNoteKeyName,
  noteKeyId,
  parseNoteVerifierKey,
} from "../src/internal.js";

// The C2SP signed-note Example's verifier key (testdata/signed-note/vectors.json).
const VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";

describe("signed-note keys (profile §7)", () => {
  it("parses and formats the C2SP example vkey; its key id is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4]", () => {
    const key = parseNoteVerifierKey(VKEY);
    expect(key).toMatchObject({ name: "example.com/foo", keyId: 0x530d903a, type: 1 });
    expect(key.publicKey).toHaveLength(32);
    expect(noteKeyId(key.name, key.publicKey)).toBe(0x530d903a);
    expect(formatNoteVerifierKey({ name: key.name, publicKey: key.publicKey })).toBe(VKEY);
  });

  it("key names: non-empty, no Unicode space, no plus, no control character", () => {
    expect(isValidNoteKeyName("example.com/log42")).toBe(true);
    expect(isValidNoteKeyName("ünïcode.example")).toBe(true);
    for (const bad of ["", "a b", "a\u00a0b", "a\u2003b", "a\u0085b", "a+b", "a\tb", "a\u0001b", "\ud800"]) {
      expect(isValidNoteKeyName(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it.each([
    ["upper-case hex", VKEY.replace("530d903a", "530D903A")],
    ["short hex", VKEY.replace("530d903a", "530d903")],
    ["wrong key id", VKEY.replace("530d903a", "530d903b")],
    ["another name", VKEY.replace("example.com/foo", "example.com/bar")],
    ["four parts", `${VKEY}+x`],
    ["unpadded base64", "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2"],
  ])("refuses a vkey with %s", (_, vkey) => {
    expect(() => parseNoteVerifierKey(vkey)).toThrow(expect.objectContaining({ code: "ECT_KEY_INVALID" }));
  });
});
