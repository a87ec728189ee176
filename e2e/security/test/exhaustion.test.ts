/**
 * Resource exhaustion (SPEC 4, 5.1-5.3, 3): oversized and pathological inputs fail fast with their
 * own code at every entrance (verifier, decoder, ledger append, JSON Lines import, HTTP), never with
 * a stack overflow, and never after touching a key resolver or a store.
 */
import { decodeEct, type EctStore } from "ect-core";
import { base64urlEncodeText } from "ect-core/internal";
import { createEct, createEctVerifier, staticKeyResolver } from "ect-crypto";
import { dagCheck } from "ect-dag";
import { verifyExecutionContext } from "ect-http";
import { importLedgerJsonl, LEDGER_EXPORT_FORMAT } from "ect-ledger";
import { MemoryLedger } from "ect-ledger-memory";
import { beforeAll, describe, expect, it } from "vitest";
import {
  C,
  claimsOf,
  expectRefused,
  fixedClock,
  headerText,
  ISS_A,
  makeWorld,
  mint,
  randomUUID,
  refusalCode,
  signRaw,
  T0_MS,
  VERIFIER_ID,
  type World,
} from "./support/world.js";

const MAX = 1_048_576; // the largest maxTokenLength SPEC 4 allows
let w: World;
let resolverCalls = 0;
let storeCalls = 0;

/** A store that counts every lookup (and holds nothing). */
const countingStore: EctStore = {
  async getEct() {
    storeCalls++;
    return undefined;
  },
  async findEctByJti() {
    storeCalls++;
    return undefined;
  },
};

beforeAll(async () => {
  w = await makeWorld();
});

function countingVerifier(config: Record<string, number> = {}, withDag = false) {
  const inner = staticKeyResolver([{ iss: ISS_A, key: w.keyA }]);
  return createEctVerifier({
    verifierId: VERIFIER_ID,
    clock: fixedClock(),
    config,
    keys: {
      resolve: (lookup) => {
        resolverCalls++;
        return inner.resolve(lookup);
      },
    },
    checks: withDag ? [dagCheck({ store: countingStore })] : [],
  });
}

describe("2 MB of dots and other long strings", () => {
  const dots = ".".repeat(2 * 1024 * 1024);

  it("are refused with ECT_TOKEN_TOO_LONG by the verifier (even at the largest limit) and the ledger, with no key looked up", async () => {
    resolverCalls = 0;
    await expectRefused(countingVerifier().verify(dots), C.TOKEN_TOO_LONG);
    await expectRefused(countingVerifier({ maxTokenLength: MAX }).verify(dots), C.TOKEN_TOO_LONG);
    expect(resolverCalls).toBe(0);
    await expectRefused(new MemoryLedger().append(dots), C.TOKEN_TOO_LONG);
    await expectRefused(
      new MemoryLedger({ maxTokenLength: MAX }).append(`${"A".repeat(MAX)}.b.c`),
      C.TOKEN_TOO_LONG,
    );
  });

  it("are refused as an import line and as a header value", async () => {
    const ledger = new MemoryLedger();
    await expectRefused(importLedgerJsonl(ledger, [dots]), C.LEDGER_IMPORT_INVALID);
    await expectRefused(importLedgerJsonl(ledger, ["[".repeat(2 * 1024 * 1024)]), C.LEDGER_IMPORT_INVALID);
    const header = JSON.stringify({ format: LEDGER_EXPORT_FORMAT, origin: ledger.origin, vkey: null });
    const line = JSON.stringify({
      type: "entry",
      index: 0,
      token: dots,
      ingestedAt: 0,
      wit: null,
      leafHash: "0".repeat(64),
    });
    await expectRefused(importLedgerJsonl(ledger, [header, line]), C.LEDGER_IMPORT_INVALID);
    expect(await ledger.size()).toBe(0);
    const result = await verifyExecutionContext({
      verifier: countingVerifier(),
      header: dots,
      body: new Uint8Array(),
    });
    expect(!result.ok && result.error.code).toBe(C.HEADER_INVALID);
  });
});

