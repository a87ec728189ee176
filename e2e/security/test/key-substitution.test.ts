/**
 * Key substitution (SPEC 2, 5.5, 5.6): a key must be bound to exactly one issuer string and used
 * only with the algorithm of its curve, whatever a JWK Set or a header claims.
 */
import { base64urlEncode } from "ect-core/internal";
import {
  combineKeyResolvers,
  createEctVerifier,
  exportJwks,
  exportPublicJwk,
  jwksKeyResolver,
  remoteJwksKeyResolver,
  staticKeyResolver,
} from "ect-crypto";
import type { JWK } from "jose";
import { describe, expect, it } from "vitest";
import {
  C,
  claimsOf,
  expectRefused,
  fixedClock,
  headerText,
  ISS_A,
  ISS_B,
  keyPair,
  mint,
  signRaw,
  VERIFIER_ID,
} from "./support/world.js";

function verifierWith(
  keys: ReturnType<typeof staticKeyResolver>,
  algorithms?: ("ES256" | "ES384" | "EdDSA")[],
) {
  return createEctVerifier({
    verifierId: VERIFIER_ID,
    keys,
    clock: fixedClock(),
    ...(algorithms === undefined ? {} : { algorithms }),
  });
}

describe("JWK Sets that try to smuggle a key", () => {
  it("an oct (symmetric) member sharing the kid of the issuer's key is refused when the set is loaded", async () => {
    const a = await keyPair("ES256", "shared");
    const jwks = await exportJwks([a]);
    const secret = base64urlEncode(new TextEncoder().encode("the EC x coordinate, used as an HMAC secret"));
    expect(() =>
      jwksKeyResolver({ keys: [...jwks.keys, { kty: "oct", kid: "shared", k: secret }] }, { issuers: ISS_A }),
    ).toThrowError(expect.objectContaining({ code: C.KEY_INVALID }));
  });

  it("an HS256 token keyed with the published JWK is refused by alg whatever the set holds", async () => {
    const a = await keyPair("ES256", "k1");
    const jwk = await exportPublicJwk(a);
    const keys = jwksKeyResolver({ keys: [jwk] }, { issuers: ISS_A });
    const claims = JSON.stringify(claimsOf());
    const h = base64urlEncode(
      new TextEncoder().encode(JSON.stringify({ alg: "HS256", typ: "exec+jwt", kid: "k1" })),
    );
    const p = base64urlEncode(new TextEncoder().encode(claims));
    const mac = await crypto.subtle.sign(
      "HMAC",
      await crypto.subtle.importKey(
        "raw",
        new TextEncoder().encode(JSON.stringify(jwk)),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      ),
      new TextEncoder().encode(`${h}.${p}`),
    );
    await expectRefused(
      verifierWith(keys).verify(`${h}.${p}.${base64urlEncode(new Uint8Array(mac))}`),
      C.ALG_NOT_ALLOWED,
    );
  });

  it("an RSA member under the same kid is ignored: the EC key still decides, RS256/PS256 never pass", async () => {
    const a = await keyPair("ES256", "k1");
    const rsa = await crypto.subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    );
    const rsaJwk = (await crypto.subtle.exportKey("jwk", rsa.publicKey)) as JWK;
    const keys = jwksKeyResolver(
      { keys: [{ ...rsaJwk, kid: "k1", alg: "RS256", use: "sig" }, await exportPublicJwk(a)] },
      { issuers: ISS_A },
    );
    const v = verifierWith(keys);
    expect((await v.verify(await mint(a))).claims.iss).toBe(ISS_A);
    const claims = JSON.stringify(claimsOf());
    for (const alg of ["RS256", "PS256"]) {
      const h = base64urlEncode(
        new TextEncoder().encode(JSON.stringify({ alg, typ: "exec+jwt", kid: "k1" })),
      );
      const p = base64urlEncode(new TextEncoder().encode(claims));
      const sig = await crypto.subtle.sign(
        "RSASSA-PKCS1-v1_5",
        rsa.privateKey,
        new TextEncoder().encode(`${h}.${p}`),
      );
      await expectRefused(v.verify(`${h}.${p}.${base64urlEncode(new Uint8Array(sig))}`), C.ALG_NOT_ALLOWED);
    }
  });

  it("a P-384 key under an ES256 header: not found through static or JWKS resolvers, even with ES384 allowed", async () => {
    const p384 = await keyPair("ES384", "k384");
    const forged = await signRaw(
      headerText({ alg: "ES256", kid: "k384" }),
      JSON.stringify(claimsOf()),
      p384,
      "ES384",
    );
    const staticKeys = staticKeyResolver([{ iss: ISS_A, key: p384 }]);
    const jwksKeys = jwksKeyResolver({ keys: [await exportPublicJwk(p384)] }, { issuers: ISS_A });
    for (const keys of [staticKeys, jwksKeys]) {
      await expectRefused(verifierWith(keys, ["ES256", "ES384"]).verify(forged), C.KEY_NOT_FOUND);
      // and the honest ES384 token of that key passes, so the refusal is about the header alone
      expect((await verifierWith(keys, ["ES256", "ES384"]).verify(await mint(p384))).header?.alg).toBe(
        "ES384",
      );
    }
  });

  it("a JWK without alg on P-256 but claimed as ES384 in the set is never used for ES256", async () => {
    const a = await keyPair("ES256", "k1");
    const jwk = { ...(await exportPublicJwk(a)), alg: "ES384" };
    await expectRefused(
      verifierWith(jwksKeyResolver({ keys: [jwk] }, { issuers: ISS_A })).verify(await mint(a)),
      C.KEY_NOT_FOUND,
    );
  });

  it("an Ed25519 key signing under an ES256 header is refused (key not found; never verified as EdDSA)", async () => {
    const ed = await keyPair("EdDSA", "ked");
    const forged = await signRaw(
      headerText({ alg: "ES256", kid: "ked" }),
      JSON.stringify(claimsOf()),
      ed,
      "EdDSA",
    );
    for (const keys of [
      staticKeyResolver([{ iss: ISS_A, key: ed }]),
      jwksKeyResolver({ keys: [await exportPublicJwk(ed)] }, { issuers: ISS_A }),
    ]) {
      await expectRefused(verifierWith(keys, ["ES256", "EdDSA"]).verify(forged), C.KEY_NOT_FOUND);
    }
    // A custom resolver that returns the Ed25519 key for an ES256 lookup is caught by the curve check.
    const sloppy = { resolve: async () => ed.publicKey };
    await expectRefused(verifierWith(sloppy as never).verify(forged), C.KEY_INVALID);
  });

  it("a member whose EC point is not on the curve is refused as an unusable key, never as a signature", async () => {
    const a = await keyPair("ES256", "k1");
    const jwk = await exportPublicJwk(a);
    const y = Buffer.from(jwk.y!, "base64url");
    y[31] = (y[31] ?? 0) ^ 1;
    const bad = { ...jwk, y: y.toString("base64url") };
    await expectRefused(
      verifierWith(jwksKeyResolver({ keys: [bad] }, { issuers: ISS_A })).verify(await mint(a)),
      C.KEY_INVALID,
    );
  });

  // Fixed in ect-crypto (found by this suite): an Ed25519 public key of small order was accepted,
  // and the trivial signature R = identity, S = 0 then verified for every message (node:crypto and
  // WebCrypto verify cofactorless, RFC 8032, and do not refuse such keys). Whoever published one
  // made its issuer's tokens forgeable by anyone: no non-repudiation in the audit ledger.
  it("Ed25519 public keys of small order are refused everywhere (ECT_KEY_INVALID), never used to verify", async () => {
    const hex = [
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ];
    const h = base64urlEncode(
      new TextEncoder().encode(JSON.stringify({ alg: "EdDSA", typ: "exec+jwt", kid: "weak" })),
    );
    const p = base64urlEncode(new TextEncoder().encode(JSON.stringify(claimsOf())));
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const signature = new Uint8Array(64);
    signature.set(identity, 0); // R = identity, S = 0 satisfies [S]B = R + [k]A when [k]A = identity
    const forged = `${h}.${p}.${base64urlEncode(signature)}`;
    for (const encoding of hex) {
      for (const signBit of [0, 0x80]) {
        const raw = new Uint8Array(Buffer.from(encoding, "hex"));
        raw[31] = (raw[31]! & 0x7f) | signBit;
        const jwk = { kty: "OKP", crv: "Ed25519", x: base64urlEncode(raw), kid: "weak" };
        // Refused when a JWK Set or a static resolver is loaded...
        expect(() => jwksKeyResolver({ keys: [jwk] }, { issuers: ISS_A })).toThrowError(
          expect.objectContaining({ code: C.KEY_INVALID }),
        );
        expect(() => staticKeyResolver([{ iss: ISS_A, key: jwk }])).toThrowError(
          expect.objectContaining({ code: C.KEY_INVALID }),
        );
        // ...and at verification, as a JWK or as a CryptoKey from a custom resolver.
        const cryptoKey = await crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, true, ["verify"]);
        for (const key of [jwk, cryptoKey]) {
          const custom = { resolve: async () => key } as unknown as ReturnType<typeof staticKeyResolver>;
          await expectRefused(verifierWith(custom, ["EdDSA"]).verify(forged), C.KEY_INVALID);
        }
      }
    }
  });
});

