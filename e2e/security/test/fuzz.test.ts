/**
 * Fuzzing with fast-check through the public APIs: mutated tokens are never accepted (unless the
 * mutation is a semantic no-op re-signed by the issuer), and nothing ever throws anything but an
 * EctError with a stable code: verify, decodeEct, parseExecutionContextHeader, ledger append and
 * JSON Lines import.
 */
import { decodeEct, type EctErrorCode, isEctError, parseExecutionContextHeader } from "ect-core";
import {
  base64urlDecode,
  base64urlEncode,
  base64urlEncodeText,
  isCanonicalBase64url,
  isEctErrorCode,
} from "ect-core/internal";
import { exportLedgerJsonl, importLedgerJsonl } from "ect-ledger";
import { MemoryLedger } from "ect-ledger-memory";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  C,
  claimsTextOf,
  expectRefused,
  headerText,
  ISS_B,
  keyPair,
  makeWorld,
  mint,
  randomUUID,
  refusalCode,
  segments,
  signRaw,
  T0_MS,
  type World,
  withClaimsText,
} from "./support/world.js";

const NUM_RUNS = 250;
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split("");
const HOSTILE = [
  ".",
  "=",
  "+",
  "/",
  " ",
  "\t",
  "\n",
  "\r",
  "%",
  ",",
  '"',
  "\u00e9",
  "\u0000",
  "\ufeff",
  "\u{1f511}",
];

/** What may refuse a token whose HEADER segment was tampered with: never a claim rule. */
const HEADER_CODES = new Set<EctErrorCode>([
  C.MALFORMED,
  C.BASE64URL_INVALID,
  C.JSON_INVALID,
  C.JSON_NOT_OBJECT,
  C.JSON_DUPLICATE_MEMBER,
  C.JSON_TOO_DEEP,
  C.FORBIDDEN_MEMBER_NAME,
  C.ALG_NOT_ALLOWED,
  C.TYP_INVALID,
  C.KID_INVALID,
  C.HEADER_MEMBER_FORBIDDEN,
  C.KEY_NOT_FOUND,
  C.SIGNATURE_INVALID,
]);
/** What may refuse a token whose CLAIMS segment was tampered with: the signature is checked before the claim rules. */
const CLAIMS_CODES = new Set<EctErrorCode>([
  C.MALFORMED,
  C.BASE64URL_INVALID,
  C.JSON_INVALID,
  C.JSON_NOT_OBJECT,
  C.JSON_DUPLICATE_MEMBER,
  C.JSON_TOO_DEEP,
  C.FORBIDDEN_MEMBER_NAME,
  C.CLAIM_MISSING, // iss, needed for key resolution
  C.ISS_INVALID,
  C.KEY_NOT_FOUND,
  C.SIGNATURE_INVALID,
]);
const SIGNATURE_CODES = new Set<EctErrorCode>([C.MALFORMED, C.BASE64URL_INVALID, C.SIGNATURE_INVALID]);
const CODES_BY_SEGMENT = [HEADER_CODES, CLAIMS_CODES, SIGNATURE_CODES] as const;

type Edit = { op: "flip" | "insert" | "delete"; pos: number; ch: string };
const editArb: fc.Arbitrary<Edit> = fc.record({
  op: fc.constantFrom("flip" as const, "insert" as const, "delete" as const),
  pos: fc.nat(),
  ch: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...B64URL) },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE) },
  ),
});

function applyEdits(segment: string, edits: readonly Edit[]): string {
  let s = segment;
  for (const { op, pos, ch } of edits) {
    const at = s.length === 0 ? 0 : pos % (op === "insert" ? s.length + 1 : s.length);
    if (op === "flip") s = s.slice(0, at) + ch + s.slice(at + 1);
    else if (op === "insert") s = s.slice(0, at) + ch + s.slice(at);
    else s = s.slice(0, at) + s.slice(at + 1);
  }
  return s;
}

let w: World;
let pool: string[];

beforeAll(async () => {
  w = await makeWorld();
  pool = [
    await mint(w.keyA),
    await mint(w.keyA, {
      wid: randomUUID(),
      pred: [randomUUID()],
      aud: ["x", "spiffe://example.org/verifier"],
    }),
    await mint(w.keyB, { iss: ISS_B, ect_ext: { pol: "p", pol_decision: "approved" } }),
  ];
});