describe("nesting 10000 deep inside validly encoded, validly signed segments", () => {
  const deepArray = `{"iss":"${ISS_A}","x":${"[".repeat(10_000)}${"]".repeat(10_000)}}`;
  const deepObject = `{"iss":"${ISS_A}","x":${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}}`;

  it.each([
    ["arrays in the claims", deepArray, "claims"],
    ["objects in the claims", deepObject, "claims"],
    ["objects in the header", deepObject, "header"],
  ])(
    "%s: ECT_JSON_TOO_DEEP at every entrance, no stack overflow, no key looked up",
    async (_label, deep, where) => {
      const token =
        where === "claims"
          ? await signRaw(headerText(w.keyA), deep, w.keyA)
          : await signRaw(
              deep.replace(`"iss":"${ISS_A}"`, '"alg":"ES256"'),
              JSON.stringify(claimsOf()),
              w.keyA,
            );
      expect(token.length).toBeLessThan(MAX);
      resolverCalls = 0;
      await expectRefused(countingVerifier({ maxTokenLength: MAX }).verify(token), C.JSON_TOO_DEEP);
      expect(resolverCalls).toBe(0);
      expect(() => decodeEct(token, { maxTokenLength: MAX, maxDepth: 1000 })).toThrowError(
        expect.objectContaining({ code: C.JSON_TOO_DEEP }),
      );
      await expectRefused(new MemoryLedger({ maxTokenLength: MAX }).append(token), C.JSON_TOO_DEEP);
      // The same depth as an L1 token through a verifier that accepts L1.
      const l1 = base64urlEncodeText(deep);
      const v = createEctVerifier({
        verifierId: VERIFIER_ID,
        keys: w.keys,
        minLevel: 1,
        config: { maxTokenLength: MAX },
      });
      await expectRefused(v.verify(l1), C.JSON_TOO_DEEP);
    },
  );

  it("an import line nested 10000 deep is refused as an import error", async () => {
    const ledger = new MemoryLedger();
    await expectRefused(
      importLedgerJsonl(ledger, [`{"seq":${"[".repeat(10_000)}${"]".repeat(10_000)}}`]),
      C.LEDGER_IMPORT_INVALID,
    );
  });
});

describe("huge pred lists", () => {
  const preds = (n: number) => Array.from({ length: n }, () => randomUUID());

  it("100000 predecessors do not fit even the largest token: refused by createEct and by the verifier", async () => {
    const claims = claimsOf({ pred: preds(100_000) });
    const config = { maxTokenLength: MAX, maxPredLength: 0 };
    await expect(createEct(claims as never, w.keyA, { clock: fixedClock(), config })).rejects.toMatchObject({
      code: C.TOKEN_TOO_LONG,
    });
    const forged = await signRaw(headerText(w.keyA), JSON.stringify(claims), w.keyA);
    await expectRefused(countingVerifier(config).verify(forged), C.TOKEN_TOO_LONG);
  });

  it("15000 predecessors within the largest token: PRED_INVALID before any store lookup by default", async () => {
    const token = await createEct(claimsOf({ pred: preds(15_000) }) as never, w.keyA, {
      clock: fixedClock(),
      config: { maxTokenLength: MAX, maxPredLength: 0 },
    });
    storeCalls = 0;
    await expectRefused(countingVerifier({ maxTokenLength: MAX }, true).verify(token), C.PRED_INVALID);
    await expectRefused(new MemoryLedger({ maxTokenLength: MAX }).append(token), C.PRED_INVALID);
    expect(storeCalls).toBe(0);
    // Allowed explicitly, the DAG check reports every missing predecessor and the token is refused.
    const code = await countingVerifier({ maxTokenLength: MAX, maxPredLength: 0 }, true)
      .verify(token)
      .then(
        () => "accepted",
        (e: { code: string; details: { code: string }[] }) => [
          e.code,
          e.details.filter((d) => d.code === C.DAG_PRED_MISSING).length,
          e.details.filter((d) => d.code !== C.DAG_PRED_MISSING).map((d) => d.code),
        ],
      );
    // ... and, since missing ancestors count against maxTraversal (10000), the walk fails closed too.
    expect(code).toEqual([C.DAG_PRED_MISSING, 15_000, [C.DAG_TRAVERSAL_LIMIT]]);
  });

  it("a pred list naming one UUID twice in different cases is a claim-rule refusal", async () => {
    const p = randomUUID();
    const token = await signRaw(
      headerText(w.keyA),
      JSON.stringify(claimsOf({ pred: [p, p.toUpperCase()] })),
      w.keyA,
    );
    await expectRefused(countingVerifier().verify(token), C.PRED_INVALID);
  });
});

