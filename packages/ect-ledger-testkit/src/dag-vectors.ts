import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { type DagRuleOptions, decodeEct, EctConfigError } from "ect-core";
import { auditLedger, type TransparencyLedger } from "ect-ledger";
import { describe, it } from "vitest";
import type { LedgerHarness } from "./backend.js";
import { expectAppended, sameStoreLedger, thrownBy } from "./checks/assertions.js";
import type { ConformanceCheck, ConformanceContext } from "./conformance-check.js";
import { runConformanceCheck } from "./run-conformance.js";

/** The claims of one ECT in a DAG vector (the runner fills `iss`, `aud`, `exp`, `exec_act`). */
export interface DagVectorClaims {
  /** The token's `jti`. */
  readonly jti: string;
  /** The token's `wid`, when it has one. */
  readonly wid?: string;
  /**
   * The token's `iat`, seconds. A stored entry may lack it or hold a non-number (a past the claim
   * rules would not have let in, profile §6.4); the new token always has a number.
   */
  readonly iat?: unknown;
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
  /** The outcome: the rules' result, or the options refused before any rule runs. */
  readonly expected: DagVectorResult | DagVectorRefusal;
}

/** The outcome of a DAG vector whose options are valid: what the rules report. */
export interface DagVectorResult {
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
}

/** The outcome of a DAG vector whose options are wrong: every entry point refuses them at once. */
export interface DagVectorRefusal {
  /** How the options are refused. */
  readonly refused: {
    /** The error class, `EctConfigError` (a `TypeError`). */
    readonly error: "EctConfigError";
    /** Its code, `ECT_CONFIG_INVALID`. */
    readonly code: string;
    /**
     * The option path inside the DAG options (`maxTraversl`); an entry point that takes them under
     * `dag` names it `dag.maxTraversl`.
     */
    readonly option: string;
  };
}

/** True for a vector whose options every entry point must refuse. */
function isDagVectorRefusal(expected: DagVector["expected"]): expected is DagVectorRefusal {
  return "refused" in expected;
}

/**
 * Asserts `action` throws (or rejects with) the vector's configuration error, its option path under
 * `prefix` (e.g. `"dag."`).
 */
async function expectDagOptionsRefused(
  action: () => unknown,
  refusal: DagVectorRefusal,
  prefix: string,
  what: string,
): Promise<void> {
  const thrown = await thrownBy(action);
  assert.ok(thrown !== undefined, `${what}: expected the options to be refused, but they were taken`);
  assert.ok(thrown instanceof EctConfigError, `${what}: expected an EctConfigError, got ${String(thrown)}`);
  assert.equal(thrown.name, refusal.refused.error, `${what}: error class`);
  assert.equal(thrown.code, refusal.refused.code, `${what}: code`);
  assert.equal(thrown.option, `${prefix}${refusal.refused.option}`, `${what}: option path`);
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
  const claims = {
    jti: c.jti,
    pred: c.pred,
    ...(c.wid === undefined ? {} : { wid: c.wid }),
    ...(c.ect_ext === undefined ? {} : { extra: { ect_ext: c.ect_ext } }),
  };
  if (typeof c.iat === "number") return context.issuer.issue({ ...claims, iat: c.iat });
  // A stored entry without a numeric iat: the claims are signed as they are, iat left out or kept
  // as the vector has it (the issuer would fill in a number).
  const { iat: _filled, ...rest } = context.issuer.claimsFor(claims);
  const signed = c.iat === undefined ? rest : { ...rest, iat: c.iat };
  return context.issuer.issue({}, { rawClaimsJson: JSON.stringify(signed) });
}

/**
 * Stores one of a vector's past entries without the rules. One whose `iat` is not a number breaks
 * the claim rules (profile §3), so it goes in the way a verifier hands a ledger a token it decoded
 * (`decoded`): the ledger then takes the claims as given, which is how such an entry reaches a store
 * (an import, a verifier that skipped the claim rules). Every backend stores it through this public
 * path; none needs its raw storage.
 */
async function storePast(ledger: TransparencyLedger, token: string, c: DagVectorClaims): Promise<void> {
  const options = typeof c.iat === "number" ? {} : { decoded: decodeEct(token) };
  expectAppended(await ledger.append(token, options), `stored ${c.jti}`);
}

const onlyIdentity = (expected: DagVectorResult) =>
  expected.violations.length > 0 && expected.violations.every((x) => x.code === "ECT_DAG_DUPLICATE_JTI");

const lower = (ids: readonly string[]) => ids.map((i) => i.toLowerCase()).sort();

