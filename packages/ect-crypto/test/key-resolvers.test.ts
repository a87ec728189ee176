// Key resolvers (SPEC 5.5): static map, local JWK Set, remote JWK Set, composition. Keys are bound
// to issuers and imported once.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWK } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  combineKeyResolvers,
  createEct,
  createEctVerifier,
  type EctKeyPair,
  type EctKeyResolver,
  exportJwks,
  exportPrivateJwk,
  exportPublicJwk,
  generateEctKeyPair,
  jwksKeyResolver,
  remoteJwksKeyResolver,
  signatureBackendName,
  staticKeyResolver,
} from "../src/index.js";
import {
  claimsFor,
  expectCode,
  expectCodeSync,
  expectConfigErrorSync,
  fixedClock,
  ISSUER_A,
  ISSUER_B,
  VERIFIER,
} from "./support/fixtures.js";

let keyA: EctKeyPair;
let keyB: EctKeyPair;
let ed: EctKeyPair;
beforeAll(async () => {
  keyA = await generateEctKeyPair({ kid: "key-a" });
  keyB = await generateEctKeyPair({ kid: "key-b" });
  ed = await generateEctKeyPair({ alg: "EdDSA", kid: "key-ed" });
});

afterEach(() => {
  vi.restoreAllMocks();
});

function verifier(keys: EctKeyResolver, algorithms: ("ES256" | "EdDSA" | "ES384")[] = ["ES256"]) {
  return createEctVerifier({ verifierId: VERIFIER, keys, algorithms, clock: fixedClock });
}

const tokenBy = (key: EctKeyPair, iss = ISSUER_A) => createEct(claimsFor(iss), key, { clock: fixedClock });

const lookup = (kid: string, iss = ISSUER_A, alg = "ES256") => ({ kid, iss, alg });