describe("ect_ext size (4096 bytes) and other bloated claims", () => {
  /** An ect_ext whose JSON serialisation is exactly `bytes` long. */
  const extOf = (bytes: number, char = "x") => {
    const overhead = JSON.stringify({ pad: "" }).length;
    const width = new TextEncoder().encode(char).length;
    return {
      pad: char.repeat(Math.floor((bytes - overhead) / width)) + "x".repeat((bytes - overhead) % width),
    };
  };

  it("4096 bytes pass, 4097 bytes are ECT_EXT_INVALID (also when counted in multi-byte characters)", async () => {
    const v = () => w.verifier();
    expect(new TextEncoder().encode(JSON.stringify(extOf(4096))).length).toBe(4096);
    expect((await v().verify(await mint(w.keyA, { ect_ext: extOf(4096) }))).claims.ect_ext).toEqual(
      extOf(4096),
    );
    expect((await v().verify(await mint(w.keyA, { ect_ext: extOf(4096, "\u00e9") }))).level).toBe(2);
    for (const ext of [extOf(4097), extOf(4097, "\u00e9"), extOf(4097, "\u{1f511}")]) {
      expect(new TextEncoder().encode(JSON.stringify(ext)).length).toBe(4097);
      await expectRefused(
        v().verify(await signRaw(headerText(w.keyA), JSON.stringify(claimsOf({ ect_ext: ext })), w.keyA)),
        C.EXT_INVALID,
      );
      await expect(mint(w.keyA, { ect_ext: ext })).rejects.toMatchObject({ code: C.EXT_INVALID });
    }
  });

  it("the limit applies to the re-serialisation: a 4096-byte ect_ext written with \\u escapes (12 KB on the wire) passes", async () => {
    // SPEC 3 says "its UTF-8 JSON serialisation"; the library measures JSON.stringify of the
    // decoded value, so escapes on the wire do not count. The token length limit bounds the wire.
    const ext = extOf(4096, "\u00e9");
    const wire = JSON.stringify(claimsOf({ ect_ext: ext })).replace(/\u00e9/g, "\\u00e9");
    expect(wire.length).toBeGreaterThan(12_000);
    const v = w.verifier({ config: { maxTokenLength: 65_536 } });
    expect((await v.verify(await signRaw(headerText(w.keyA), wire, w.keyA))).claims.ect_ext).toEqual(ext);
  });

  it("a 100000-digit iat, a 500 KB exec_act and 10000 header members are refused with their codes", async () => {
    const v = countingVerifier({ maxTokenLength: MAX });
    const digits = JSON.stringify(claimsOf()).replace(/"iat":\d+/, `"iat":${"9".repeat(100_000)}`);
    // 100000 nines overflow to infinity: refused at decode, wherever a number sits (profile §5.3).
    await expectRefused(v.verify(await signRaw(headerText(w.keyA), digits, w.keyA)), C.JSON_INVALID);
    const act = JSON.stringify(claimsOf({ exec_act: "a".repeat(500_000) }));
    await expectRefused(v.verify(await signRaw(headerText(w.keyA), act, w.keyA)), C.EXEC_ACT_INVALID);
    const members = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`m${i}`, 1]));
    resolverCalls = 0;
    const e = await v
      .verify(await signRaw(headerText(w.keyA, members), JSON.stringify(claimsOf()), w.keyA))
      .catch((error: { code: string; details: unknown[] }) => error);
    expect([(e as { code: string }).code, (e as { details: unknown[] }).details.length]).toEqual([
      C.HEADER_MEMBER_FORBIDDEN,
      10_000,
    ]);
    expect(resolverCalls).toBe(0);
  });

  it("a duplicate member hidden behind 50000 others (and an escape) is still found", async () => {
    const members = Array.from({ length: 50_000 }, (_, i) => `"m${i}":0`).join(",");
    const text = `{"jti":"${randomUUID()}",${members},"\\u006ati":"${randomUUID()}"}`;
    const code = await refusalCode(
      countingVerifier({ maxTokenLength: MAX }).verify(await signRaw(headerText(w.keyA), text, w.keyA)),
    );
    expect(code).toBe(C.JSON_DUPLICATE_MEMBER);
  });
});

describe("conflict evidence is bounded by the tokens a verifier accepts", () => {
  it("re-sending one conflicting token 1000 times records one piece of evidence", async () => {
    const ledger = new MemoryLedger();
    const jti = randomUUID();
    await ledger.append(await mint(w.keyA, { jti }), { now: T0_MS });
    const rival = await mint(w.keyA, { jti, exec_act: "rival" });
    for (let i = 0; i < 1000; i++)
      expect((await ledger.append(rival, { now: T0_MS + i })).status).toBe("conflict");
    expect(await ledger.conflicts()).toHaveLength(1);
  });
});
