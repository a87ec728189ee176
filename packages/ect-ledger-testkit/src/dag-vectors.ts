import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import type { DagRuleOptions } from "ect-core";
import { auditLedger, type TransparencyLedger } from "ect-ledger";
import { describe, it } from "vitest";
import type { LedgerHarness } from "./backend.js";
import { expectAppended, sameStoreLedger } from "./checks/assertions.js";
import type { ConformanceCheck, ConformanceContext } from "./conformance-check.js";
import { runConformanceCheck } from "./run-conformance.js";

/** The claims of one ECT in a DAG vector (the runner fills `iss`, `aud`, `exp`, `exec_act`). */
export interface DagVectorClaims {
  /** The token's `jti`. */
  readonly jti: string;
  /** The token's `wid`, when it has one. */
  readonly wid?: string;
  /** The token's `iat`, seconds. */
  readonly iat: number;
  /** The token's `pred`. */
  readonly pred: readonly string[];
  /** The token's `ect_ext`, when it has one. */
  readonly ect_ext?: Readonly<Record<string, unknown>>;
}

/**
 * One shared DAG vector (`testdata/ect/dag/*.json`): store contents, a new token and DAG rule
 * options -> the outcome of the one definition in `ect-dag` (profile §6). Every ledger backend and
 * the audit must reach the same outcome.
 */
export interface DagVector {
  /** What the vector shows. */
  readonly description: string;
  /** The profile rule, e.g. `profile §6.4`. */
  readonly rule: string;
  /** The DAG rule options. */
  readonly options: DagRuleOptions;
  /** The ECTs stored before, in append order (stored without running the rules). */
  readonly stored: readonly DagVectorClaims[];
  /** The new token. */
  readonly token: DagVectorClaims;
  /** The outcome. */
  readonly expected: {
    /** True when no rule is violated. */
    readonly valid: boolean;
    /** Every violation, in the order `ect-dag` reports them. */
    readonly violations: readonly {
      /** The `ECT_DAG_*` code. */
      readonly code: string;
      /** The member it names (`jti`, `pred[i]`, `pred`). */
      readonly member?: string;
    }[];
    /** Predecessors allowed while unresolved. */
    readonly unresolvedPredecessors: readonly string[];
  };
}

/** Reads every `*.json` vector of a folder, by file name without `.json`. */
export function loadDagVectors(folder: URL | string): Readonly<Record<string, DagVector>> {
  const dir = typeof folder === "string" ? folder : folder.pathname;
  const out: Record<string, DagVector> = {};
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    out[file.slice(0, -5)] = JSON.parse(
      readFileSync(`${dir.replace(/\/?$/, "/")}${file}`, "utf8"),
    ) as DagVector;
  }
  return out;
}

function issue(context: ConformanceContext, c: DagVectorClaims): Promise<string> {
  return context.issuer.issue({
    jti: c.jti,
    iat: c.iat,
    pred: c.pred,
    ...(c.wid === undefined ? {} : { wid: c.wid }),
    ...(c.ect_ext === undefined ? {} : { extra: { ect_ext: c.ect_ext } }),
  });
}

const onlyIdentity = (v: DagVector) =>
  v.expected.violations.length > 0 && v.expected.violations.every((x) => x.code === "ECT_DAG_DUPLICATE_JTI");

const lower = (ids: readonly string[]) => ids.map((i) => i.toLowerCase()).sort();

/** The checks of one vector: through the ledger's append and through the audit. */
export function dagVectorChecks(vectors: Readonly<Record<string, DagVector>>): ConformanceCheck[] {
  const checks: ConformanceCheck[] = [];
  for (const [name, vector] of Object.entries(vectors)) {
    checks.push({
      id: `dag-vector.${name}.append`,
      group: "DAG vectors through the append (profile §6)",
      title: `${vector.rule}: ${vector.description}`,
      async run(context) {
        const ledger = await context.newLedger({ dag: vector.options });
        const filler = sameStoreLedger(context, ledger);
        for (const c of vector.stored)
          expectAppended(await filler.append(await issue(context, c)), `stored ${c.jti}`);
        const result = await ledger.append(await issue(context, vector.token));
        if (onlyIdentity(vector)) {
          assert.equal(result.status, "conflict", "uniqueness is the append's identity step: a conflict");
          return;
        }
        if (vector.expected.valid) {
          const appended = expectAppended(result, "the vector's token");
          assert.deepEqual(
            lower(appended.unresolvedPredecessors),
            lower(vector.expected.unresolvedPredecessors),
          );
          return;
        }
        assert.equal(result.status, "rejected", `expected rejected, got ${result.status}`);
        if (result.status !== "rejected") return;
        assert.deepEqual(
          result.violations.map((v) => ({ code: v.code, member: v.member })),
          vector.expected.violations.map((v) => ({ code: v.code, member: v.member })),
        );
      },
    });
    if (onlyIdentity(vector)) continue; // a second entry of one identity cannot be stored to audit
    checks.push({
      id: `dag-vector.${name}.audit`,
      group: "DAG vectors through the audit (profile §6, §7)",
      title: `${vector.rule}: ${vector.description}`,
      async run(context) {
        const ledger = await context.newLedger({ dag: false });
        for (const c of [...vector.stored, vector.token]) {
          expectAppended(await ledger.append(await issue(context, c)), `stored ${c.jti}`);
        }
        const report = await auditLedger({ ledger, dag: vector.options });
        const at = vector.stored.length;
        assert.deepEqual(
          report.problems.filter((p) => p.index === at).map((p) => ({ code: p.code, member: p.member })),
          vector.expected.violations.map((v) => ({ code: v.code, member: v.member })),
        );
        assert.deepEqual(
          lower(report.unresolvedPredecessors.filter((u) => u.index === at).map((u) => u.pred)),
          lower(vector.expected.unresolvedPredecessors),
        );
      },
    });
  }
  return checks;
}

/**
 * Registers the shared DAG vectors as vitest tests against a backend: each vector through the
 * ledger's atomic append and through the audit, both of which must reach `ect-dag`'s outcome.
 *
 * @example
 * ```ts
 * describeDagVectors("MemoryLedger", harness, loadDagVectors(new URL("../../../testdata/ect/dag/", import.meta.url)));
 * ```
 */
export function describeDagVectors<L extends TransparencyLedger>(
  name: string,
  harness: LedgerHarness<L>,
  vectors: Readonly<Record<string, DagVector>>,
): void {
  describe(`DAG vectors: ${name}`, () => {
    for (const check of dagVectorChecks(vectors)) {
      it(`${check.title} [${check.id}]`, () => runConformanceCheck(check, harness), 30_000);
    }
  });
}
