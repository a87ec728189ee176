import { createPublicKey, verify } from "node:crypto";
import type { NoteSigner } from "ect-core";
import { parseNoteVerifierKey } from "ect-core/internal";
import { createNoteSigner, generateNoteKey } from "ect-crypto";
import { describe, expect, it } from "vitest";
import { noteVerifierFromVkey, parseSignedNote, signNote, verifySignedNote } from "../src/index.js";
import { codeOf, configErrorOf } from "./support/error-code.js";
import { signedNoteVectors } from "./support/signed-note-vectors.js";

const { c2spExample, goSumdbNote: go } = signedNoteVectors;
const peter = noteVerifierFromVkey(go.peterVkey);
const enoch = noteVerifierFromVkey(go.enochVkey);
const text = go.text;
const sig = go.peterSig;

describe("C2SP signed notes (profile §7)", () => {
  it("the C2SP signed-note Example verifies with its vkey", async () => {
    const verifier = noteVerifierFromVkey(c2spExample.vkey);
    expect(verifier.name).toBe("example.com/foo");
    expect(verifier.keyId).toBe(0x530d903a);
    const note = await verifySignedNote(c2spExample.note, [verifier]);
    expect(note.text).toBe("This is an example message.\n");
    expect(note.verifiedBy).toEqual([verifier]);
  });

  it("signing golang.org/x/mod's note text with its key gives its signature byte for byte", async () => {
    const signer = await createNoteSigner(go.peterSkey);
    expect(signer.vkey).toBe(go.peterVkey);
    expect(await signNote(go.text, [signer])).toBe(`${go.text}\n${go.peterSig}`);
  });

  it("verifies with a known key and ignores signatures by unknown keys", async () => {
    const both = `${go.text}\n${go.peterSig}${go.enochSig}`;
    expect((await verifySignedNote(both, [peter])).verifiedBy).toEqual([peter]);
    expect((await verifySignedNote(both, [peter, enoch])).verifiedBy).toEqual([peter, enoch]);
    expect((await verifySignedNote(both, [enoch])).text).toBe(go.text);
    expect(await codeOf(() => verifySignedNote(both, []))).toBe("ECT_LEDGER_NOTE_SIGNATURE_INVALID");
    expect(await codeOf(() => verifySignedNote(`${go.text}\n${go.peterSig}`, [enoch]))).toBe(
      "ECT_LEDGER_NOTE_SIGNATURE_INVALID",
    );
  });

  it("a key matching on name only or on key id only is unknown, not trusted", async () => {
    const note = `${go.text}\n${go.peterSig}`;
    const sameName = { ...peter, keyId: peter.keyId ^ 1 };
    const sameId = { ...peter, name: "PeterNeumann2" };
    expect(await codeOf(() => verifySignedNote(note, [sameName, sameId]))).toBe(
      "ECT_LEDGER_NOTE_SIGNATURE_INVALID",
    );
  });

  it("refuses the whole note when a trusted key's signature fails, even beside a valid one", async () => {
    const raw = Buffer.from(go.peterSig.slice("— PeterNeumann ".length, -1), "base64");
    raw[10]! ^= 1;
    const badPeter = `— PeterNeumann ${raw.toString("base64")}\n`;
    expect(await codeOf(() => verifySignedNote(`${go.text}\n${badPeter}`, [peter]))).toBe(
      "ECT_LEDGER_NOTE_SIGNATURE_INVALID",
    );
    expect(
      await codeOf(() => verifySignedNote(`${go.text}\n${go.enochSig}${badPeter}`, [peter, enoch])),
    ).toBe("ECT_LEDGER_NOTE_SIGNATURE_INVALID");
    // Four base64 characters inserted: well-formed, but the signature is 68 bytes and fails.
    expect(
      await codeOf(() => verifySignedNote(`${text}\n${sig.slice(0, 60)}ABCD${sig.slice(60)}`, [peter])),
    ).toBe("ECT_LEDGER_NOTE_SIGNATURE_INVALID");
    // A changed text fails the signature.
    expect(
      await codeOf(() => verifySignedNote(`${go.text.replace("If", "if")}\n${go.peterSig}`, [peter])),
    ).toBe("ECT_LEDGER_NOTE_SIGNATURE_INVALID");
  });

  it.each([
    ["no blank line", `${text}${sig}`],
    ["no signature", `${text}\n`],
    ["text only", text],
    ["missing final newline", `${text}\n${sig.slice(0, -1)}`],
    ["control character", `\u0001${text}\n${sig}`],
    ["tab in text", `a\tb\n\n${sig}`],
    ["carriage return", `${text.replace("\n", "\r\n")}\n${sig}`],
    ["lone surrogate", `\ud800${text}\n${sig}`],
    [
      "space in key name",
      `${text}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
    ],
    ["plus in key name", `${text}\n— a+b ${sig.slice("— PeterNeumann ".length)}`],
    ["trailing line", `${text}\n${sig}Unexpected line.\n`],
    ["blank line after signatures", `${text}\n${sig}\n`],
    ["not an em dash", `${text}\n- PeterNeumann ${sig.slice("— PeterNeumann ".length)}`],
    ["no space after the name", `${text}\n— PeterNeumann\n`],
    ["empty signature", `${text}\n— PeterNeumann \n`],
    ["non-canonical base64", `${text}\n— PeterNeumann ${sig.slice("— PeterNeumann ".length, -2)}\n`],
    ["signature shorter than 5 bytes", `${text}\n— PeterNeumann AAAAAA==\n`],
    ["101 signatures", `${text}\n${sig.repeat(101)}`],
  ])("refuses a note with %s as malformed", async (_, note) => {
    expect(await codeOf(() => verifySignedNote(note, [peter]))).toBe("ECT_LEDGER_NOTE_MALFORMED");
  });

  it("reads bytes strictly: invalid UTF-8 is malformed", async () => {
    const bytes = new TextEncoder().encode(`${text}\n${sig}`);
    expect((await verifySignedNote(bytes, [peter])).text).toBe(text);
    expect(await codeOf(() => verifySignedNote(Uint8Array.of(0xff, ...bytes), [peter]))).toBe(
      "ECT_LEDGER_NOTE_MALFORMED",
    );
  });

  it("a note with 16 signatures (the spec's minimum) is accepted", async () => {
    const note = `${text}\n${go.enochSig.repeat(15)}${sig}`;
    expect(parseSignedNote(note).signatures).toHaveLength(16);
    expect((await verifySignedNote(note, [peter])).verifiedBy).toEqual([peter]);
  });

  it("signs with several keys; an independent Ed25519 check accepts each signature", async () => {
    const a = await generateNoteKey({ name: "ect.example.org/ledger/a" });
    const b = await generateNoteKey({ name: "witness.example/w1" });
    const note = await signNote("hello\n\nworld\n", [a.signer, b.signer]);
    const parsed = parseSignedNote(note);
    expect(parsed.text).toBe("hello\n\nworld\n");
    for (const [i, key] of [a, b].entries()) {
      const { publicKey, name, keyId } = parseNoteVerifierKey(key.vkey);
      expect(parsed.signatures[i]).toMatchObject({ name, keyId });
      const spki = createPublicKey({
        key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(publicKey).toString("base64url") },
        format: "jwk",
      });
      expect(verify(null, Buffer.from("hello\n\nworld\n"), spki, parsed.signatures[i]!.signature)).toBe(true);
    }
    const v = await verifySignedNote(note, [noteVerifierFromVkey(b.vkey)]);
    expect(v.verifiedBy.map((x) => x.name)).toEqual(["witness.example/w1"]);
  });

  it("refuses to sign a text without final newline or with control characters, or without signers", async () => {
    const { signer } = await generateNoteKey({ name: "n" });
    expect(await codeOf(() => signNote("abc", [signer]))).toBe("ECT_LEDGER_NOTE_MALFORMED");
    expect(await codeOf(() => signNote("a\u0000b\n", [signer]))).toBe("ECT_LEDGER_NOTE_MALFORMED");
    expect(await configErrorOf(() => signNote("abc\n", []))).toBe("ECT_CONFIG_INVALID signers");
    const badName: NoteSigner = { ...signer, name: "a b" };
    expect(await configErrorOf(() => signNote("abc\n", [signer, badName]))).toBe(
      "ECT_CONFIG_INVALID signers[1]",
    );
  });

  it("refuses the vkeys golang.org/x/mod refuses, and every one-byte change of a valid one", () => {
    for (const bad of go.badVkeys)
      expect(() => noteVerifierFromVkey(bad), bad).toThrow(
        expect.objectContaining({ code: "ECT_KEY_INVALID" }),
      );
    const b = Buffer.from(go.peterVkey);
    for (let i = 0; i < b.length; i++) {
      b[i]! += 1;
      expect(() => noteVerifierFromVkey(b.toString("latin1")), `byte ${i}`).toThrow(
        expect.objectContaining({ code: "ECT_KEY_INVALID" }),
      );
      b[i]! -= 1;
    }
    for (let i = 0; i < go.peterVkey.length; i++) {
      for (let j = i + 1; j <= go.peterVkey.length; j++) {
        if (i === 0 && j === go.peterVkey.length) continue;
        expect(() => noteVerifierFromVkey(go.peterVkey.slice(i, j))).toThrow(
          expect.objectContaining({ code: "ECT_KEY_INVALID" }),
        );
      }
    }
  });
});