describe(`key resolvers [${signatureBackendName}]`, () => {
  describe("staticKeyResolver", () => {
    it("resolves a key only for its issuer and kid", async () => {
      const keys = staticKeyResolver([
        { iss: ISSUER_A, key: keyA },
        { iss: ISSUER_B, key: keyB },
      ]);
      expect(await keys.resolve(lookup("key-a"))).toBe(keyA.publicKey);
      expect(await keys.resolve(lookup("key-a", ISSUER_B))).toBeUndefined();
      expect(await keys.resolve(lookup("key-b"))).toBeUndefined();
      expect(await keys.resolve(lookup("KEY-A"))).toBeUndefined();
      await expect(verifier(keys).verify(await tokenBy(keyA))).resolves.toBeDefined();
      await expectCode(verifier(keys).verify(await tokenBy(keyA, ISSUER_B)), "ECT_KEY_NOT_FOUND");
    });

    it("binds one key to several issuers only when configured", async () => {
      const keys = staticKeyResolver([{ iss: [ISSUER_A, ISSUER_B], key: keyA }]);
      await expect(verifier(keys).verify(await tokenBy(keyA, ISSUER_B))).resolves.toBeDefined();
      expect(await keys.resolve(lookup("key-a", "spiffe://example.org/c"))).toBeUndefined();
    });

    it("restricts algorithms to the key's own alg, or to the configured ones", async () => {
      const keys = staticKeyResolver([{ iss: ISSUER_A, key: ed }]);
      expect(await keys.resolve(lookup("key-ed", ISSUER_A, "EdDSA"))).toBe(ed.publicKey);
      expect(await keys.resolve(lookup("key-ed", ISSUER_A, "Ed25519"))).toBeUndefined();
      expect(await keys.resolve(lookup("key-ed", ISSUER_A, "ES256"))).toBeUndefined();
      const both = staticKeyResolver([{ iss: ISSUER_A, kid: "e", key: ed.publicKey }]);
      expect(await both.resolve(lookup("e", ISSUER_A, "Ed25519"))).toBe(ed.publicKey);
      expect(await both.resolve(lookup("e", ISSUER_A, "ES256"))).toBeUndefined();
      expectConfigErrorSync(
        () => staticKeyResolver([{ iss: ISSUER_A, key: keyA, algorithms: ["ES384"] }]),
        "entries[0].algorithms[0]",
      );
      expectConfigErrorSync(
        () => staticKeyResolver([{ iss: ISSUER_A, key: keyA, algorithms: ["ES256", "HS256" as never] }]),
        "entries[0].algorithms[1]",
      );
      // A misspelt member would silently widen the key to every algorithm of its curve.
      expectConfigErrorSync(
        () => staticKeyResolver([{ iss: ISSUER_A, key: keyA, algorithm: ["ES256"] } as never]),
        "entries[0].algorithm",
      );
      const jwkWithAlg = { ...(await exportPublicJwk(keyA)), alg: "ES384" };
      expectConfigErrorSync(
        () => staticKeyResolver([{ iss: ISSUER_A, key: jwkWithAlg }]),
        "entries[0].key.alg",
      );
    });

    it("imports a JWK once, not per verification", async () => {
      const jwk = await exportPublicJwk(keyA);
      const keys = staticKeyResolver([{ iss: ISSUER_A, key: jwk }]);
      const importKey = vi.spyOn(crypto.subtle, "importKey");
      const v = verifier(keys);
      for (let i = 0; i < 5; i++) await v.verify(await tokenBy(keyA));
      expect(importKey).toHaveBeenCalledTimes(1);
    });

    it("refuses duplicate (iss, kid), missing kids, private keys and bad issuers", async () => {
      // Keys given at construction are configuration: every mistake is an EctConfigError naming it.
      expectConfigErrorSync(
        () =>
          staticKeyResolver([
            { iss: ISSUER_A, key: keyA },
            { iss: ISSUER_A, key: keyB, kid: "key-a" },
          ]),
        "entries[1]",
      );
      expectConfigErrorSync(
        () => staticKeyResolver([{ iss: ISSUER_A, key: keyA.publicKey }]),
        "entries[0].kid",
      );
      expectConfigErrorSync(
        () => staticKeyResolver([{ iss: ISSUER_A, kid: "k", key: keyA.privateKey }]),
        "entries[0].key",
      );
      const exportable = await generateEctKeyPair({ extractable: true });
      expectConfigErrorSync(
        () =>
          staticKeyResolver([{ iss: ISSUER_A, key: { ...exportable, publicKey: exportable.privateKey } }]),
        "entries[0].key.publicKey",
      );
      const privateJwk = await exportPrivateJwk(exportable);
      // A key that is itself unusable keeps its own code, as everywhere a key is refused.
      expectCodeSync(() => staticKeyResolver([{ iss: ISSUER_A, key: privateJwk }]), "ECT_KEY_INVALID");
      const ecdh = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
        "deriveBits",
      ]);
      expectConfigErrorSync(
        () => staticKeyResolver([{ iss: ISSUER_A, kid: "dh", key: ecdh.publicKey }]),
        "entries[0].key",
      );
      expectConfigErrorSync(() => staticKeyResolver([{ iss: "", key: keyA }]), "entries[0].iss");
      expectConfigErrorSync(() => staticKeyResolver([{ iss: [], key: keyA }]), "entries[0].iss");
      expectConfigErrorSync(() => staticKeyResolver([null as never]), "entries[0]");
      expectConfigErrorSync(() => staticKeyResolver({} as never), "entries");
    });
  });

  describe("jwksKeyResolver (local JWK Set)", () => {
    it("resolves by kid for the configured issuers only", async () => {
      const jwks = await exportJwks([keyA, keyB]);
      const keys = jwksKeyResolver(jwks, { issuers: [ISSUER_A] });
      await expect(verifier(keys).verify(await tokenBy(keyA))).resolves.toBeDefined();
      await expect(verifier(keys).verify(await tokenBy(keyB))).resolves.toBeDefined();
      await expectCode(verifier(keys).verify(await tokenBy(keyA, ISSUER_B)), "ECT_KEY_NOT_FOUND");
      expect(await keys.resolve(lookup("key-z"))).toBeUndefined();
    });

    it("finds a key without kid by its RFC 7638 thumbprint", async () => {
      const generated = await generateEctKeyPair(); // kid = thumbprint
      const { kid: _kid, ...withoutKid } = await exportPublicJwk(generated);
      const keys = jwksKeyResolver({ keys: [withoutKid] }, { issuers: ISSUER_A });
      await expect(verifier(keys).verify(await tokenBy(generated))).resolves.toBeDefined();
    });

    it("requires the curve and a JWK alg member to fit the algorithm", async () => {
      const jwk = await exportPublicJwk(keyA); // alg ES256
      const keys = jwksKeyResolver({ keys: [jwk, await exportPublicJwk(ed)] }, { issuers: [ISSUER_A] });
      expect(await keys.resolve(lookup("key-a", ISSUER_A, "ES384"))).toBeUndefined();
      expect(await keys.resolve(lookup("key-ed", ISSUER_A, "ES256"))).toBeUndefined();
      expect(await keys.resolve(lookup("key-ed", ISSUER_A, "EdDSA"))).toBeDefined();
      expect(await keys.resolve(lookup("key-ed", ISSUER_A, "Ed25519"))).toBeUndefined();
      const { alg: _alg, ...noAlg } = await exportPublicJwk(ed);
      const lenient = jwksKeyResolver({ keys: [noAlg] }, { issuers: [ISSUER_A] });
      expect(await lenient.resolve(lookup("key-ed", ISSUER_A, "Ed25519"))).toBeDefined();
    });

    it("ignores keys not meant for signatures or of other types, refuses private material", async () => {
      const jwk = await exportPublicJwk(keyA);
      const keys = jwksKeyResolver(
        {
          keys: [
            { ...jwk, kid: "enc", use: "enc" },
            { ...jwk, kid: "ops", key_ops: ["encrypt"] },
            { kty: "RSA", kid: "rsa", n: "AQAB", e: "AQAB" },
            jwk,
          ],
        },
        { issuers: [ISSUER_A] },
      );
      expect(await keys.resolve(lookup("enc"))).toBeUndefined();
      expect(await keys.resolve(lookup("ops"))).toBeUndefined();
      expect(await keys.resolve(lookup("rsa", ISSUER_A, "ES256"))).toBeUndefined();
      expect(await keys.resolve(lookup("key-a"))).toBeDefined();
      const privateJwk = await exportPrivateJwk(await generateEctKeyPair({ extractable: true }));
      expectCodeSync(
        () => jwksKeyResolver({ keys: [privateJwk] }, { issuers: [ISSUER_A] }),
        "ECT_KEY_INVALID",
      );
      expectCodeSync(
        () => jwksKeyResolver({ keys: [{ kty: "oct", k: "c2VjcmV0" }] }, { issuers: [ISSUER_A] }),
        "ECT_KEY_INVALID",
      );
    });

    it("refuses duplicate kids, a malformed set and missing issuers", async () => {
      const a = await exportPublicJwk(keyA);
      const b = await exportPublicJwk(keyB, { kid: "key-a" });
      expectConfigErrorSync(
        () => jwksKeyResolver({ keys: [a, b] }, { issuers: [ISSUER_A] }),
        "jwks.keys[1].kid",
      );
      expectConfigErrorSync(() => jwksKeyResolver({ keys: "x" } as never, { issuers: [ISSUER_A] }), "jwks");
      expectConfigErrorSync(
        () => jwksKeyResolver({ keys: [null] } as never, { issuers: [ISSUER_A] }),
        "jwks.keys[0]",
      );
      expectConfigErrorSync(() => jwksKeyResolver({ keys: [a] }, {} as never), "issuers");
      expectConfigErrorSync(() => jwksKeyResolver({ keys: [a] }, undefined as never), "options");
      expectConfigErrorSync(
        () => jwksKeyResolver({ keys: [a] }, { issuers: [ISSUER_A], isuers: [ISSUER_B] } as never),
        "isuers",
      );
      // A kid equal to another key's thumbprint is ambiguous: refused at first use.
      const { kid: _kid, ...bare } = await exportPublicJwk(keyB);
      const thumbprintKid = (await exportPublicJwk(keyB.publicKey)).kid!;
      const ambiguous = jwksKeyResolver(
        { keys: [bare, { ...a, kid: thumbprintKid }] },
        { issuers: [ISSUER_A] },
      );
      await expectCode(ambiguous.resolve(lookup(thumbprintKid)), "ECT_KEY_RESOLUTION_FAILED");
    });
  });

  describe("remoteJwksKeyResolver", () => {
    function jsonResponse(body: unknown, status = 200): Response {
      return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    }

    it("fetches the set once for the configured issuer and never for another", async () => {
      const jwks = await exportJwks([keyA]);
      const fetch = vi.fn(async () => jsonResponse(jwks));
      const keys = remoteJwksKeyResolver("https://agents.example/jwks.json", { issuers: [ISSUER_A], fetch });
      expect(await keys.resolve(lookup("key-a", ISSUER_B))).toBeUndefined();
      expect(fetch).not.toHaveBeenCalled();
      const v = verifier(keys);
      await v.verify(await tokenBy(keyA));
      await v.verify(await tokenBy(keyA));
      await expectCode(v.verify(await tokenBy(keyA, ISSUER_B)), "ECT_KEY_NOT_FOUND");
      expect(fetch).toHaveBeenCalledTimes(1);
      expect((fetch.mock.calls[0] as unknown[])[0]).toBe("https://agents.example/jwks.json");
    });

    it("answers an unknown kid with nothing, refetching at most once per cooldown", async () => {
      const fetch = vi.fn(async () => jsonResponse(await exportJwks([keyA])));
      const keys = remoteJwksKeyResolver("https://agents.example/jwks.json", { issuers: [ISSUER_A], fetch });
      expect(await keys.resolve(lookup("key-a"))).toBeDefined();
      expect(await keys.resolve(lookup("rotated"))).toBeUndefined();
      expect(await keys.resolve(lookup("rotated"))).toBeUndefined();
      expect(fetch).toHaveBeenCalledTimes(1);
      const eager = vi.fn(async () => jsonResponse(await exportJwks([keyA])));
      const noCooldown = remoteJwksKeyResolver("https://agents.example/jwks.json", {
        issuers: [ISSUER_A],
        fetch: eager,
        cooldownDuration: 0,
      });
      await noCooldown.resolve(lookup("key-a"));
      await noCooldown.resolve(lookup("rotated"));
      expect(eager).toHaveBeenCalledTimes(2);
    });

    it("picks up a rotated key on reload", async () => {
      let set = await exportJwks([keyA]);
      const keys = remoteJwksKeyResolver("https://agents.example/jwks.json", {
        issuers: [ISSUER_A],
        fetch: async () => jsonResponse(set),
      });
      expect(await keys.resolve(lookup("key-b"))).toBeUndefined();
      set = await exportJwks([keyA, keyB]);
      await keys.reload();
      expect(await keys.resolve(lookup("key-b"))).toBeDefined();
    });

    it("refuses with ECT_KEY_RESOLUTION_FAILED on HTTP errors, bad JSON, timeouts and ambiguous kids", async () => {
      const jwk = await exportPublicJwk(keyA);
      const failures: [string, Parameters<typeof remoteJwksKeyResolver>[1]["fetch"]][] = [
        ["500", async () => jsonResponse({}, 500)],
        ["not json", async () => new Response("<html>", { status: 200 })],
        ["not a set", async () => jsonResponse({ keys: "x" })],
        ["network", async () => Promise.reject(new TypeError("fetch failed"))],
        ["two keys one kid", async () => jsonResponse({ keys: [jwk, { ...jwk }] })],
        [
          "timeout",
          (_url, { signal }) =>
            new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
        ],
      ];
      for (const [name, fetch] of failures) {
        const keys = remoteJwksKeyResolver("https://agents.example/jwks.json", {
          issuers: [ISSUER_A],
          fetch: fetch!,
          timeoutDuration: 50,
        });
        const err = await expectCode(verifier(keys).verify(await tokenBy(keyA)), "ECT_KEY_RESOLUTION_FAILED");
        expect(err.message, name).toBeTruthy();
      }
    });

    it("refuses private members of the fetched set", async () => {
      const privateJwk = await exportPrivateJwk(
        await generateEctKeyPair({ extractable: true, kid: "key-a" }),
      );
      const keys = remoteJwksKeyResolver("https://agents.example/jwks.json", {
        issuers: [ISSUER_A],
        fetch: async () => jsonResponse({ keys: [privateJwk] }),
      });
      await expectCode(keys.resolve(lookup("key-a")), "ECT_KEY_RESOLUTION_FAILED");
    });

    it("refuses http: URLs unless allowed, and invalid options", () => {
      expectConfigErrorSync(
        () => remoteJwksKeyResolver("http://agents.example/jwks", { issuers: [ISSUER_A] }),
        "url",
      );
      expectConfigErrorSync(
        () => remoteJwksKeyResolver("file:///etc/passwd", { issuers: [ISSUER_A] }),
        "url",
      );
      expectConfigErrorSync(() => remoteJwksKeyResolver("not a url", { issuers: [ISSUER_A] }), "url");
      expectConfigErrorSync(() => remoteJwksKeyResolver("https://a.example/", { issuers: [] }), "issuers");
      expectConfigErrorSync(
        () => remoteJwksKeyResolver("https://a.example/", { issuers: [ISSUER_A], timeoutDuration: -1 }),
        "timeoutDuration",
      );
      expectConfigErrorSync(
        () =>
          remoteJwksKeyResolver("https://a.example/", { issuers: [ISSUER_A], cacheMaxAge: "1h" as never }),
        "cacheMaxAge",
      );
      expectConfigErrorSync(
        () => remoteJwksKeyResolver("https://a.example/", { issuers: [ISSUER_A], fetch: {} as never }),
        "fetch",
      );
      expectConfigErrorSync(
        () => remoteJwksKeyResolver("https://a.example/", { issuers: [ISSUER_A], cacheMaxage: 5 } as never),
        "cacheMaxage",
      );
    });

    it("fetches over real HTTP (loopback, allowInsecureHttp)", async () => {
      const body = JSON.stringify(await exportJwks([keyA]));
      let requests = 0;
      const server = createServer((_req, res) => {
        requests++;
        res.writeHead(200, { "content-type": "application/json" }).end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const keys = remoteJwksKeyResolver(`http://127.0.0.1:${port}/jwks.json`, {
          issuers: [ISSUER_A],
          allowInsecureHttp: true,
        });
        await expect(verifier(keys).verify(await tokenBy(keyA))).resolves.toBeDefined();
        expect(requests).toBe(1);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe("combineKeyResolvers", () => {
    it("returns the first key found and fails closed on an error", async () => {
      const a = jwksKeyResolver(await exportJwks([keyA]), { issuers: [ISSUER_A] });
      const b = jwksKeyResolver(await exportJwks([keyB]), { issuers: [ISSUER_B] });
      const keys = combineKeyResolvers([a, b]);
      await expect(verifier(keys).verify(await tokenBy(keyA))).resolves.toBeDefined();
      await expect(verifier(keys).verify(await tokenBy(keyB, ISSUER_B))).resolves.toBeDefined();
      await expectCode(verifier(keys).verify(await tokenBy(keyB)), "ECT_KEY_NOT_FOUND");
      const failing = combineKeyResolvers<CryptoKey | JWK>([
        {
          resolve: async () => {
            throw new Error("down");
          },
        },
        a,
      ]);
      await expectCode(verifier(failing).verify(await tokenBy(keyA)), "ECT_KEY_RESOLUTION_FAILED");
      expectConfigErrorSync(() => combineKeyResolvers([]), "resolvers");
      expectConfigErrorSync(() => combineKeyResolvers([a, {} as never]), "resolvers[1]");
    });
  });
});