/**
 * How a vector's stored ECTs get into the store. `rules off`: all without the rules (any state the
 * vector describes). `admitted where possible`: each through a ledger with the default rules when
 * they admit it (so the backend may record it as closed, profile §6 note, and skip the walk over
 * it), else without them; the store holds the same ECTs either way, so the outcome must not change.
 */
type FillMode = "rules off" | "admitted where possible";

async function fillStore(
  context: ConformanceContext,
  ledger: TransparencyLedger,
  stored: readonly DagVectorClaims[],
  mode: FillMode,
): Promise<void> {
  const without = sameStoreLedger(context, ledger);
  const withRules = mode === "rules off" ? undefined : sameStoreLedger(context, ledger, {});
  for (const c of stored) {
    const token = await issue(context, c);
    // One without a numeric iat breaks the claim rules (profile §3): only stored without the rules.
    if (withRules !== undefined && typeof c.iat === "number") {
      if ((await withRules.append(token)).status === "appended") continue;
    }
    await storePast(without, token, c);
  }
}

/** One vector through the ledger's append, over a store filled in `mode`. */
async function runAppendVector(
  context: ConformanceContext,
  vector: DagVector,
  expected: DagVectorResult,
  mode: FillMode,
): Promise<void> {
  const ledger = await context.newLedger({ dag: vector.options });
  await fillStore(context, ledger, vector.stored, mode);
  const result = await ledger.append(await issue(context, vector.token));
  if (onlyIdentity(expected)) {
    assert.equal(result.status, "conflict", "uniqueness is the append's identity step: a conflict");
    return;
  }
  if (expected.valid) {
    const appended = expectAppended(result, "the vector's token");
    assert.deepEqual(lower(appended.unresolvedPredecessors), lower(expected.unresolvedPredecessors));
    return;
  }
  assert.equal(result.status, "rejected", `expected rejected, got ${result.status}`);
  if (result.status !== "rejected") return;
  assert.deepEqual(
    result.violations.map((v) => ({ code: v.code, member: v.member })),
    expected.violations.map((v) => ({ code: v.code, member: v.member })),
  );
}

/** A ledger holding the vector's stored ECTs and its token, appended without the rules, for the audit. */
async function ledgerToAudit(context: ConformanceContext, vector: DagVector): Promise<TransparencyLedger> {
  const ledger = await context.newLedger({ dag: false });
  for (const c of [...vector.stored, vector.token]) await storePast(ledger, await issue(context, c), c);
  return ledger;
}

/** The checks of one vector: through the ledger's append (two ways of filling) and through the audit. */
export function dagVectorChecks(vectors: Readonly<Record<string, DagVector>>): ConformanceCheck[] {
  const checks: ConformanceCheck[] = [];
  for (const [name, vector] of Object.entries(vectors)) {
    const { expected } = vector;
    const named = (way: "append" | "audit", group: string) => ({
      id: `dag-vector.${name}.${way}`,
      group,
      title: `${vector.rule}: ${vector.description}`,
    });
    const append = named("append", "DAG vectors through the append (profile §6)");
    const audit = named("audit", "DAG vectors through the audit (profile §6, §7)");
    if (isDagVectorRefusal(expected)) {
      // Wrong options are refused where they are given: the ledger's construction, the audit's call.
      checks.push({
        ...append,
        run: (context) =>
          expectDagOptionsRefused(
            () => context.newLedger({ dag: vector.options }),
            expected,
            "dag.",
            "the ledger's construction",
          ),
      });
      checks.push({
        ...audit,
        async run(context) {
          const ledger = await ledgerToAudit(context, vector);
          await expectDagOptionsRefused(
            () => auditLedger({ ledger, dag: vector.options }),
            expected,
            "dag.",
            "auditLedger",
          );
        },
      });
      continue;
    }
    for (const mode of ["rules off", "admitted where possible"] as const) {
      checks.push({
        ...append,
        ...(mode === "rules off"
          ? {}
          : {
              id: `${append.id}.admitted`,
              group:
                "DAG vectors through the append, stored ECTs admitted by the rules where they pass (profile §6)",
            }),
        run: (context) => runAppendVector(context, vector, expected, mode),
      });
    }
    if (onlyIdentity(expected)) continue; // a second entry of one identity cannot be stored to audit
    checks.push({
      ...audit,
      async run(context) {
        const ledger = await ledgerToAudit(context, vector);
        const report = await auditLedger({ ledger, dag: vector.options });
        const at = vector.stored.length;
        assert.deepEqual(
          report.problems.filter((p) => p.index === at).map((p) => ({ code: p.code, member: p.member })),
          expected.violations.map((v) => ({ code: v.code, member: v.member })),
        );
        assert.deepEqual(
          lower(report.unresolvedPredecessors.filter((u) => u.index === at).map((u) => u.pred)),
          lower(expected.unresolvedPredecessors),
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
