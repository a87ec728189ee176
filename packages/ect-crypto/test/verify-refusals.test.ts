// Every refusal of SPEC 2, 3 and 5, through verifyEct, with its exact code. Hostile tokens are
// built by hand and validly signed, so each one is refused for the rule it breaks and nothing else.
import { createHmac, KeyObject } from "node:crypto";
import { EctError, type KeyLookup } from "ect-core";
import { base64urlDecode, base64urlEncode } from "ect-core/internal";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createEct,
  exportPublicJwk,
  generateEctKeyPair,
  signatureBackendName,
  staticKeyResolver,
} from "../src/index.js";
import {
  b64,
  derSignature,
  expectCode,
  expectCodeSync,
  fixedClock,
  fullClaims,
  handBuilt,
  ISSUER_A,
  ISSUER_B,
  makeWorld,
  NOW_S,
  rawSignature,
  VERIFIER,
  type World,
} from "./support/fixtures.js";

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});

/** A resolver that records every lookup, delegating to issuer A's and B's keys. */
function spyResolver() {
  const lookups: KeyLookup[] = [];
  const inner = staticKeyResolver([
    { iss: ISSUER_A, key: world.keyA },
    { iss: ISSUER_B, key: world.keyB },
  ]);
  return {
    lookups,
    resolver: {
      async resolve(lookup: KeyLookup) {
        lookups.push(lookup);
        return inner.resolve(lookup);
      },
    },
  };
}