/** Verifies with a fresh verifier (no replay state) and returns "accepted" or the refusal code. */
async function outcome(token: unknown): Promise<string> {
  const result = await w.verifier({ algorithms: ["ES256"] }).safeVerify(token as string);
  if (result.ok) return "accepted";
  expect(isEctErrorCode(result.error.code)).toBe(true);
  return result.error.code;
}

describe("mutated tokens", () => {
  it("the pool itself is accepted (so every refusal below is the mutation's doing)", async () => {
    for (const t of pool) expect(await outcome(t)).toBe("accepted");
  });

  it("character flips, insertions and deletions in one segment are refused with a code of that segment's step", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.integer({ min: 0, max: 2 }),
        fc.array(editArb, { minLength: 1, maxLength: 4 }),
        async (which, seg, edits) => {
          const original = pool[which % pool.length]!;
          const parts = segments(original);
          parts[seg] = applyEdits(parts[seg]!, edits);
          const mutated = parts.join(".");
          fc.pre(mutated !== original);
          const code = await outcome(mutated);
          expect(code).not.toBe("accepted");
          expect([...CODES_BY_SEGMENT[seg]!]).toContain(code);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("edits anywhere in the whole string (dots included) never produce an acceptance or a foreign error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(editArb, { minLength: 1, maxLength: 6 }), async (which, edits) => {
        const original = pool[which % pool.length]!;
        const mutated = applyEdits(original, edits);
        fc.pre(mutated !== original);
        const code = await outcome(mutated);
        expect(code).not.toBe("accepted");
        expect(code).not.toBe(C.REPLAY);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("segments swapped between valid tokens are refused (key not found or signature invalid)", async () => {
    const more = [...pool, await mint(w.keyA), await mint(w.keyB, { iss: ISS_B })];
    const split = more.map(segments);
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), fc.nat(), async (i, j, k) => {
        const token = `${split[i % split.length]![0]}.${split[j % split.length]![1]}.${split[k % split.length]![2]}`;
        fc.pre(!more.includes(token));
        expect([C.KEY_NOT_FOUND, C.SIGNATURE_INVALID]).toContain(await outcome(token));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("one claim changed and re-signed by an attacker key: under the victim's kid the signature fails, under its own kid no key is found", async () => {
    const attacker = await keyPair("ES256", "key-a"); // same kid as issuer A, other key
    const original = JSON.parse(claimsTextOf(pool[0]!));
    const changes: [string, unknown][] = [
      ["exec_act", "transfer-all-funds"],
      ["aud", ["spiffe://example.org/verifier", "spiffe://evil"]],
      ["exp", original.exp + 3600],
      ["jti", randomUUID()],
      ["pred", [randomUUID()]],
      ["wid", randomUUID()],
      ["ect_ext", { pol: "p", pol_decision: "approved" }],
      ["iss", ISS_B],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...changes), fc.boolean(), async ([claim, value], ownKid) => {
        const claims = JSON.stringify({ ...original, [claim]: value });
        const kid = ownKid ? "attacker" : claim === "iss" ? "key-b" : "key-a";
        const token = await signRaw(headerText({ alg: "ES256", kid }), claims, attacker);
        expect(await outcome(token)).toBe(ownKid ? C.KEY_NOT_FOUND : C.SIGNATURE_INVALID);
      }),
      { numRuns: 60 },
    );
  });
});

/** A claims text re-encoding: whitespace, \u escapes, member order, optionally a BOM or a duplicate. */
type Recipe = {
  ws: number[];
  escapes: number[];
  reorder: boolean;
  bom: boolean;
  duplicate: number | undefined;
};
const recipeArb: fc.Arbitrary<Recipe> = fc.record({
  ws: fc.array(fc.nat(), { maxLength: 6 }),
  escapes: fc.array(fc.nat(), { maxLength: 6 }),
  reorder: fc.boolean(),
  bom: fc.boolean(),
  duplicate: fc.option(fc.nat(), { nil: undefined }),
});

function reencode(claims: Record<string, unknown>, r: Recipe): string {
  let entries = Object.entries(claims);
  if (r.reorder) entries = entries.reverse();
  const parts = entries.map(([k, v]) => {
    // escape some characters of string values (never of member names here)
    let value = JSON.stringify(v);
    if (typeof v === "string" && r.escapes.length > 0) {
      const chars = [...v];
      const escaped = new Set(r.escapes.map((e) => e % chars.length));
      value = `"${chars
        .map((ch, i) =>
          escaped.has(i)
            ? `\\u${ch.codePointAt(0)!.toString(16).padStart(4, "0")}`
            : JSON.stringify(ch).slice(1, -1),
        )
        .join("")}"`;
    }
    return `${JSON.stringify(k)}:${value}`;
  });
  if (r.duplicate !== undefined) parts.push(parts[r.duplicate % parts.length]!);
  const pads = [" ", "\n", "\t", "\r\n", "  "];
  const text = parts
    .map((p, i) => (r.ws.includes(i) ? `${pads[i % pads.length]}${p}${pads[(i + 1) % pads.length]}` : p))
    .join(",");
  return `${r.bom ? "\ufeff" : ""}{${text}}`;
}

describe("JSON re-encodings", () => {
  it("without a new signature: BOM -> JSON_INVALID, duplicate -> JSON_DUPLICATE_MEMBER, anything else -> SIGNATURE_INVALID", async () => {
    const original = pool[1]!;
    const claims = JSON.parse(claimsTextOf(original));
    await fc.assert(
      fc.asyncProperty(recipeArb, async (r) => {
        const text = reencode(claims, r);
        fc.pre(text !== claimsTextOf(original));
        const expected = r.bom
          ? C.JSON_INVALID
          : r.duplicate !== undefined
            ? C.JSON_DUPLICATE_MEMBER
            : C.SIGNATURE_INVALID;
        expect(await outcome(withClaimsText(original, text))).toBe(expected);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("re-signed by the issuer: a semantic no-op is accepted as the same task (and replays the original); BOM and duplicates never are", async () => {
    const original = pool[1]!;
    const claims = JSON.parse(claimsTextOf(original));
    await fc.assert(
      fc.asyncProperty(recipeArb, async (r) => {
        const token = await signRaw(headerText(w.keyA), reencode(claims, r), w.keyA);
        const v = w.verifier();
        const result = await v.safeVerify(token);
        if (r.bom) expect(result.ok ? "accepted" : result.error.code).toBe(C.JSON_INVALID);
        else if (r.duplicate !== undefined)
          expect(result.ok ? "accepted" : result.error.code).toBe(C.JSON_DUPLICATE_MEMBER);
        else {
          expect(result.ok && result.value.claims).toEqual(claims);
          await expectRefused(v.verify(original), C.REPLAY);
        }
      }),
      { numRuns: 120 },
    );
  });
});

/** Strings shaped like tokens: segments of base64url of random JSON or bytes, joined by dots. */
const tokenishArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(...B64URL, ".", "="), maxLength: 200 }),
  fc
    .tuple(fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 }), fc.uint8Array({ maxLength: 80 }))
    .map(
      ([h, p, s]) =>
        `${base64urlEncodeText(JSON.stringify(h))}.${base64urlEncodeText(JSON.stringify(p))}.${base64urlEncode(s)}`,
    ),
  fc.jsonValue({ maxDepth: 4 }).map((p) => base64urlEncodeText(JSON.stringify(p))),
  fc.anything({ maxDepth: 2 }),
);

describe("nothing but EctErrors", () => {
  it("decodeEct (both minimum levels) returns or throws an EctError with a stable code", () => {
    fc.assert(
      fc.property(tokenishArb, fc.constantFrom(1 as const, 2 as const), (input, minLevel) => {
        try {
          decodeEct(input, { minLevel });
        } catch (error) {
          expect(isEctError(error)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("base64urlDecode accepts exactly the canonical strings and round-trips them (native and portable paths agree)", () => {
    const segmentArb = fc.oneof(
      fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 40 }),
      fc.string({
        unit: fc.constantFrom(...B64URL, "=", "+", "/", " ", "\n", "\u00e9", "\ud800", "."),
        maxLength: 40,
      }),
      fc.uint8Array({ maxLength: 40 }).map((b) => base64urlEncode(b)),
    );
    fc.assert(
      fc.property(segmentArb, (segment) => {
        let decoded: Uint8Array | undefined;
        try {
          decoded = base64urlDecode(segment);
        } catch (error) {
          expect(isEctError(error) && error.code).toBe(C.BASE64URL_INVALID);
        }
        expect(decoded !== undefined).toBe(isCanonicalBase64url(segment));
        if (decoded !== undefined) expect(base64urlEncode(decoded)).toBe(segment);
      }),
      { numRuns: 2000 },
    );
  });

  it("safeVerify never throws and never accepts garbage", async () => {
    await fc.assert(
      fc.asyncProperty(tokenishArb, async (input) => {
        expect(await outcome(input)).not.toBe("accepted");
      }),
      { numRuns: 500 },
    );
  });

  it("parseExecutionContextHeader returns compact tokens or throws ECT_HEADER_INVALID", () => {
    const lineArb = fc.oneof(
      fc.string({ unit: "binary", maxLength: 120 }),
      fc
        .array(
          fc.oneof(
            fc.constantFrom(...pool),
            fc.string({ unit: fc.constantFrom(...B64URL, ".", ",", " ", "\t", ";", '"') }),
          ),
          {
            maxLength: 20,
          },
        )
        .map((xs) => xs.join(",")),
    );
    fc.assert(
      fc.property(
        fc.oneof(lineArb, fc.array(lineArb, { maxLength: 4 }), fc.array(fc.anything(), { maxLength: 3 })),
        (value) => {
          try {
            const tokens = parseExecutionContextHeader(value as string[]);
            expect(tokens.length).toBeLessThanOrEqual(16);
            for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)?$/);
          } catch (error) {
            expect(isEctError(error) && error.code).toBe(C.HEADER_INVALID);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("MemoryLedger.append refuses garbage with an EctError and writes nothing", async () => {
    const ledger = new MemoryLedger();
    await fc.assert(
      fc.asyncProperty(tokenishArb, async (input) => {
        await refusalCode(ledger.append(input as string, { now: T0_MS }));
        expect(await ledger.size()).toBe(0);
      }),
      { numRuns: 500 },
    );
    expect(await ledger.conflicts()).toEqual([]);
  });
});

describe("JSON Lines import of tampered exports", () => {
  let lines: string[];
  beforeAll(async () => {
    const source = new MemoryLedger();
    const wid = randomUUID();
    let pred: string[] = [];
    for (let i = 0; i < 5; i++) {
      const token = await mint(w.keyA, { wid, pred, exec_act: `step-${i}` });
      await source.append(token, { now: T0_MS + i });
      pred = [JSON.parse(claimsTextOf(token)).jti];
    }
    await source.integrate();
    lines = [];
    for await (const line of exportLedgerJsonl(source)) lines.push(line);
  });

  const garbageArb = fc.oneof(
    fc.string({ unit: "binary", maxLength: 100 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.constantFrom("{}", "[]", "null", '{"seq":1}', "\ufeff{}", '{"__proto__":{}}'),
  );

  it("a garbage line anywhere (inserted or replacing one) fails the whole import: nothing is stored", async () => {
    await fc.assert(
      fc.asyncProperty(garbageArb, fc.nat(), fc.boolean(), async (garbage, at, replace) => {
        fc.pre(garbage.trim() !== ""); // blank lines are skipped by design
        const mutated = [...lines];
        mutated.splice(at % (lines.length + (replace ? 0 : 1)), replace ? 1 : 0, garbage);
        const ledger = new MemoryLedger();
        expect(await refusalCode(importLedgerJsonl(ledger, mutated))).toBe(C.LEDGER_IMPORT_INVALID);
        expect(await ledger.size()).toBe(0);
        // and the ledger is still usable afterwards
        expect((await importLedgerJsonl(ledger, lines)).entries).toBe(5);
      }),
      { numRuns: 200 },
    );
  });

  it("character edits of one line: refused, or accepted only when they change nothing stored", async () => {
    let noOps = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(editArb, { minLength: 1, maxLength: 3 }), async (which, edits) => {
        const i = which % lines.length;
        const mutated = [...lines];
        mutated[i] = applyEdits(lines[i]!, edits);
        fc.pre(mutated[i] !== lines[i]);
        const ledger = new MemoryLedger();
        const result = await importLedgerJsonl(ledger, mutated).then(
          () => "imported",
          (error: unknown) => (isEctError(error) ? error.code : "foreign"),
        );
        if (result === "imported") {
          // profile §7: the leaf covers the token, ingestedAt and WIT, and checkpoints cover the
          // leaves: an accepted edit can only be one that changes nothing (e.g. JSON spacing).
          const exported: string[] = [];
          for await (const line of exportLedgerJsonl(ledger)) exported.push(line);
          expect(exported).toEqual(lines);
          noOps++;
        } else {
          expect(result).toBe(C.LEDGER_IMPORT_INVALID);
          expect(await ledger.size()).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
    expect(noOps).toBeLessThan(300);
  });
});
