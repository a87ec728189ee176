// SPEC 5 order, time (5.8), checks (5.9), replay (5.10), ledger (5.12), levels (SPEC 1) and the
// verifier's configuration rules (SPEC 2, 4).
import {
  type AppendResult,
  EctConfigError,
  EctError,
  type Ledger,
  type LedgerEntry,
  type LedgerReceipt,
  type VerificationContext,
} from "ect-core";
import { replayRecordExpiry } from "ect-core/internal";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createEct,
  createEctVerifier,
  MemoryReplayCache,
  safeVerifyEct,
  signatureBackendName,
  staticKeyResolver,
  verifyEct,
} from "../src/index.js";
import {
  claimsFor,
  expectCode,
  expectConfigError,
  expectConfigErrorSync,
  fixedClock,
  fullClaims,
  handBuilt,
  ISSUER_A,
  makeWorld,
  NOW_MS,
  NOW_S,
  spyReplayCache,
  VERIFIER,
  type World,
} from "./support/fixtures.js";

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});

const receipt = (jti: string): LedgerReceipt => ({
  index: 0,
  leafHash: "0".repeat(64),
  ingestedAt: NOW_MS,
  jti,
  wid: null,
});

/** A ledger answering every append with `answer` (only append is used by the verifier). */
function fakeLedger(
  answer: (token: string) => AppendResult | Promise<AppendResult>,
): Ledger & { appended: string[] } {
  const appended: string[] = [];
  return {
    appended,
    async append(token: string) {
      appended.push(token);
      return answer(token);
    },
  } as unknown as Ledger & { appended: string[] };
}

function jtiOf(token: string): string {
  const [, payload] = token.split(".");
  return JSON.parse(Buffer.from(payload ?? token, "base64url").toString("utf8")).jti;
}