describe(`verify refusals [${signatureBackendName}]`, () => {
  it("accepts the well-formed token the refusals below are variations of", async () => {
    const verified = await world.oneShot().verify(await handBuilt(world.keyA));
    expect(verified.level).toBe(2);
    expect(verified.header).toEqual({ alg: "ES256", typ: "exec+jwt", kid: "key-a" });
  });

  describe("SPEC 5.1 input length, before any split or decode", () => {
    it("refuses a token one character over maxTokenLength with ECT_TOKEN_TOO_LONG", async () => {
      const token = await world.token();
      const verifier = world.oneShot({ config: { maxTokenLength: token.length - 1 } });
      await expectCode(verifier.verify(token), "ECT_TOKEN_TOO_LONG");
      const exact = world.oneShot({ config: { maxTokenLength: token.length } });
      await expect(exact.verify(token)).resolves.toMatchObject({ level: 2 });
    });

    it("refuses 2 MB of dots with ECT_TOKEN_TOO_LONG without calling the key resolver", async () => {
      const spy = spyResolver();
      const verifier = world.oneShot({ keys: spy.resolver });
      await expectCode(verifier.verify(".".repeat(2 * 1024 * 1024)), "ECT_TOKEN_TOO_LONG");
      await expectCode(verifier.verify(`${await world.token()}${"A".repeat(20_000)}`), "ECT_TOKEN_TOO_LONG");
      expect(spy.lookups).toEqual([]);
    });

    it("refuses a non-string token with ECT_MALFORMED", async () => {
      await expectCode(world.oneShot().verify(42 as unknown as string), "ECT_MALFORMED");
      await expectCode(world.oneShot().verify(undefined as unknown as string), "ECT_MALFORMED");
    });
  });

  describe("SPEC 5.2 shape and canonical base64url", () => {
    it("refuses 2 or 4 segments and empty segments with ECT_MALFORMED", async () => {
      const [h, p, s] = (await world.token()).split(".") as [string, string, string];
      const verifier = world.oneShot();
      await expectCode(verifier.verify(`${h}.${p}`), "ECT_MALFORMED");
      await expectCode(verifier.verify(`${h}.${p}.${s}.${s}`), "ECT_MALFORMED");
      await expectCode(verifier.verify(`${h}.${p}.`), "ECT_MALFORMED");
      await expectCode(verifier.verify(`.${p}.${s}`), "ECT_MALFORMED");
      await expectCode(verifier.verify(""), "ECT_MALFORMED");
    });

    it("refuses whitespace, padding and standard-alphabet variants of a valid token", async () => {
      const token = await world.token();
      const [h, p, s] = token.split(".") as [string, string, string];
      const verifier = world.oneShot();
      const variants = [
        ` ${token}`,
        `${token} `,
        `${token}\n`,
        `${h}.${p}.${s.slice(0, 10)} ${s.slice(10)}`,
        `${h}=.${p}.${s}`,
        `${h}.${p}.${s}==`,
        `${h}.${p.slice(0, 5)}\t${p.slice(5)}.${s}`,
        `${h}.${p}.${s.replace(/-/g, "+").replace(/_/g, "/")}`,
      ];
      for (const variant of variants) {
        if (variant === token) continue;
        await expectCode(verifier.verify(variant), "ECT_BASE64URL_INVALID");
      }
    });

    it("refuses non-canonical base64url (non-zero unused trailing bits) with ECT_BASE64URL_INVALID", async () => {
      const token = await world.token();
      const [h, p, s] = token.split(".") as [string, string, string];
      // A 64-byte signature is 86 characters: the last one carries 4 unused bits.
      expect(s.length % 4).toBe(2);
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const last = alphabet.indexOf(s.at(-1)!);
      const sibling = alphabet[last | 0b0001]!;
      expect(sibling).not.toBe(s.at(-1));
      // Same decoded bytes, different string: a malleable token would have two ids.
      expect(base64urlEncode(new Uint8Array(64))).toHaveLength(86);
      await expectCode(
        world.oneShot().verify(`${h}.${p}.${s.slice(0, -1)}${sibling}`),
        "ECT_BASE64URL_INVALID",
      );
      // A segment length of 1 mod 4 can never be base64url.
      await expectCode(world.oneShot().verify(`${h}.${p}.${s}AAA`), "ECT_BASE64URL_INVALID");
    });

    it("refuses an L1 (unsigned) token below minLevel with ECT_LEVEL_TOO_LOW (downgrade protection)", async () => {
      const unsigned = await createEct({ iss: ISSUER_A, aud: VERIFIER, exec_act: "x", pred: [] }, null, {
        level: 1,
        clock: fixedClock,
      });
      await expectCode(world.oneShot().verify(unsigned), "ECT_LEVEL_TOO_LOW");
      // An attacker stripping the header and signature off a signed token gets the same answer.
      const payloadOnly = (await world.token()).split(".")[1]!;
      await expectCode(world.oneShot().verify(payloadOnly), "ECT_LEVEL_TOO_LOW");
    });
  });

  describe("SPEC 5.3 strict JSON (validly signed)", () => {
    it("refuses a duplicate header member with ECT_JSON_DUPLICATE_MEMBER", async () => {
      const token = await handBuilt(world.keyA, {
        header: `{"alg":"ES256","typ":"exec+jwt","kid":"key-b","kid":"key-a"}`,
      });
      await expectCode(world.oneShot().verify(token), "ECT_JSON_DUPLICATE_MEMBER");
    });

    it("refuses a duplicate claim member (top level and nested) with ECT_JSON_DUPLICATE_MEMBER", async () => {
      const claims = JSON.stringify(fullClaims());
      const dupAud = claims.replace(`"aud":`, `"aud":"spiffe://example.org/other","aud":`);
      await expectCode(
        world.oneShot().verify(await handBuilt(world.keyA, { payload: dupAud })),
        "ECT_JSON_DUPLICATE_MEMBER",
      );
      const nested = claims.replace(`"pred":[]`, `"pred":[],"ect_ext":{"a":{"b":1,"b":2}}`);
      await expectCode(
        world.oneShot().verify(await handBuilt(world.keyA, { payload: nested })),
        "ECT_JSON_DUPLICATE_MEMBER",
      );
      const escaped = claims.replace(`"exec_act":`, `"exec\\u005fact":"other","exec_act":`);
      await expectCode(
        world.oneShot().verify(await handBuilt(world.keyA, { payload: escaped })),
        "ECT_JSON_DUPLICATE_MEMBER",
      );
    });

    it("refuses non-JSON, non-object, BOM-prefixed and invalid UTF-8 segments", async () => {
      const v = world.oneShot();
      await expectCode(v.verify(await handBuilt(world.keyA, { payload: "not json" })), "ECT_JSON_INVALID");
      await expectCode(v.verify(await handBuilt(world.keyA, { payload: "[1,2]" })), "ECT_JSON_NOT_OBJECT");
      await expectCode(v.verify(await handBuilt(world.keyA, { header: `"ES256"` })), "ECT_JSON_NOT_OBJECT");
      const bom = `\uFEFF${JSON.stringify(fullClaims())}`;
      await expectCode(v.verify(await handBuilt(world.keyA, { payload: bom })), "ECT_JSON_INVALID");
      // 0xC3 0x28 is not UTF-8.
      const h = b64(JSON.stringify({ alg: "ES256", typ: "exec+jwt", kid: "key-a" }));
      const p = base64urlEncode(new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]));
      const sig = await rawSignature(world.keyA, `${h}.${p}`);
      await expectCode(v.verify(`${h}.${p}.${base64urlEncode(sig)}`), "ECT_JSON_INVALID");
    });

    it("refuses nesting deeper than 16 with ECT_JSON_TOO_DEEP", async () => {
      const deep = `${"[".repeat(16)}1${"]".repeat(16)}`;
      const claims = JSON.stringify(fullClaims()).replace(`"pred":[]`, `"pred":[],"deep":${deep}`);
      await expectCode(
        world.oneShot().verify(await handBuilt(world.keyA, { payload: claims })),
        "ECT_JSON_TOO_DEEP",
      );
    });

    it("refuses __proto__, constructor and prototype members with ECT_FORBIDDEN_MEMBER_NAME", async () => {
      for (const name of ["__proto__", "constructor", "prototype"]) {
        const claims = JSON.stringify(fullClaims()).replace(
          `"pred":[]`,
          `"pred":[],"ect_ext":{"${name}":{"x":1}}`,
        );
        await expectCode(
          world.oneShot().verify(await handBuilt(world.keyA, { payload: claims })),
          "ECT_FORBIDDEN_MEMBER_NAME",
        );
      }
    });
  });

  describe("SPEC 2 / 5.4 header rules (validly signed)", () => {
    it("refuses alg none, with or without a signature", async () => {
      const header = { alg: "none", typ: "exec+jwt", kid: "key-a" };
      const h = b64(JSON.stringify(header));
      const p = b64(JSON.stringify(fullClaims()));
      await expectCode(world.oneShot().verify(`${h}.${p}.`), "ECT_MALFORMED");
      const withSig = await handBuilt(world.keyA, { header });
      await expectCode(world.oneShot().verify(withSig), "ECT_ALG_NOT_ALLOWED");
      for (const alg of ["None", "NONE"]) {
        await expectCode(
          world.oneShot().verify(await handBuilt(world.keyA, { header: { ...header, alg } })),
          "ECT_ALG_NOT_ALLOWED",
        );
      }
    });

    it("refuses HS256 keyed with the issuer's public key bytes (the key-confusion attack)", async () => {
      const spki = KeyObject.from(world.keyA.publicKey).export({ type: "spki", format: "der" });
      const pem = KeyObject.from(world.keyA.publicKey).export({ type: "spki", format: "pem" });
      const jwkText = JSON.stringify(await exportPublicJwk(world.keyA));
      for (const secret of [spki, Buffer.from(pem as string), Buffer.from(jwkText)]) {
        for (const alg of ["HS256", "HS384", "HS512", "hs256"]) {
          const token = await handBuilt(world.keyA, {
            header: { alg, typ: "exec+jwt", kid: "key-a" },
            signature: (input) =>
              createHmac(`sha${alg.slice(2)}`, secret)
                .update(input)
                .digest(),
          });
          await expectCode(world.oneShot().verify(token), "ECT_ALG_NOT_ALLOWED");
        }
      }
    });

    it("refuses a lowercase or otherwise misspelt alg", async () => {
      for (const alg of ["es256", "Es256", "ES256 ", "ES-256", "ES256\u0000"]) {
        const token = await handBuilt(world.keyA, { header: { alg, typ: "exec+jwt", kid: "key-a" } });
        await expectCode(world.oneShot().verify(token), "ECT_ALG_NOT_ALLOWED");
      }
    });

    it("refuses a missing or non-string alg, and an algorithm outside the allowlist", async () => {
      await expectCode(
        world.oneShot().verify(await handBuilt(world.keyA, { header: { typ: "exec+jwt", kid: "key-a" } })),
        "ECT_ALG_NOT_ALLOWED",
      );
      await expectCode(
        world
          .verifier()
          .verify(await handBuilt(world.keyA, { header: { alg: ["ES256"], typ: "exec+jwt", kid: "key-a" } })),
        "ECT_ALG_NOT_ALLOWED",
      );
      const es384 = await generateEctKeyPair({ alg: "ES384", kid: "key-384" });
      const token = await createEct({ iss: ISSUER_A, aud: VERIFIER, exec_act: "x", pred: [] }, es384, {
        clock: fixedClock,
      });
      const keys = staticKeyResolver([{ iss: ISSUER_A, key: es384 }]);
      await expectCode(world.oneShot({ keys }).verify(token), "ECT_ALG_NOT_ALLOWED");
      await expect(world.oneShot({ keys, algorithms: ["ES384"] }).verify(token)).resolves.toMatchObject({
        level: 2,
      });
    });

    it("refuses a missing or foreign typ with ECT_TYP_INVALID and accepts the RFC 7515 forms of exec+jwt", async () => {
      for (const typ of [undefined, "JWT", "act+jwt", "exec", "application/jwt", "exec+jwt ", 7]) {
        const header =
          typ === undefined ? { alg: "ES256", kid: "key-a" } : { alg: "ES256", typ, kid: "key-a" };
        await expectCode(world.oneShot().verify(await handBuilt(world.keyA, { header })), "ECT_TYP_INVALID");
      }
      for (const typ of [
        "exec+jwt",
        "EXEC+JWT",
        "application/exec+jwt",
        "Application/Exec+JWT",
        "wimse-exec+jwt",
      ]) {
        const token = await handBuilt(world.keyA, { header: { alg: "ES256", typ, kid: "key-a" } });
        await expect(world.oneShot().verify(token)).resolves.toMatchObject({ level: 2 });
      }
    });

    it("refuses a missing, empty, non-string or over-long kid with ECT_KID_INVALID", async () => {
      for (const kid of [undefined, "", 5, "k".repeat(257), null]) {
        const header =
          kid === undefined ? { alg: "ES256", typ: "exec+jwt" } : { alg: "ES256", typ: "exec+jwt", kid };
        await expectCode(world.oneShot().verify(await handBuilt(world.keyA, { header })), "ECT_KID_INVALID");
      }
    });

    it("refuses embedded jwk, jku, x5u, x5c, x5t, crit, b64, cty, zip and unknown members", async () => {
      // The attacker embeds their own key and signs with it: nothing in a header is ever used.
      const attacker = await generateEctKeyPair({ kid: "key-a" });
      const extras: Record<string, unknown> = {
        jwk: await exportPublicJwk(attacker),
        jku: "https://attacker.example/jwks.json",
        x5u: "https://attacker.example/cert.pem",
        x5c: ["MIIB"],
        x5t: "abc",
        "x5t#S256": "abc",
        crit: ["b64"],
        b64: false,
        cty: "JWT",
        zip: "DEF",
        iss: ISSUER_A,
        nonce: "1",
      };
      for (const [name, value] of Object.entries(extras)) {
        const header = { alg: "ES256", typ: "exec+jwt", kid: "key-a", [name]: value };
        const byAttacker = await handBuilt(attacker, { header });
        const err = await expectCode(world.oneShot().verify(byAttacker), "ECT_HEADER_MEMBER_FORBIDDEN");
        expect(err.member).toBe(name);
        // Even validly signed by the real issuer key, the member is refused.
        await expectCode(
          world.oneShot().verify(await handBuilt(world.keyA, { header })),
          "ECT_HEADER_MEMBER_FORBIDDEN",
        );
      }
    });

    it("reports the first header violation and keeps every one in details", async () => {
      const token = await handBuilt(world.keyA, { header: { alg: "HS256", typ: "JWT", jwk: {} } });
      const err = await expectCode(world.oneShot().verify(token), "ECT_ALG_NOT_ALLOWED");
      expect(err.details.map((d) => d.code)).toEqual([
        "ECT_ALG_NOT_ALLOWED",
        "ECT_TYP_INVALID",
        "ECT_KID_INVALID",
        "ECT_HEADER_MEMBER_FORBIDDEN",
      ]);
    });
  });

  describe("SPEC 5.5 key resolution bound to the issuer", () => {
    it("refuses a missing or non-string iss before any key is resolved", async () => {
      const spy = spyResolver();
      const v = world.oneShot({ keys: spy.resolver });
      const { iss: _iss, ...noIss } = fullClaims();
      await expectCode(v.verify(await handBuilt(world.keyA, { payload: noIss })), "ECT_CLAIM_MISSING");
      await expectCode(
        v.verify(await handBuilt(world.keyA, { payload: fullClaims({ iss: 42 }) })),
        "ECT_ISS_INVALID",
      );
      await expectCode(
        v.verify(await handBuilt(world.keyA, { payload: fullClaims({ iss: "" }) })),
        "ECT_ISS_INVALID",
      );
      await expectCode(
        v.verify(await handBuilt(world.keyA, { payload: fullClaims({ iss: ["a"] }) })),
        "ECT_ISS_INVALID",
      );
      expect(spy.lookups).toEqual([]);
    });

    it("passes exactly { kid, iss, alg } to the resolver", async () => {
      const spy = spyResolver();
      await world.oneShot({ keys: spy.resolver }).verify(await handBuilt(world.keyA));
      expect(spy.lookups).toEqual([{ kid: "key-a", iss: ISSUER_A, alg: "ES256" }]);
    });

    it("refuses an unknown kid with ECT_KEY_NOT_FOUND", async () => {
      const token = await handBuilt(world.keyA, { header: { alg: "ES256", typ: "exec+jwt", kid: "key-z" } });
      await expectCode(world.oneShot().verify(token), "ECT_KEY_NOT_FOUND");
    });

    it("refuses issuer A's key used under issuer B's iss with ECT_KEY_NOT_FOUND", async () => {
      // Signed by A with A's kid, claiming to come from B.
      const token = await handBuilt(world.keyA, { payload: fullClaims({ iss: ISSUER_B }) });
      await expectCode(world.oneShot().verify(token), "ECT_KEY_NOT_FOUND");
      // And B's kid with A's signature under B's iss fails the signature.
      const forged = await handBuilt(world.keyA, {
        header: { alg: "ES256", typ: "exec+jwt", kid: "key-b" },
        payload: fullClaims({ iss: ISSUER_B }),
      });
      await expectCode(world.oneShot().verify(forged), "ECT_SIGNATURE_INVALID");
    });

    it("refuses with ECT_KEY_RESOLUTION_FAILED when the resolver throws, and keeps an EctError's own code", async () => {
      const failing = {
        async resolve(): Promise<CryptoKey | undefined> {
          throw new Error("network down");
        },
      };
      await expectCode(
        world.oneShot({ keys: failing }).verify(await handBuilt(world.keyA)),
        "ECT_KEY_RESOLUTION_FAILED",
      );
      const own = {
        async resolve(): Promise<CryptoKey | undefined> {
          throw new EctError("ECT_KEY_INVALID", "bad key");
        },
      };
      await expectCode(world.oneShot({ keys: own }).verify(await handBuilt(world.keyA)), "ECT_KEY_INVALID");
    });
  });

  describe("SPEC 5.6 signature", () => {
    it("refuses an ES256 signature of 65 or 63 bytes before verifying", async () => {
      for (const length of [65, 63, 0 + 1, 128]) {
        const token = await handBuilt(world.keyA, {
          signature: async (input) => {
            const good = await rawSignature(world.keyA, input);
            const out = new Uint8Array(length);
            out.set(good.subarray(0, Math.min(64, length)));
            return out;
          },
        });
        const err = await expectCode(world.oneShot().verify(token), "ECT_SIGNATURE_INVALID");
        expect(err.message).toContain(`${length} bytes`);
      }
    });

    it("refuses a valid signature with a trailing byte appended (65 bytes)", async () => {
      const token = await handBuilt(world.keyA, {
        signature: async (input) => new Uint8Array([...(await rawSignature(world.keyA, input)), 0]),
      });
      await expectCode(world.oneShot().verify(token), "ECT_SIGNATURE_INVALID");
    });

    it("refuses a DER-encoded ECDSA signature of the right key", async () => {
      const token = await handBuilt(world.keyA, { signature: (input) => derSignature(world.keyA, input) });
      const signature = base64urlDecode(token.split(".")[2]!);
      expect(signature[0]).toBe(0x30); // a DER SEQUENCE
      await expectCode(world.oneShot().verify(token), "ECT_SIGNATURE_INVALID");
    });

    it("refuses a signature by a different key under the same kid", async () => {
      const impostor = await generateEctKeyPair({ kid: "key-a" });
      await expectCode(world.oneShot().verify(await handBuilt(impostor)), "ECT_SIGNATURE_INVALID");
      await expectCode(world.oneShot().verify(await world.token({}, impostor)), "ECT_SIGNATURE_INVALID");
    });

    it("refuses a tampered payload, a zero signature and a signature from another token", async () => {
      const token = await world.token();
      const [h, p, s] = token.split(".") as [string, string, string];
      const claims = JSON.parse(new TextDecoder().decode(base64urlDecode(p)));
      const tampered = b64(JSON.stringify({ ...claims, exec_act: "delete-everything" }));
      await expectCode(world.oneShot().verify(`${h}.${tampered}.${s}`), "ECT_SIGNATURE_INVALID");
      await expectCode(
        world.oneShot().verify(`${h}.${p}.${base64urlEncode(new Uint8Array(64))}`),
        "ECT_SIGNATURE_INVALID",
      );
      const other = (await world.token()).split(".")[2]!;
      await expectCode(world.oneShot().verify(`${h}.${p}.${other}`), "ECT_SIGNATURE_INVALID");
    });

    it("refuses with ECT_KEY_INVALID when the resolved key is on another curve or private", async () => {
      const p384 = await generateEctKeyPair({ alg: "ES384", kid: "key-a" });
      const wrongCurve = { resolve: async () => p384.publicKey };
      await expectCode(
        world.oneShot({ keys: wrongCurve }).verify(await handBuilt(world.keyA)),
        "ECT_KEY_INVALID",
      );
      const privateKey = { resolve: async () => world.keyA.privateKey };
      await expectCode(
        world.oneShot({ keys: privateKey }).verify(await handBuilt(world.keyA)),
        "ECT_KEY_INVALID",
      );
      const exportable = await generateEctKeyPair({ kid: "key-a", extractable: true });
      const privateJwk = await crypto.subtle.exportKey("jwk", exportable.privateKey);
      const jwkResolver = { resolve: async () => privateJwk };
      await expectCode(
        world.oneShot({ keys: jwkResolver }).verify(await handBuilt(exportable)),
        "ECT_KEY_INVALID",
      );
    });

    it("refuses with ECT_KEY_INVALID when a custom resolver returns something that is not a key", async () => {
      const fake = {
        [Symbol.toStringTag]: "CryptoKey",
        type: "public",
        usages: ["verify"],
        algorithm: { name: "ECDSA", namedCurve: "P-256" },
      };
      for (const key of ["key-a", 42, { kty: "EC" }, fake]) {
        const verifier = world.oneShot({ keys: { resolve: async () => key as never } });
        await expectCode(verifier.verify(await handBuilt(world.keyA)), "ECT_KEY_INVALID");
      }
    });

    it("refuses Ed25519 public keys of small order with ECT_KEY_INVALID, so the trivial signature never verifies", async () => {
      // With A of small order, R = identity and S = 0 satisfy [S]B = R + [k]A for every message
      // (identity) or a fixed fraction of them: anyone could sign as the key's issuer.
      const smallOrder = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      ];
      const trivial = new Uint8Array(64);
      trivial[0] = 1; // R = the identity point, S = 0
      const token = await handBuilt(world.keyA, {
        header: { alg: "EdDSA", typ: "exec+jwt", kid: "weak" },
        signature: () => trivial,
      });
      for (const encoding of smallOrder) {
        for (const signBit of [0, 0x80]) {
          const raw = Uint8Array.from(encoding.match(/../g)!.map((h) => Number.parseInt(h, 16)));
          raw[31] = (raw[31]! & 0x7f) | signBit;
          const jwk = { kty: "OKP", crv: "Ed25519", x: base64urlEncode(raw), kid: "weak" };
          expectCodeSync(() => staticKeyResolver([{ iss: ISSUER_A, key: jwk }]), "ECT_KEY_INVALID");
          const cryptoKey = await crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, true, ["verify"]);
          for (const key of [jwk, cryptoKey]) {
            const verifier = world.oneShot({ keys: { resolve: async () => key }, algorithms: ["EdDSA"] });
            await expectCode(verifier.verify(token), "ECT_KEY_INVALID");
          }
        }
      }
    });

    it("accepts a public JWK returned by a custom resolver", async () => {
      const jwk = await exportPublicJwk(world.keyA);
      const verifier = world.oneShot({ keys: { resolve: async () => jwk } });
      await expect(verifier.verify(await world.token())).resolves.toMatchObject({ level: 2 });
      await expect(verifier.verify(await world.token())).resolves.toMatchObject({ level: 2 });
    });
  });

  describe("SPEC 3 / 5.7 claim rules (validly signed)", () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["aud empty string", { aud: "" }, "ECT_AUD_INVALID"],
      ["aud empty array", { aud: [] }, "ECT_AUD_INVALID"],
      ["aud with an empty element", { aud: [VERIFIER, ""] }, "ECT_AUD_INVALID"],
      ["aud a number", { aud: 1 }, "ECT_AUD_INVALID"],
      ["iat fractional", { iat: NOW_S + 0.5 }, "ECT_IAT_INVALID"],
      ["iat a string", { iat: String(NOW_S) }, "ECT_IAT_INVALID"],
      ["exp not after iat", { exp: NOW_S }, "ECT_EXP_INVALID"],
      ["exp a string", { exp: "soon" }, "ECT_EXP_INVALID"],
      ["jti not a UUID", { jti: "task-1" }, "ECT_JTI_INVALID"],
      ["jti a UUID with braces", { jti: `{${crypto.randomUUID()}}` }, "ECT_JTI_INVALID"],
      ["wid not a UUID", { wid: "workflow-1" }, "ECT_WID_INVALID"],
      ["exec_act empty", { exec_act: "" }, "ECT_EXEC_ACT_INVALID"],
      ["exec_act of 257 characters", { exec_act: "a".repeat(257) }, "ECT_EXEC_ACT_INVALID"],
      ["pred not an array", { pred: crypto.randomUUID() }, "ECT_PRED_INVALID"],
      ["pred with a non-UUID", { pred: ["parent"] }, "ECT_PRED_INVALID"],
      [
        "pred over 100 entries",
        { pred: Array.from({ length: 101 }, () => crypto.randomUUID()) },
        "ECT_PRED_INVALID",
      ],
      ["inp_hash with a sha-256: prefix", { inp_hash: `sha-256:${"A".repeat(43)}` }, "ECT_HASH_INVALID"],
      ["inp_hash padded", { inp_hash: `${"A".repeat(43)}=` }, "ECT_HASH_INVALID"],
      ["inp_hash non-canonical", { inp_hash: `${"A".repeat(42)}B` }, "ECT_HASH_INVALID"],
      ["out_hash hex", { out_hash: "ab".repeat(32) }, "ECT_HASH_INVALID"],
      ["ect_ext an array", { ect_ext: [] }, "ECT_EXT_INVALID"],
      ["ect_ext null", { ect_ext: null }, "ECT_EXT_INVALID"],
      ["ect_ext over 4096 bytes", { ect_ext: { blob: "x".repeat(4096) } }, "ECT_EXT_INVALID"],
      ["ect_ext nested 6 deep", { ect_ext: { a: { b: { c: { d: { e: {} } } } } } }, "ECT_EXT_INVALID"],
      ["ect_ext.pol without pol_decision", { ect_ext: { pol: "policy-1" } }, "ECT_POLICY_INVALID"],
      [
        "ect_ext.pol_decision unknown",
        { ect_ext: { pol: "p", pol_decision: "maybe" } },
        "ECT_POLICY_INVALID",
      ],
    ];
    it.each(cases)("refuses %s", async (_name, extra, code) => {
      const token = await handBuilt(world.keyA, { payload: fullClaims(extra) });
      await expectCode(world.oneShot().verify(token), code as "ECT_AUD_INVALID");
    });

    it("refuses each missing required claim with ECT_CLAIM_MISSING", async () => {
      for (const name of ["aud", "iat", "exp", "jti", "exec_act", "pred"]) {
        const claims = fullClaims();
        delete claims[name];
        const err = await expectCode(
          world.oneShot().verify(await handBuilt(world.keyA, { payload: claims })),
          "ECT_CLAIM_MISSING",
        );
        expect(err.member).toBe(name);
      }
    });

    it("refuses pred naming the token itself or a predecessor twice", async () => {
      const jti = crypto.randomUUID();
      const parent = crypto.randomUUID();
      await expectCode(
        world.oneShot().verify(await handBuilt(world.keyA, { payload: fullClaims({ jti, pred: [jti] }) })),
        "ECT_PRED_INVALID",
      );
      await expectCode(
        world
          .verifier()
          .verify(
            await handBuilt(world.keyA, { payload: fullClaims({ pred: [parent, parent.toUpperCase()] }) }),
          ),
        "ECT_PRED_INVALID",
      );
    });

    it("refuses exp of 1e400 (I-JSON, profile §5.3: ECT_JSON_INVALID) and exp beyond 2^53 - 1 (ECT_EXP_INVALID)", async () => {
      const text = JSON.stringify(fullClaims()).replace(/"exp":\d+/, `"exp":1e400`);
      expect(text).toContain(`"exp":1e400`);
      await expectCode(
        world.oneShot().verify(await handBuilt(world.keyA, { payload: text })),
        "ECT_JSON_INVALID",
      );
      const huge = JSON.stringify(fullClaims()).replace(/"exp":\d+/, `"exp":9007199254740993`);
      await expectCode(
        world.oneShot().verify(await handBuilt(world.keyA, { payload: huge })),
        "ECT_EXP_INVALID",
      );
    });

    it("refuses an aud that does not name this verifier with ECT_AUD_MISMATCH, and accepts it in an array", async () => {
      await expectCode(
        world
          .verifier()
          .verify(
            await handBuilt(world.keyA, { payload: fullClaims({ aud: "spiffe://example.org/other" }) }),
          ),
        "ECT_AUD_MISMATCH",
      );
      await expectCode(
        world.oneShot().verify(
          await handBuilt(world.keyA, {
            payload: fullClaims({ aud: [`${VERIFIER}/`, VERIFIER.toUpperCase()] }),
          }),
        ),
        "ECT_AUD_MISMATCH",
      );
      const verified = await world.oneShot().verify(
        await handBuilt(world.keyA, {
          payload: fullClaims({ aud: ["spiffe://example.org/other", VERIFIER] }),
        }),
      );
      expect(verified.audience).toEqual(["spiffe://example.org/other", VERIFIER]);
      expect(verified.claims.aud).toEqual(["spiffe://example.org/other", VERIFIER]);
    });

    it("preserves other claims untouched", async () => {
      const verified = await world.oneShot().verify(
        await handBuilt(world.keyA, {
          payload: fullClaims({ "x-custom": { n: 1.5, list: [null, true] } }),
        }),
      );
      expect(verified.claims["x-custom"]).toEqual({ n: 1.5, list: [null, true] });
    });
  });
});