describe("the same smuggling through a remote JWK Set", () => {
  const serve = (set: unknown) =>
    (async () =>
      new Response(JSON.stringify(set), { headers: { "content-type": "application/json" } })) as never;

  it("oct and P-384 members sharing the kid never stand in for the EC key; an off-curve point fails closed", async () => {
    const a = await keyPair("ES256", "k1");
    const p384 = await keyPair("ES384", "k1");
    const jwk = await exportPublicJwk(a);
    const remote = (keys: unknown[]) =>
      verifierWith(
        remoteJwksKeyResolver("https://keys.example/jwks.json", { issuers: ISS_A, fetch: serve({ keys }) }),
        ["ES256", "ES384"],
      );
    const viaP384 = await signRaw(
      headerText({ alg: "ES256", kid: "k1" }),
      JSON.stringify(claimsOf()),
      p384,
      "ES384",
    );
    // A symmetric member next to the EC key: jose only considers EC keys for ES256.
    const withOct = remote([{ kty: "oct", kid: "k1", k: "c2VjcmV0" }, jwk]);
    expect((await withOct.verify(await mint(a))).claims.iss).toBe(ISS_A);
    await expectRefused(withOct.verify(viaP384), C.SIGNATURE_INVALID);
    // Only a P-384 key under the kid: nothing for ES256.
    await expectRefused(remote([await exportPublicJwk(p384)]).verify(viaP384), C.KEY_NOT_FOUND);
    // An off-curve point cannot be imported: the lookup fails (503 over HTTP), never verifies.
    const y = Buffer.from(jwk.y!, "base64url");
    y[31] = (y[31] ?? 0) ^ 1;
    await expectRefused(
      remote([{ ...jwk, y: y.toString("base64url") }]).verify(await mint(a)),
      C.KEY_RESOLUTION_FAILED,
    );
  });
});

