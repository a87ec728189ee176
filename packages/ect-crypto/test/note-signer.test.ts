import { createPublicKey, verify } from "node:crypto";
import { parseNoteVerifierKey } from "ect-core/internal";
import { describe, expect, it } from "vitest";
import { createNoteSigner, generateNoteKey } from "../src/index.js";
import { expectConfigError } from "./support/fixtures.js";
import { readTestdata } from "./support/testdata.js";

const go = readTestdata<{ goSumdbNote: { peterSkey: string; peterVkey: string } }>(
  "signed-note/vectors.json",
).goSumdbNote;

const keyInvalid = expect.objectContaining({ code: "ECT_KEY_INVALID" });

describe("Ed25519 note keys (profile §7 checkpoints)", () => {
  it("generates a key whose skey gives back the same signer and whose vkey matches", async () => {
    const { signer, vkey, skey } = await generateNoteKey({ name: "ect.example.org/ledger/orders" });
    expect(skey).toMatch(/^PRIVATE\+KEY\+ect\.example\.org\/ledger\/orders\+[0-9a-f]{8}\+/);
    expect(signer.vkey).toBe(vkey);
    const parsed = parseNoteVerifierKey(vkey);
    expect(signer).toMatchObject({ name: parsed.name, keyId: parsed.keyId });
    const again = await createNoteSigner(skey);
    expect(again.vkey).toBe(vkey);
    // Ed25519 is deterministic: both sign identically; an independent check accepts the signature.
    const message = new TextEncoder().encode("hello\n");
    const sig = await signer.sign(message);
    expect(await again.sign(message)).toEqual(sig);
    const spki = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(parsed.publicKey).toString("base64url") },
      format: "jwk",
    });
    expect(verify(null, message, spki, sig)).toBe(true);
    expect(Object.isFrozen(signer)).toBe(true);
    expect(Object.keys(signer).sort()).toEqual(["keyId", "name", "sign", "vkey"]);
  });

  it("reads golang.org/x/mod's test skey and derives its vkey", async () => {
    expect((await createNoteSigner(go.peterSkey)).vkey).toBe(go.peterVkey);
  });

  it("refuses a name with a space or a plus, or empty", async () => {
    for (const name of ["a b", "a+b", "", "a\nb"]) {
      await expectConfigError(generateNoteKey({ name }), "name");
    }
    await expectConfigError(generateNoteKey({ name: "a", nmae: "b" } as never), "nmae");
  });

  it("refuses every truncation and every one-byte change of an skey (as golang.org/x/mod does)", async () => {
    const skey = go.peterSkey;
    for (let i = 0; i <= skey.length; i++) {
      for (let j = i + 1; j <= skey.length; j += 7) {
        if (i === 0 && j === skey.length) continue;
        await expect(createNoteSigner(skey.slice(i, j)), `[${i}, ${j})`).rejects.toThrow(keyInvalid);
      }
    }
    const b = Buffer.from(skey);
    for (let i = 0; i < b.length; i++) {
      b[i]! += 1;
      await expect(createNoteSigner(b.toString("latin1")), `byte ${i}`).rejects.toThrow(keyInvalid);
      b[i]! -= 1;
    }
  });
});
