import { readdirSync, readFileSync } from "node:fs";
import type { EctClaims, EctStore, StoredEct } from "ect-core";
import { ectKey } from "ect-core/internal";
import { describe, expect, it } from "vitest";
import { validateDag } from "../src/index.js";

// The shared DAG vectors (testdata/ect/dag) against the one definition of the rules (profile §6).
// The same files run against every ledger backend and the audit (ect-ledger-testkit).

const dir = new URL("../../../testdata/ect/dag/", import.meta.url);

interface Vector {
  readonly options: Record<string, unknown>;
  readonly stored: readonly Record<string, unknown>[];
  readonly token: Record<string, unknown>;
  readonly expected: {
    readonly valid: boolean;
    readonly violations: readonly { code: string; member?: string }[];
    readonly unresolvedPredecessors: readonly string[];
  };
}

function storeOf(stored: readonly Record<string, unknown>[]): EctStore {
  const entries: StoredEct[] = stored.map((claims) => ({
    token: "stored",
    claims: claims as unknown as EctClaims,
  }));
  const byKey = new Map(entries.map((e) => [ectKey(e.claims.wid, e.claims.jti), e]));
  return {
    getEct: async (wid, jti) => byKey.get(ectKey(wid, jti)),
    findEctByJti: async (jti) => entries.find((e) => e.claims.jti.toLowerCase() === jti.toLowerCase()),
  };
}

describe("DAG vectors (testdata/ect/dag) against validateDag", () => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  it("there are vectors for every rule", () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });
  for (const file of files) {
    it(file, async () => {
      const vector = JSON.parse(readFileSync(new URL(file, dir), "utf8")) as Vector;
      const result = await validateDag(
        vector.token as unknown as EctClaims,
        storeOf(vector.stored),
        vector.options,
      );
      expect(result.valid).toBe(vector.expected.valid);
      expect(result.violations.map((v) => ({ code: v.code, member: v.member }))).toEqual(
        vector.expected.violations,
      );
      expect([...result.unresolvedPredecessors]).toEqual(vector.expected.unresolvedPredecessors);
    });
  }
});
