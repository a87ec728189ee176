import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EctConfigError, EctError, EctErrorCodes, isEctError } from "../src/index.js";
import {
  assertKnownOptions,
  ectKey,
  err,
  errorFromViolations,
  isEctErrorCode,
  isUuid,
  ok,
  resolveDagRuleOptions,
} from "../src/internal.js";

describe("EctErrorCodes", () => {
  it("every code is ECT_ + its key and unique", () => {
    const entries = Object.entries(EctErrorCodes);
    for (const [key, code] of entries) expect(code).toBe(`ECT_${key}`);
    expect(new Set(Object.values(EctErrorCodes)).size).toBe(entries.length);
  });

  it("keeps the codes other packages switch on (stable names)", () => {
    const stable = [
      "ECT_TOKEN_TOO_LONG",
      "ECT_MALFORMED",
      "ECT_BASE64URL_INVALID",
      "ECT_LEVEL_TOO_LOW",
      "ECT_JSON_INVALID",
      "ECT_JSON_NOT_OBJECT",
      "ECT_JSON_DUPLICATE_MEMBER",
      "ECT_JSON_TOO_DEEP",
      "ECT_FORBIDDEN_MEMBER_NAME",
      "ECT_ALG_NOT_ALLOWED",
      "ECT_TYP_INVALID",
      "ECT_KID_INVALID",
      "ECT_HEADER_MEMBER_FORBIDDEN",
      "ECT_KEY_NOT_FOUND",
      "ECT_KEY_RESOLUTION_FAILED",
      "ECT_KEY_INVALID",
      "ECT_SIGNATURE_INVALID",
      "ECT_CLAIM_MISSING",
      "ECT_ISS_INVALID",
      "ECT_AUD_INVALID",
      "ECT_IAT_INVALID",
      "ECT_EXP_INVALID",
      "ECT_JTI_INVALID",
      "ECT_WID_INVALID",
      "ECT_EXEC_ACT_INVALID",
      "ECT_PRED_INVALID",
      "ECT_HASH_INVALID",
      "ECT_EXT_INVALID",
      "ECT_POLICY_INVALID",
      "ECT_AUD_MISMATCH",
      "ECT_EXPIRED",
      "ECT_IAT_IN_FUTURE",
      "ECT_IAT_TOO_OLD",
      "ECT_NOT_YET_VALID",
      "ECT_DAG_DUPLICATE_JTI",
      "ECT_DAG_PRED_MISSING",
      "ECT_DAG_WORKFLOW_MISMATCH",
      "ECT_DAG_TEMPORAL_ORDER",
      "ECT_DAG_CYCLE",
      "ECT_DAG_TRAVERSAL_LIMIT",
      "ECT_DAG_PRED_POLICY",
      "ECT_REPLAY",
      "ECT_LEDGER_CONFLICT",
      "ECT_LEDGER_APPEND_FAILED",
      "ECT_LEDGER_TREE_MISMATCH",
      "ECT_LEDGER_CHECKPOINT_INCONSISTENT",
      "ECT_LEDGER_IMPORT_INVALID",
      "ECT_LEDGER_UNAVAILABLE",
      "ECT_CHECK_FAILED",
      "ECT_HEADER_MISSING",
      "ECT_HEADER_INVALID",
      "ECT_CONFIG_INVALID",
    ];
    expect(Object.values(EctErrorCodes)).toEqual(expect.arrayContaining(stable));
    for (const code of stable) expect(isEctErrorCode(code)).toBe(true);
  });

  it("isEctErrorCode refuses anything else", () => {
    for (const v of ["ECT_NOPE", "ect_replay", "", null, 1, undefined]) expect(isEctErrorCode(v)).toBe(false);
  });
});

describe("EctError", () => {
  it("carries code, member, cause and details", () => {
    const cause = new Error("inner");
    const detail = new EctError("ECT_DAG_CYCLE", "cycle");
    const e = new EctError("ECT_EXPIRED", "exp is past", { member: "exp", cause, details: [detail] });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("EctError");
    expect(e.code).toBe("ECT_EXPIRED");
    expect(e.member).toBe("exp");
    expect(e.cause).toBe(cause);
    expect(e.details).toEqual([detail]);
    expect(e.toJSON()).toEqual({ code: "ECT_EXPIRED", message: "exp is past", member: "exp" });
  });

  it("has no member, cause or details unless given", () => {
    const e = new EctError("ECT_REPLAY", "seen");
    expect(e.member).toBeUndefined();
    expect("cause" in e).toBe(false);
    expect(e.details).toEqual([]);
    expect(e.toJSON()).toEqual({ code: "ECT_REPLAY", message: "seen" });
    expect(JSON.parse(JSON.stringify(e))).toEqual({ code: "ECT_REPLAY", message: "seen" });
  });

  it("isEctError recognises instances and look-alikes from another package copy", () => {
    expect(isEctError(new EctError("ECT_REPLAY", "x"))).toBe(true);
    const lookAlike = Object.assign(new Error("x"), { name: "EctError", code: "ECT_REPLAY" });
    expect(isEctError(lookAlike)).toBe(true);
    expect(isEctError(Object.assign(new Error("x"), { name: "EctError", code: "NOPE" }))).toBe(false);
    expect(isEctError({ name: "EctError", code: "ECT_REPLAY", message: "x" })).toBe(false);
    expect(isEctError(new Error("x"))).toBe(false);
  });

  it("ok / err build results", () => {
    expect(ok(1)).toEqual({ ok: true, value: 1 });
    const e = new EctError("ECT_REPLAY", "x");
    expect(err(e)).toEqual({ ok: false, error: e });
  });
});