describe(`verify pipeline [${signatureBackendName}]`, () => {
  describe("SPEC 5 order: the first failure ends it", () => {
    it("reports the header before the claims, the signature before the claims, aud before time", async () => {
      const badBoth = await handBuilt(world.keyA, {
        header: { alg: "ES256", typ: "JWT", kid: "key-a" },
        payload: fullClaims({ exec_act: "" }),
      });
      await expectCode(world.verifier().verify(badBoth), "ECT_TYP_INVALID");
      const badSigAndClaims = await handBuilt(world.keyA, {
        payload: fullClaims({ exec_act: "" }),
        signature: () => new Uint8Array(64),
      });
      await expectCode(world.verifier().verify(badSigAndClaims), "ECT_SIGNATURE_INVALID");
      const expiredAndForeign = await handBuilt(world.keyA, {
        payload: fullClaims({ aud: "spiffe://example.org/other", iat: NOW_S - 1200, exp: NOW_S - 600 }),
      });
      await expectCode(world.verifier().verify(expiredAndForeign), "ECT_AUD_MISMATCH");
    });

    it("reports the first claim violation and keeps all of them in details", async () => {
      const token = await handBuilt(world.keyA, { payload: fullClaims({ aud: "", jti: "x", exec_act: "" }) });
      const err = await expectCode(world.verifier().verify(token), "ECT_AUD_INVALID");
      expect(err.details.map((d) => d.code)).toEqual([
        "ECT_AUD_INVALID",
        "ECT_JTI_INVALID",
        "ECT_EXEC_ACT_INVALID",
      ]);
    });

    it("never reaches checks, replay cache or ledger for a refused token", async () => {
      const cache = spyReplayCache(new MemoryReplayCache({ capacity: 10 }));
      let checked = 0;
      const ledger = fakeLedger((t) => ({
        status: "appended",
        entry: {} as LedgerEntry,
        receipt: receipt(jtiOf(t)),
        unresolvedPredecessors: [],
      }));
      const verifier = world.verifier({ replayCache: cache, ledger, checks: [() => void checked++] });
      const expired = await handBuilt(world.keyA, {
        payload: fullClaims({ iat: NOW_S - 1200, exp: NOW_S - 600 }),
      });
      await expectCode(verifier.verify(expired), "ECT_EXPIRED");
      expect([checked, cache.calls, ledger.appended]).toEqual([0, [], []]);
    });
  });

  describe("SPEC 5.8 time, with an injected clock, at the exact boundaries", () => {
    const at = (ms: number) =>
      world.verifier({ clock: () => ms, allowNoReplayCheck: true, config: { jtiReplayCacheSize: 0 } });

    it("exp + skew > now: refused at equality, accepted one millisecond earlier", async () => {
      const token = await handBuilt(world.keyA, { payload: fullClaims({ iat: NOW_S - 600, exp: NOW_S }) });
      const boundary = (NOW_S + 30) * 1000;
      await expectCode(at(boundary).verify(token), "ECT_EXPIRED");
      await expectCode(at(boundary + 1).verify(token), "ECT_EXPIRED");
      await expect(at(boundary - 1).verify(token)).resolves.toMatchObject({ level: 2 });
    });

    it("iat <= now + maxFuture: accepted at equality, refused one millisecond later", async () => {
      const token = await handBuilt(world.keyA, {
        payload: fullClaims({ iat: NOW_S + 30, exp: NOW_S + 600 }),
      });
      await expect(at(NOW_MS).verify(token)).resolves.toMatchObject({ level: 2 });
      await expectCode(at(NOW_MS - 1).verify(token), "ECT_IAT_IN_FUTURE");
    });

    it("iat >= now - maxAge: accepted at equality, refused one millisecond later", async () => {
      const token = await handBuilt(world.keyA, {
        payload: fullClaims({ iat: NOW_S - 900, exp: NOW_S + 3600 }),
      });
      await expect(at(NOW_MS).verify(token)).resolves.toMatchObject({ level: 2 });
      await expectCode(at(NOW_MS + 1).verify(token), "ECT_IAT_TOO_OLD");
    });

    it("takes the limits from the config", async () => {
      const config = { clockSkewSec: 0, iatMaxFutureSec: 0, iatMaxAgeMinutes: 1, jtiReplayCacheSize: 0 };
      const v = (ms: number) => world.verifier({ clock: () => ms, config, allowNoReplayCheck: true });
      const expiring = await handBuilt(world.keyA, { payload: fullClaims({ iat: NOW_S - 10, exp: NOW_S }) });
      await expectCode(v(NOW_MS).verify(expiring), "ECT_EXPIRED");
      await expect(v(NOW_MS - 1).verify(expiring)).resolves.toBeDefined();
      const future = await handBuilt(world.keyA, { payload: fullClaims({ iat: NOW_S + 1 }) });
      await expectCode(v(NOW_MS).verify(future), "ECT_IAT_IN_FUTURE");
      const old = await handBuilt(world.keyA, { payload: fullClaims({ iat: NOW_S - 61, exp: NOW_S + 600 }) });
      await expectCode(v(NOW_MS).verify(old), "ECT_IAT_TOO_OLD");
    });

    it("nbf - skew <= now: accepted at equality, refused one millisecond earlier with ECT_NOT_YET_VALID", async () => {
      const token = await handBuilt(world.keyA, {
        payload: fullClaims({ iat: NOW_S, exp: NOW_S + 600, nbf: NOW_S + 60 }),
      });
      const boundary = (NOW_S + 60 - 30) * 1000;
      await expect(at(boundary).verify(token)).resolves.toMatchObject({ level: 2 });
      const refused = await expectCode(at(boundary - 1).verify(token), "ECT_NOT_YET_VALID");
      expect(refused.member).toBe("nbf");
      await expectCode(at(NOW_MS).verify(token), "ECT_NOT_YET_VALID");
    });

    it("a past or present nbf changes nothing, and the skew comes from the config", async () => {
      const past = await handBuilt(world.keyA, { payload: fullClaims({ nbf: NOW_S - 60 }) });
      await expect(at(NOW_MS).verify(past)).resolves.toMatchObject({ level: 2 });
      const soon = await handBuilt(world.keyA, { payload: fullClaims({ nbf: NOW_S + 1 }) });
      await expect(at(NOW_MS).verify(soon)).resolves.toMatchObject({ level: 2 });
      const strict = world.verifier({
        clock: fixedClock,
        config: { clockSkewSec: 0, jtiReplayCacheSize: 0 },
        allowNoReplayCheck: true,
      });
      await expectCode(strict.verify(soon), "ECT_NOT_YET_VALID");
    });

    it("checks the rules in the profile's order: exp, iat in the future, iat too old, nbf", async () => {
      const all = await handBuilt(world.keyA, {
        payload: fullClaims({ iat: NOW_S - 600, exp: NOW_S - 100, nbf: NOW_S + 3600 }),
      });
      await expectCode(at(NOW_MS).verify(all), "ECT_EXPIRED");
      const futureAndNbf = await handBuilt(world.keyA, {
        payload: fullClaims({ iat: NOW_S + 3600, exp: NOW_S + 7200, nbf: NOW_S + 3600 }),
      });
      await expectCode(at(NOW_MS).verify(futureAndNbf), "ECT_IAT_IN_FUTURE");
      const oldAndNbf = await handBuilt(world.keyA, {
        payload: fullClaims({ iat: NOW_S - 3600, exp: NOW_S + 7200, nbf: NOW_S + 3600 }),
      });
      await expectCode(at(NOW_MS).verify(oldAndNbf), "ECT_IAT_TOO_OLD");
    });

    it("throws EctConfigError, never a refusal, for a clock that does not return a finite number", async () => {
      const token = await world.token();
      const broken = world.verifier({ clock: () => Number.NaN });
      await expect(broken.verify(token)).rejects.toBeInstanceOf(EctConfigError);
      await expect(broken.safeVerify(token)).rejects.toMatchObject({ option: "clock" });
    });
  });

  describe("SPEC 5.9 extra checks", () => {
    it("passes the verified context and collects unresolved predecessors", async () => {
      const seen: VerificationContext[] = [];
      const parent = crypto.randomUUID();
      const verifier = world.verifier({
        checks: [
          (context) => {
            seen.push(context);
            return { unresolvedPredecessors: [parent] };
          },
          async () => undefined,
        ],
      });
      const token = await world.token({ pred: [parent] });
      const verified = await verifier.verify(token);
      expect(verified.unresolvedPredecessors).toEqual([parent]);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ token, level: 2, now: NOW_S, header: { kid: "key-a" } });
      expect(seen[0]!.claims.pred).toEqual([parent]);
    });

    it("keeps a check's EctError code and reports anything else as ECT_CHECK_FAILED", async () => {
      const token = await world.token();
      const dag = world.verifier({
        checks: [
          () => {
            throw new EctError("ECT_DAG_PRED_MISSING", "missing");
          },
        ],
      });
      await expectCode(dag.verify(token), "ECT_DAG_PRED_MISSING");
      const broken = world.verifier({
        checks: [
          async () => {
            throw new TypeError("bug");
          },
        ],
      });
      const err = await expectCode(broken.verify(token), "ECT_CHECK_FAILED");
      expect(err.cause).toBeInstanceOf(TypeError);
    });
  });

  describe("SPEC 5.10 replay", () => {
    it("refuses the second acceptance of a token with ECT_REPLAY", async () => {
      const verifier = world.verifier();
      const token = await world.token();
      await verifier.verify(token);
      await expectCode(verifier.verify(token), "ECT_REPLAY");
    });

    it("refuses a different token reusing a jti in the same wid scope, case-insensitively", async () => {
      const verifier = world.verifier();
      const jti = crypto.randomUUID();
      const wid = crypto.randomUUID();
      await verifier.verify(await world.token({ jti, wid }));
      await expectCode(
        verifier.verify(await world.token({ jti: jti.toUpperCase(), wid, exec_act: "other" })),
        "ECT_REPLAY",
      );
      await expectCode(verifier.verify(await world.token({ jti, wid: wid.toUpperCase() })), "ECT_REPLAY");
      // Another workflow scope, or none, is another identity.
      await expect(
        verifier.verify(await world.token({ jti, wid: crypto.randomUUID() })),
      ).resolves.toBeDefined();
      await expect(verifier.verify(await world.token({ jti }))).resolves.toBeDefined();
      await expectCode(verifier.verify(await world.token({ jti })), "ECT_REPLAY");
    });

    it("does not burn the jti of a token refused by a check: refused, then accepted", async () => {
      let refuse = true;
      const verifier = world.verifier({
        checks: [
          () => {
            if (refuse) throw new EctError("ECT_DAG_PRED_MISSING", "parent not there yet");
            return undefined;
          },
        ],
      });
      const token = await world.token();
      await expectCode(verifier.verify(token), "ECT_DAG_PRED_MISSING");
      refuse = false;
      await expect(verifier.verify(token)).resolves.toMatchObject({ level: 2 });
      await expectCode(verifier.verify(token), "ECT_REPLAY");
    });

    it("does not burn the jti of a token refused as too early: refused, then accepted when its time comes", async () => {
      let now = NOW_MS;
      const verifier = world.verifier({ clock: () => now });
      const token = await handBuilt(world.keyA, {
        payload: fullClaims({ iat: NOW_S + 60, exp: NOW_S + 600 }),
      });
      await expectCode(verifier.verify(token), "ECT_IAT_IN_FUTURE");
      now = NOW_MS + 60_000;
      await expect(verifier.verify(token)).resolves.toBeDefined();
    });

    it("records the pair only after every other check passed, with an expiry covering the token's life", async () => {
      const records: { expiresAt: number; now: number }[] = [];
      const inner = new MemoryReplayCache({ capacity: 10 });
      const verifier = world.verifier({
        replayCache: {
          async checkAndRecord(record) {
            records.push({ expiresAt: record.expiresAt, now: record.now });
            return inner.checkAndRecord(record);
          },
          release: (key) => inner.release(key),
        },
      });
      await verifier.verify(
        await handBuilt(world.keyA, { payload: fullClaims({ iat: NOW_S, exp: NOW_S + 3600 }) }),
      );
      // The token is acceptable until iat + maxAge = NOW + 900 inclusive (exp + skew is later).
      expect(records).toEqual([
        { expiresAt: Math.ceil(replayRecordExpiry({ iat: NOW_S, exp: NOW_S + 3600 }, NOW_S)), now: NOW_S },
      ]);
      expect(records[0]!.expiresAt).toBeGreaterThan(NOW_S + 900);
    });

    it("refuses with ECT_REPLAY_CACHE_UNAVAILABLE when the cache fails (fail closed)", async () => {
      const failing = {
        checkAndRecord: async () => {
          throw new Error("redis down");
        },
        release: async () => undefined,
      };
      await expectCode(
        world.verifier({ replayCache: failing }).verify(await world.token()),
        "ECT_REPLAY_CACHE_UNAVAILABLE",
      );
    });

    it("refuses with ECT_REPLAY_CACHE_UNAVAILABLE when the owned cache is full of live entries", async () => {
      const verifier = world.verifier({ config: { jtiReplayCacheSize: 2 } });
      await verifier.verify(await world.token());
      await verifier.verify(await world.token());
      await expectCode(verifier.verify(await world.token()), "ECT_REPLAY_CACHE_UNAVAILABLE");
      expect((verifier.replayCache as MemoryReplayCache).capacity).toBe(2);
    });

    it("shares one caller-supplied cache between verifier instances", async () => {
      const shared = new MemoryReplayCache({ capacity: 100 });
      const token = await world.token();
      await world.verifier({ replayCache: shared }).verify(token);
      await expectCode(world.verifier({ replayCache: shared }).verify(token), "ECT_REPLAY");
    });

    it("of two concurrent verifications of one token, exactly one succeeds", async () => {
      const verifier = world.verifier();
      const token = await world.token();
      const results = await Promise.all(Array.from({ length: 8 }, () => verifier.safeVerify(token)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.error.code)).toEqual(
        Array(7).fill("ECT_REPLAY"),
      );
    });
  });

  describe("SPEC 1 levels", () => {
    it("accepts an L1 token only with minLevel 1, applying every claim rule and replay", async () => {
      const unsigned = await createEct(claimsFor(), null, { level: 1, clock: fixedClock });
      expect(unsigned).not.toContain(".");
      await expectCode(world.verifier().verify(unsigned), "ECT_LEVEL_TOO_LOW");
      const lenient = world.verifier({ minLevel: 1 });
      const verified = await lenient.verify(unsigned);
      expect(verified).toMatchObject({ level: 1, header: undefined });
      await expectCode(lenient.verify(unsigned), "ECT_REPLAY");
      const badClaims = Buffer.from(JSON.stringify(fullClaims({ exec_act: "" }))).toString("base64url");
      await expectCode(lenient.verify(badClaims), "ECT_EXEC_ACT_INVALID");
      const foreign = Buffer.from(JSON.stringify(fullClaims({ aud: "someone-else" }))).toString("base64url");
      await expectCode(lenient.verify(foreign), "ECT_AUD_MISMATCH");
    });

    it("with minLevel 1 still verifies L2 tokens fully", async () => {
      const forged = await handBuilt(world.keyA, { signature: () => new Uint8Array(64) });
      await expectCode(world.verifier({ minLevel: 1 }).verify(forged), "ECT_SIGNATURE_INVALID");
    });

    it("with minLevel 3 refuses an L1 token and requires a ledger", async () => {
      const ledger = fakeLedger((t) => ({
        status: "appended",
        entry: {} as LedgerEntry,
        receipt: receipt(jtiOf(t)),
        unresolvedPredecessors: [],
      }));
      const unsigned = await createEct(claimsFor(), null, { level: 1, clock: fixedClock });
      await expectCode(world.verifier({ minLevel: 3, ledger }).verify(unsigned), "ECT_LEVEL_TOO_LOW");
      expect(() => world.verifier({ minLevel: 3 })).toThrow(
        expect.objectContaining({ code: "ECT_CONFIG_INVALID" }),
      );
      const verified = await world.verifier({ minLevel: 3, ledger }).verify(await world.token());
      expect(verified.level).toBe(3);
    });
  });

  describe("SPEC 5.12 ledger (L3)", () => {
    it("appends an accepted token and returns level 3 with the receipt", async () => {
      const parent = crypto.randomUUID();
      const ledger = fakeLedger((t) => ({
        status: "appended",
        entry: {} as LedgerEntry,
        receipt: receipt(jtiOf(t)),
        unresolvedPredecessors: [parent],
      }));
      const token = await world.token({ pred: [parent] });
      const verified = await world.verifier({ ledger }).verify(token);
      expect(verified.level).toBe(3);
      expect(verified.receipt).toEqual(receipt(jtiOf(token)));
      expect(verified.unresolvedPredecessors).toEqual([parent]);
      expect(ledger.appended).toEqual([token]);
    });

    it("refuses a conflict with ECT_LEDGER_CONFLICT and releases the replay record", async () => {
      let status: "conflict" | "appended" = "conflict";
      const ledger = fakeLedger((t) =>
        status === "conflict"
          ? ({ status, existing: { index: 7 } as LedgerEntry, evidence: {} } as unknown as AppendResult)
          : { status, entry: {} as LedgerEntry, receipt: receipt(jtiOf(t)), unresolvedPredecessors: [] },
      );
      const cache = spyReplayCache(new MemoryReplayCache({ capacity: 10 }));
      const verifier = world.verifier({ ledger, replayCache: cache });
      const token = await world.token();
      const jti = jtiOf(token);
      await expectCode(verifier.verify(token), "ECT_LEDGER_CONFLICT");
      expect(cache.calls).toEqual([`record:${jti}`, `release:${jti}`]);
      status = "appended";
      await expect(verifier.verify(token)).resolves.toMatchObject({ level: 3 });
    });

    it("refuses a rejected append with the first violation's code", async () => {
      const ledger = fakeLedger(() => ({
        status: "rejected",
        violations: [new EctError("ECT_DAG_CYCLE", "cycle"), new EctError("ECT_DAG_PRED_MISSING", "missing")],
      }));
      const err = await expectCode(world.verifier({ ledger }).verify(await world.token()), "ECT_DAG_CYCLE");
      expect(err.details).toHaveLength(2);
    });

    it("refuses a duplicate append with ECT_REPLAY", async () => {
      const ledger = fakeLedger((t) => ({
        status: "duplicate",
        entry: {} as LedgerEntry,
        receipt: receipt(jtiOf(t)),
      }));
      await expectCode(world.verifier({ ledger }).verify(await world.token()), "ECT_REPLAY");
    });

    it("refuses a failing ledger with ECT_LEDGER_APPEND_FAILED, keeping an EctError's own code, and releases", async () => {
      const cache = spyReplayCache(new MemoryReplayCache({ capacity: 10 }));
      const throwing = fakeLedger(() => {
        throw new Error("disk full");
      });
      const token = await world.token();
      await expectCode(
        world.verifier({ ledger: throwing, replayCache: cache }).verify(token),
        "ECT_LEDGER_APPEND_FAILED",
      );
      expect(cache.calls.at(-1)).toBe(`release:${jtiOf(token)}`);
      const down = fakeLedger(() => {
        throw new EctError("ECT_LEDGER_UNAVAILABLE", "connection refused");
      });
      await expectCode(
        world.verifier({ ledger: down, replayCache: cache }).verify(token),
        "ECT_LEDGER_UNAVAILABLE",
      );
      const weird = fakeLedger(() => ({ status: "other" }) as unknown as AppendResult);
      await expectCode(world.verifier({ ledger: weird }).verify(token), "ECT_LEDGER_APPEND_FAILED");
    });

    it("appends an accepted L1 token too, which stays level 1 (L3 is a signed token plus an append)", async () => {
      const ledger = fakeLedger((t) => ({
        status: "appended",
        entry: {} as LedgerEntry,
        receipt: receipt(jtiOf(t)),
        unresolvedPredecessors: [],
      }));
      const unsigned = await createEct(claimsFor(), null, { level: 1, clock: fixedClock });
      const verified = await world.verifier({ ledger, minLevel: 1 }).verify(unsigned);
      expect(verified.level).toBe(1);
      expect(verified.receipt?.jti).toBe(jtiOf(unsigned));
      expect(ledger.appended).toEqual([unsigned]);
    });

    it("passes the verifier's clock to the append", async () => {
      let options: unknown;
      const ledger = {
        async append(token: string, appendOptions: unknown) {
          options = appendOptions;
          return {
            status: "appended",
            entry: {},
            receipt: receipt(jtiOf(token)),
            unresolvedPredecessors: [],
          };
        },
      } as unknown as Ledger;
      await world.verifier({ ledger }).verify(await world.token());
      expect(options).toMatchObject({ now: NOW_MS });
    });

    it("hands the ledger the token decoded once: the verifier's own header and claims objects", async () => {
      let given: { decoded?: { token: string; header: unknown; claims: unknown } } | undefined;
      const ledger = {
        async append(token: string, appendOptions: typeof given) {
          given = appendOptions;
          return {
            status: "appended",
            entry: {},
            receipt: receipt(jtiOf(token)),
            unresolvedPredecessors: [],
          };
        },
      } as unknown as Ledger;
      const token = await world.token();
      const verified = await world.verifier({ ledger }).verify(token);
      expect(given?.decoded?.token).toBe(token);
      // The very objects the verifier validated: nothing was decoded a second time.
      expect(given?.decoded?.claims).toBe(verified.claims);
      expect(given?.decoded?.header).toBe(verified.header);
    });
  });

  describe("profile §6: the DAG rules run once at level 3", () => {
    const appendingLedger = (enforcesDagRules: boolean) =>
      Object.assign(
        fakeLedger((t) => ({
          status: "appended",
          entry: {} as LedgerEntry,
          receipt: receipt(jtiOf(t)),
          unresolvedPredecessors: [],
        })),
        { enforcesDagRules },
      );
    /** A check marked as running the DAG rules over `store`, counting its runs. */
    const dagRulesCheck = (store: object) => {
      const runs: string[] = [];
      const check = Object.assign(
        (context: VerificationContext) => {
          runs.push(context.claims.jti);
          return undefined;
        },
        { dagRulesOver: store as never },
      );
      return { check, runs };
    };

    it("skips a DAG check over the ledger when that ledger enforces the DAG rules itself", async () => {
      const ledger = appendingLedger(true);
      const { check, runs } = dagRulesCheck(ledger);
      const verified = await world.verifier({ ledger, checks: [check] }).verify(await world.token());
      expect(verified.level).toBe(3);
      expect(runs).toEqual([]);
    });

    it("runs it when the ledger does not enforce the rules, or when it is over another store", async () => {
      const lax = appendingLedger(false);
      const overLax = dagRulesCheck(lax);
      await world.verifier({ ledger: lax, checks: [overLax.check] }).verify(await world.token());
      expect(overLax.runs).toHaveLength(1);
      const strict = appendingLedger(true);
      const overOther = dagRulesCheck(appendingLedger(true));
      await world.verifier({ ledger: strict, checks: [overOther.check] }).verify(await world.token());
      expect(overOther.runs).toHaveLength(1);
    });

    it("never skips an unmarked check", async () => {
      const ledger = appendingLedger(true);
      const runs: string[] = [];
      const check = (context: VerificationContext) => {
        runs.push(context.claims.jti);
        return undefined;
      };
      await world.verifier({ ledger, checks: [check] }).verify(await world.token());
      expect(runs).toHaveLength(1);
    });
  });

  describe("configuration (SPEC 2, 4, 5.7)", () => {
    const keys = () => staticKeyResolver([{ iss: ISSUER_A, key: world.keyA }]);
    const configError = (fn: () => unknown) =>
      expect(fn).toThrow(expect.objectContaining({ code: "ECT_CONFIG_INVALID" }));

    it("throws an EctConfigError (a TypeError) at construction for algorithms: ['none']", () => {
      let thrown: unknown;
      try {
        createEctVerifier({ verifierId: VERIFIER, keys: keys(), algorithms: ["none" as never] });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(EctConfigError);
      expect(thrown).toBeInstanceOf(TypeError);
      expect(thrown).not.toBeInstanceOf(EctError);
      expect(thrown).toMatchObject({ option: "algorithms[0]", code: "ECT_CONFIG_INVALID" });
    });

    it("names the option path of a bad config value", () => {
      expect(() =>
        createEctVerifier({ verifierId: VERIFIER, keys: keys(), config: { iatMaxAgeMinutes: -1 } }),
      ).toThrow(expect.objectContaining({ option: "config.iatMaxAgeMinutes" }));
    });

    it("refuses a misspelt option or config setting with its path (it would silently keep a default)", async () => {
      expectConfigErrorSync(
        () => createEctVerifier({ verifierId: VERIFIER, keys: keys(), algoritms: ["ES384"] } as never),
        "algoritms",
      );
      expectConfigErrorSync(
        () =>
          createEctVerifier({ verifierId: VERIFIER, keys: keys(), config: { clockSkewSecs: 0 } as never }),
        "config.clockSkewSecs",
      );
      expectConfigErrorSync(() => createEctVerifier(null as never), "options");
      // verifyEct checks its options on each call: the promise rejects, nothing is refused.
      await expectConfigError(
        verifyEct("x.y.z", { verifierId: VERIFIER, keys: keys(), allowNoReplayChecks: true } as never),
        "allowNoReplayChecks",
      );
    });

    it("refuses a verifier without verifierId", () => {
      configError(() => createEctVerifier({ keys: keys() } as never));
      configError(() => createEctVerifier({ verifierId: "", keys: keys() }));
    });

    it("refuses none, HS* and unsupported algorithms in the allowlist at construction", () => {
      for (const algorithms of [
        ["none"],
        ["HS256"],
        ["ES256", "HS256"],
        ["hs512"],
        ["RS256"],
        ["es256"],
        [],
      ]) {
        configError(() =>
          createEctVerifier({ verifierId: VERIFIER, keys: keys(), algorithms: algorithms as never }),
        );
      }
    });

    it("refuses invalid keys, minLevel, checks, ledger and replay cache options", () => {
      configError(() => createEctVerifier({ verifierId: VERIFIER, keys: {} as never }));
      configError(() => createEctVerifier({ verifierId: VERIFIER, keys: keys(), minLevel: 4 as never }));
      configError(() => createEctVerifier({ verifierId: VERIFIER, keys: keys(), checks: ["x"] as never }));
      configError(() => createEctVerifier({ verifierId: VERIFIER, keys: keys(), ledger: {} as never }));
      configError(() => createEctVerifier({ verifierId: VERIFIER, keys: keys(), replayCache: {} as never }));
      configError(() =>
        createEctVerifier({ verifierId: VERIFIER, keys: keys(), config: { iatMaxAgeMinutes: -1 } }),
      );
    });

    it("with jtiReplayCacheSize 0 refuses to run without a cache unless allowNoReplayCheck is set", async () => {
      const config = { jtiReplayCacheSize: 0 };
      configError(() => createEctVerifier({ verifierId: VERIFIER, keys: keys(), config }));
      const unchecked = world.verifier({ config, allowNoReplayCheck: true });
      expect(unchecked.replayCache).toBeUndefined();
      const token = await world.token();
      await unchecked.verify(token);
      await expect(unchecked.verify(token)).resolves.toBeDefined();
      const withCache = world.verifier({ config, replayCache: new MemoryReplayCache({ capacity: 5 }) });
      await withCache.verify(token);
      await expectCode(withCache.verify(token), "ECT_REPLAY");
    });

    it("owns one default cache per verifier, sized from the config", () => {
      const verifier = world.verifier();
      expect(verifier.replayCache).toBeInstanceOf(MemoryReplayCache);
      expect((verifier.replayCache as MemoryReplayCache).capacity).toBe(100_000);
    });
  });

  describe("verifyEct, safeVerifyEct and safeVerify", () => {
    const options = () => ({
      verifierId: VERIFIER,
      keys: staticKeyResolver([{ iss: ISSUER_A, key: world.keyA }]),
      clock: fixedClock,
    });

    it("verifyEct requires a replay cache or allowNoReplayCheck (it keeps nothing between calls)", async () => {
      const token = await world.token();
      await expect(verifyEct(token, options())).rejects.toMatchObject({ option: "replayCache" });
      const replayCache = new MemoryReplayCache({ capacity: 10 });
      await expect(verifyEct(token, { ...options(), replayCache })).resolves.toMatchObject({ level: 2 });
      await expectCode(verifyEct(token, { ...options(), replayCache }), "ECT_REPLAY");
      await expect(verifyEct(token, { ...options(), allowNoReplayCheck: true })).resolves.toBeDefined();
    });

    it("safe variants return a Result instead of throwing", async () => {
      const token = await world.token();
      const good = await safeVerifyEct(token, { ...options(), allowNoReplayCheck: true });
      expect(good.ok && good.value.claims.iss).toBe(ISSUER_A);
      const bad = await safeVerifyEct("x.y", { ...options(), allowNoReplayCheck: true });
      expect(!bad.ok && bad.error.code).toBe("ECT_MALFORMED");
      // A misconfigured verifier is a programming error, never a token refusal (profile §5).
      await expect(safeVerifyEct(token, { ...options(), verifierId: "" })).rejects.toBeInstanceOf(
        EctConfigError,
      );
      await expect(
        safeVerifyEct(token, { ...options(), allowNoReplayCheck: true, algorithms: ["HS256" as never] }),
      ).rejects.toMatchObject({ option: "algorithms[0]" });
      const verifier = world.verifier();
      expect((await verifier.safeVerify(token)).ok).toBe(true);
      const replay = await verifier.safeVerify(token);
      expect(!replay.ok && replay.error.code).toBe("ECT_REPLAY");
    });

    it("returns a frozen result with the token, header, claims and normalised audience", async () => {
      const token = await createEct(claimsFor(ISSUER_A, { aud: VERIFIER }), world.keyA, {
        clock: fixedClock,
      });
      const verified = await world.verifier().verify(token);
      expect(Object.isFrozen(verified)).toBe(true);
      expect(verified).toMatchObject({ token, level: 2, audience: [VERIFIER], unresolvedPredecessors: [] });
      expect(verified.receipt).toBeUndefined();
    });
  });
});
