import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type ConformanceReport, runLedgerConformance } from "../src/index.js";
import { RFC6962_TREE_ROOTS } from "../src/rfc6962-tree-roots.js";
import { type Faults, referenceHarness } from "./fixtures/reference-ledger.js";

// A conformance suite that cannot fail is worthless: each deliberately broken backend below must
// fail the checks named for its fault, and only checks of the groups it touches are run.

function failedIds(report: ConformanceReport): string[] {
  return report.failed.map((r) => r.id);
}

const cases: { fault: keyof Faults; groups?: string[]; mustFail: string[] }[] = [
  {
    // profile §7: a checkpoint that does not extend the previous one (a split view).
    fault: "forkedCheckpoints",
    groups: ["checkpoint."],
    mustFail: [
      "checkpoint.signatures",
      "checkpoint.racing-integrators",
      "checkpoint.covered-within-interval",
    ],
  },
  {
    // profile §7: the leaf must cover the ingestion time.
    fault: "leafWithoutIngestedAt",
    groups: ["tree.", "checkpoint."],
    mustFail: [
      "tree.leaf-input",
      "tree.inclusion-all-up-to-70",
      "tree.consistency-all-up-to-70",
      "checkpoint.signatures",
      "checkpoint.wait-for-inclusion",
    ],
  },
  {
    // RFC 9162 inclusion proofs of the wrong index.
    fault: "proofsOffByOne",
    groups: ["tree.", "export."],
    mustFail: ["tree.inclusion-all-up-to-70"],
  },
  {
    fault: "allowDuplicates",
    groups: ["identity.", "concurrency.", "receipts."],
    mustFail: [
      "identity.duplicate-same-token",
      "identity.duplicate-reencoded-signature",
      "identity.conflict-different-claims",
      "receipts.duplicate-gets-existing",
      "concurrency.same-token-50",
      "concurrency.same-key-50",
    ],
  },
  {
    fault: "skipSequence",
    groups: ["queries.", "concurrency."],
    mustFail: ["queries.size-and-get-by-index", "concurrency.distinct-1000"],
  },
  {
    fault: "nonAtomic",
    groups: ["dag."],
    mustFail: ["dag.concurrent-cycle"],
  },
];

describe("the conformance suite fails broken backends", () => {
  it("passes the unbroken reference backend (so the failures below come from the faults)", async () => {
    const report = await runLedgerConformance(referenceHarness());
    expect(report.failed.map((f) => `${f.id}: ${String(f.error)}`)).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.results.length).toBeGreaterThanOrEqual(40);
  }, 60_000);

  for (const { fault, groups, mustFail } of cases) {
    it(`reports a backend with fault "${fault}" as failing ${mustFail.join(", ")}`, async () => {
      const report = await runLedgerConformance(referenceHarness({ [fault]: true }), {
        ...(groups ? { filter: (check) => groups.some((g) => check.id.startsWith(g)) } : {}),
      });
      expect(report.passed).toBe(false);
      expect(failedIds(report)).toEqual(expect.arrayContaining(mustFail));
      for (const f of report.failed) expect(f.error).toBeDefined();
    }, 60_000);
  }
});

describe("embedded RFC 6962 vectors", () => {
  it("equal the repository's testdata/rfc6962-merkle/tree-roots.json", () => {
    const file = JSON.parse(
      readFileSync(new URL("../../../testdata/rfc6962-merkle/tree-roots.json", import.meta.url), "utf8"),
    ) as { leafInputsHex: string[]; rootHashesHexBySize: string[] };
    expect([...RFC6962_TREE_ROOTS.leafInputsHex]).toEqual(file.leafInputsHex);
    expect([...RFC6962_TREE_ROOTS.rootHashesHexBySize]).toEqual(file.rootHashesHexBySize);
  });
});
