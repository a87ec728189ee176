import { readdirSync, readFileSync } from "node:fs";
import { type EctClaims, EctConfigError, type EctStore, type StoredEct } from "ect-core";
import { ectKey } from "ect-core/internal";
import { describe, expect, it } from "vitest";
import { createDagValidator, dagCheck, validateDag } from "../src/index.js";

// The shared DAG vectors (testdata/ect/dag) against the one definition of the rules (profile §6).
// The same files run against every ledger backend and the audit (ect-ledger-testkit).

const dir = new URL("../../../testdata/ect/dag/", import.meta.url);

interface Refusal {
  readonly refused: { readonly error: string; readonly code: string; readonly option: string };
}

interface Outcome {
  readonly valid: boolean;
  readonly violations: readonly { code: string; member?: string }[];
  readonly unresolvedPredecessors: readonly string[];
}

interface Vector {
  readonly options: Record<string, unknown>;
  readonly stored: readonly Record<string, unknown>[];
  readonly token: Record<string, unknown>;
  readonly expected: Outcome | Refusal;
}

function storeOf(stored: readonly Record<string, unknown>[]): EctStore {
  // Stored as the vector has them: an entry without a numeric iat stays so (profile §6.4).
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

async function expectRefused(action: () => unknown, refusal: Refusal): Promise<void> {
  let thrown: unknown;
  try {
    await action();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(EctConfigError);
  const error = thrown as EctConfigError;
  expect({ error: error.name, code: error.code, option: error.option }).toEqual(refusal.refused);
}

describe("DAG vectors (testdata/ect/dag) against validateDag", () => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  it("there are vectors for every rule", () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });
  for (const file of files) {
    const vector = JSON.parse(readFileSync(new URL(file, dir), "utf8")) as Vector;
    const { expected } = vector;
    if ("refused" in expected) {
      // Every entry point of ect-dag refuses the options before any rule runs.
      it(`${file}: validateDag, createDagValidator, dagCheck`, async () => {
        const store = storeOf(vector.stored);
        await expectRefused(
          () => validateDag(vector.token as unknown as EctClaims, store, vector.options),
          expected,
        );
        await expectRefused(() => createDagValidator(vector.options), expected);
        await expectRefused(() => dagCheck({ store, ...vector.options }), expected);
      });
      continue;
    }
    it(file, async () => {
      const result = await validateDag(
        vector.token as unknown as EctClaims,
        storeOf(vector.stored),
        vector.options,
      );
      expect(result.valid).toBe(expected.valid);
      expect(result.violations.map((v) => ({ code: v.code, member: v.member }))).toEqual(expected.violations);
      expect([...result.unresolvedPredecessors]).toEqual(expected.unresolvedPredecessors);
    });
  }
});