describe("keys are bound to issuers, exactly", () => {
  it("issuer A's key, listed for A, never verifies a token claiming to be B (static and JWKS)", async () => {
    const a = await keyPair("ES256", "key-a");
    const b = await keyPair("ES256", "key-b");
    const forged = await mint(a, { iss: ISS_B });
    const keysStatic = staticKeyResolver([
      { iss: ISS_A, key: a },
      { iss: ISS_B, key: b },
    ]);
    const keysJwks = combineKeyResolvers([
      jwksKeyResolver(await exportJwks([a]), { issuers: ISS_A }),
      jwksKeyResolver(await exportJwks([b]), { issuers: ISS_B }),
    ]);
    await expectRefused(verifierWith(keysStatic).verify(forged), C.KEY_NOT_FOUND);
    await expectRefused(verifierWith(keysJwks).verify(forged), C.KEY_NOT_FOUND);
  });

  it("a kid collision across two issuers' JWK Sets resolves each issuer's own key", async () => {
    const a = await keyPair("ES256", "k1");
    const b = await keyPair("ES256", "k1");
    const keys = combineKeyResolvers([
      jwksKeyResolver(await exportJwks([a]), { issuers: ISS_A }),
      jwksKeyResolver(await exportJwks([b]), { issuers: ISS_B }),
    ]);
    const v = verifierWith(keys);
    expect((await v.verify(await mint(a))).claims.iss).toBe(ISS_A);
    expect((await v.verify(await mint(b, { iss: ISS_B }))).claims.iss).toBe(ISS_B);
    // A signs as B with the shared kid: B's key is found, and the signature is A's.
    await expectRefused(v.verify(await mint(a, { iss: ISS_B })), C.SIGNATURE_INVALID);
    // One set trusted for both issuers with two "k1" members is refused when loaded.
    const both = { keys: [...(await exportJwks([a])).keys, ...(await exportJwks([b])).keys] };
    expect(() => jwksKeyResolver(both, { issuers: [ISS_A, ISS_B] })).toThrowError(
      expect.objectContaining({ code: C.CONFIG_INVALID }),
    );
  });

  it.each([
    ["upper case scheme and host", "SPIFFE://EXAMPLE.ORG/agent-a"],
    ["a trailing slash", `${ISS_A}/`],
    ["a trailing space", `${ISS_A} `],
    ["NFD instead of NFC", "spiffe://example.org/agent-\u00e9".normalize("NFD")],
    ["a zero-width joiner", "spiffe://example.org/agent\u200d-a"],
    ["a fullwidth letter", "spiffe://example.org/agent-\uff41"],
  ])("an iss differing from the bound one by %s resolves no key", async (_label, iss) => {
    const accented = "spiffe://example.org/agent-\u00e9".normalize("NFC");
    const a = await keyPair("ES256", "key-a");
    const keysStatic = staticKeyResolver([{ iss: [ISS_A, accented], key: a }]);
    const keysJwks = jwksKeyResolver(await exportJwks([a]), { issuers: [ISS_A, accented] });
    let fetched = 0;
    const keysRemote = remoteJwksKeyResolver("https://keys.example/jwks.json", {
      issuers: [ISS_A, accented],
      fetch: (async () => {
        fetched++;
        return new Response(JSON.stringify(await exportJwks([a])), {
          headers: { "content-type": "application/json" },
        });
      }) as never,
    });
    const token = await mint(a, { iss });
    for (const keys of [keysStatic, keysJwks, keysRemote]) {
      await expectRefused(verifierWith(keys).verify(token), C.KEY_NOT_FOUND);
    }
    expect(fetched).toBe(0); // an unknown issuer never reaches the network
    // The exact forms do verify, through all three.
    for (const keys of [keysStatic, keysJwks, keysRemote]) {
      expect((await verifierWith(keys).verify(await mint(a, { iss: accented }))).claims.iss).toBe(accented);
    }
  });

  it.each([
    ["a path", "../../../etc/passwd"],
    ["a URL", "https://attacker.example/jwks.json#k"],
    ["__proto__", "__proto__"],
    ["constructor", "constructor"],
    ["toString", "toString"],
    ["bidi and emoji", "\u202ekey-a\u{1f511}"],
    ["256 astral code points", "\u{1f511}".repeat(256)],
  ])("a kid holding %s is only a lookup key: not found, nothing fetched, no crash", async (_label, kid) => {
    const a = await keyPair("ES256", "key-a");
    const forged = await signRaw(headerText({ alg: "ES256", kid }), JSON.stringify(claimsOf()), a);
    let fetched = 0;
    const keys = [
      staticKeyResolver([{ iss: ISS_A, key: a }]),
      jwksKeyResolver(await exportJwks([a]), { issuers: ISS_A }),
      remoteJwksKeyResolver("https://keys.example/jwks.json", {
        issuers: ISS_A,
        cooldownDuration: 0,
        fetch: (async () => {
          fetched++;
          return new Response(JSON.stringify(await exportJwks([a])), {
            headers: { "content-type": "application/json" },
          });
        }) as never,
      }),
    ];
    for (const resolver of keys) await expectRefused(verifierWith(resolver).verify(forged), C.KEY_NOT_FOUND);
    expect(fetched).toBeLessThanOrEqual(2); // the configured URL only, never one from the kid
  });

  it("a kid of 257 code points is refused as a header rule, before any resolver", async () => {
    const a = await keyPair("ES256", "key-a");
    let asked = 0;
    const keys = {
      resolve: async () => {
        asked++;
        return a.publicKey;
      },
    };
    const forged = await signRaw(
      headerText({ alg: "ES256", kid: "\u{1f511}".repeat(257) }),
      JSON.stringify(claimsOf()),
      a,
    );
    await expectRefused(verifierWith(keys as never).verify(forged), C.KID_INVALID);
    expect(asked).toBe(0);
  });

  // Fixed in ect-crypto (found by this suite): staticKeyResolver keyed its table by the string
  // `${iss}\u0000${kid}`, ambiguous when a kid (or an iss) contains U+0000: the holder of the key
  // bound to (iss "A", kid "x\u0000y") could sign tokens for the issuer "A\u0000x" under kid "y".
  it("a NUL inside a kid cannot move a key to another issuer string (staticKeyResolver)", async () => {
    const a = await keyPair("ES256", "x\u0000y");
    const keys = staticKeyResolver([{ iss: ISS_A, key: a }]);
    const claims = claimsOf({ iss: `${ISS_A}\u0000x` });
    const forged = await signRaw(headerText({ alg: "ES256", kid: "y" }), JSON.stringify(claims), a);
    await expectRefused(verifierWith(keys).verify(forged), C.KEY_NOT_FOUND);
  });

  it("the same NUL trick finds nothing in a JWK Set resolver", async () => {
    const a = await keyPair("ES256", "x\u0000y");
    const keys = jwksKeyResolver(await exportJwks([a]), { issuers: ISS_A });
    const claims = claimsOf({ iss: `${ISS_A}\u0000x` });
    await expectRefused(
      verifierWith(keys).verify(
        await signRaw(headerText({ alg: "ES256", kid: "y" }), JSON.stringify(claims), a),
      ),
      C.KEY_NOT_FOUND,
    );
  });
});

describe("createEct and verification agree on kid length", () => {
  // Fixed in ect-crypto (found by this suite): SPEC 2 allows a kid of at most 256 characters;
  // ect-core's validateHeader counts code points but createEct counted UTF-16 code units, refusing
  // a kid of 256 astral characters every verifier accepts.
  it("a kid of 256 astral code points can be used to sign, as verifiers accept it", async () => {
    const kid = "\u{1f511}".repeat(256);
    const a = { ...(await keyPair("ES256", "short")), kid };
    const token = await mint(a);
    expect((await verifierWith(staticKeyResolver([{ iss: ISS_A, key: a }])).verify(token)).header?.kid).toBe(
      kid,
    );
  });
});