describe("isUuid and ectKey", () => {
  it("isUuid accepts the 8-4-4-4-12 form in any case and nothing else", () => {
    expect(isUuid("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b")).toBe(true);
    expect(isUuid("6F1C2A3B-4D5E-4F60-8A7B-9C0D1E2F3A4B")).toBe(true);
    for (const v of ["6f1c2a3b4d5e4f608a7b9c0d1e2f3a4b", "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b\n", 1, null]) {
      expect(isUuid(v)).toBe(false);
    }
  });

  it("isUuid agrees with the RFC 9562 textual grammar on near-UUIDs of any character", () => {
    const grammar = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    const unit = fc.constantFrom(..."0123456789abcdefABCDEFgG-xz/:@`\u00e9 ".split(""));
    fc.assert(
      fc.property(fc.uuid(), fc.nat(35), unit, fc.boolean(), (uuid, at, ch, mutate) => {
        const v = mutate ? uuid.slice(0, at) + ch + uuid.slice(at + 1) : uuid;
        expect(isUuid(v)).toBe(grammar.test(v));
      }),
      { numRuns: 3000 },
    );
  });

  it("ectKey scopes jti by wid, case-insensitively; no wid is the empty scope", () => {
    const jti = "6F1C2A3B-4D5E-4F60-8A7B-9C0D1E2F3A4B";
    expect(ectKey("0B8E7C1A-2F3D-4E5A-9B6C-7D8E9F0A1B2C", jti)).toBe(
      "0b8e7c1a-2f3d-4e5a-9b6c-7d8e9f0a1b2c|6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
    );
    expect(ectKey(undefined, jti)).toBe(ectKey(null, jti.toLowerCase()));
    expect(ectKey(null, jti)).toBe("|6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b");
  });
});

describe("EctConfigError", () => {
  it("is a TypeError (a programming error), not an EctError refusal, with one message format", () => {
    const e = new EctConfigError("dag.maxTraversal", "must be a non-negative integer", { received: -1 });
    expect(e).toBeInstanceOf(TypeError);
    expect(e).not.toBeInstanceOf(EctError);
    expect(isEctError(e)).toBe(false);
    expect(e.name).toBe("EctConfigError");
    expect(e.code).toBe("ECT_CONFIG_INVALID");
    expect(e.option).toBe("dag.maxTraversal");
    expect(e.message).toBe("Invalid option dag.maxTraversal: must be a non-negative integer, got -1");
  });

  it("shows the received value briefly, and omits it when not given", () => {
    const message = (received: unknown) => new EctConfigError("x", "must be y", { received }).message;
    expect(new EctConfigError("url", "must be a redis:// URL").message).toBe(
      "Invalid option url: must be a redis:// URL",
    );
    expect(message(undefined)).toBe("Invalid option x: must be y, got undefined");
    expect(message("none")).toBe('Invalid option x: must be y, got "none"');
    expect(message("a".repeat(100))).toBe(`Invalid option x: must be y, got "${"a".repeat(61)}..."`);
    expect(message(Number.NaN)).toBe("Invalid option x: must be y, got NaN");
    expect(message([1, 2])).toBe("Invalid option x: must be y, got an array of 2");
    expect(message({ a: 1 })).toBe("Invalid option x: must be y, got an object");
    expect(message(() => 1)).toBe("Invalid option x: must be y, got a function");
    expect(message(10n)).toBe("Invalid option x: must be y, got 10n");
    const cause = new Error("inner");
    expect(new EctConfigError("x", "must be y", { cause }).cause).toBe(cause);
  });
});

describe("assertKnownOptions and errorFromViolations (one helper each, shared by every package)", () => {
  it("refuses a misspelt option with its path, and accepts known ones", () => {
    expect(() => assertKnownOptions({ maxTraversal: 5 }, ["maxTraversal"])).not.toThrow();
    const e = (() => {
      try {
        assertKnownOptions({ maxTraversl: 5 }, new Set(["maxTraversal"]), "dag.");
      } catch (error) {
        return error;
      }
    })();
    expect(e).toBeInstanceOf(EctConfigError);
    expect((e as EctConfigError).option).toBe("dag.maxTraversl");
    expect((e as EctConfigError).message).toBe("Invalid option dag.maxTraversl: is not a known option");
  });

  it("resolveDagRuleOptions refuses a misspelt DAG option with EctConfigError (issue 14)", () => {
    expect(() => resolveDagRuleOptions({ maxTraversl: 5 } as never)).toThrow(EctConfigError);
    expect(() => resolveDagRuleOptions({ maxTraversl: 5 } as never, { path: "dag." })).toThrow(
      "Invalid option dag.maxTraversl: is not a known option",
    );
    expect(() => resolveDagRuleOptions({ store: {} } as never, ["store"])).not.toThrow();
    expect(() => resolveDagRuleOptions({ maxTraversal: -1 })).toThrow(
      "Invalid option maxTraversal: must be a non-negative integer, got -1",
    );
  });

  it("errorFromViolations: the first violation's code, message and member, all of them in details", () => {
    const a = new EctError("ECT_DAG_PRED_MISSING", "pred[0] is not stored", { member: "pred[0]" });
    const b = new EctError("ECT_DAG_TEMPORAL_ORDER", "pred[1] is later", { member: "pred[1]" });
    expect(errorFromViolations([a])).toMatchObject({ code: a.code, member: "pred[0]", details: [a] });
    const both = errorFromViolations([a, b]);
    expect(both).toMatchObject({ code: "ECT_DAG_PRED_MISSING", member: "pred[0]", message: a.message });
    expect(both.details).toEqual([a, b]);
    expect(() => errorFromViolations([])).toThrow(TypeError);
  });
});
