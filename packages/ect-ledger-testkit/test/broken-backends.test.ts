import { describe, expect, it } from "vitest";
import { type ConformanceReport, runLedgerConformance } from "../src/index.js";
import { referenceBackend } from "./fixtures/reference-backend.js";
import type { Faults } from "./fixtures/reference-ledger.js";

// A conformance suite that cannot fail is worthless: each deliberately broken backend below must
// fail at least the checks named for its fault.

function failedIds(report: ConformanceReport): string[] {
  return report.failed.map((r) => r.id);
}

const cases: { fault: keyof Faults; groups?: string[]; mustFail: string[] }[] = [
  {
    fault: "allowDuplicates",
    mustFail: [
      "identity.duplicate-same-token",
      "identity.duplicate-reencoded-signature",
      "identity.conflict-different-claims",
      "identity.case-insensitive",
      "receipts.duplicate-gets-existing",
      "concurrency.same-token-50",
      "concurrency.same-key-50",
      "dag.concurrent-duplicate",
    ],
  },
  {
    fault: "skipSequence",
    mustFail: [
      "chain.contiguous-sequence",
      "queries.head-and-get-by-seq",
      "concurrency.distinct-1000",
      "export.round-trip",
    ],
  },
  {
    fault: "wrongChain",
    mustFail: [
      "chain.known-answer-hashes",
      "chain.shared-hash-functions",
      "export.cross-backend-known-answer",
    ],
  },
  {
    fault: "nonAtomic",
    groups: ["concurrency.", "dag."],
    mustFail: [
      "concurrency.same-token-50",
      "concurrency.same-key-50",
      "concurrency.distinct-1000",
      "dag.concurrent-cycle",
      "dag.concurrent-duplicate",
    ],
  },
  {
    fault: "mutableEntries",
    groups: ["immutability."],
    mustFail: ["immutability.frozen-results", "immutability.mutation-has-no-effect"],
  },
  { fault: "caseSensitiveIdentity", groups: ["identity."], mustFail: ["identity.case-insensitive"] },
  {
    fault: "lenientImport",
    groups: ["import.", "export."],
    mustFail: [
      "import.refuses-tampered-token",
      "import.refuses-reordered",
      "import.refuses-truncated",
      "import.refuses-inconsistent-records",
    ],
  },
  { fault: "shallowVerifyChain", groups: ["tamper."], mustFail: ["tamper.token", "tamper.last-entry"] },
  {
    fault: "conflictOverwrites",
    groups: ["identity.", "concurrency."],
    mustFail: ["identity.conflict-different-claims", "concurrency.same-key-50"],
  },
  {
    fault: "wrongReceiptTyp",
    groups: ["receipts."],
    mustFail: ["receipts.signed", "receipts.duplicate-gets-existing"],
  },
];

describe("the conformance suite fails broken backends", () => {
  it("passes the unbroken reference backend (so the failures below come from the faults)", async () => {
    const report = await runLedgerConformance(referenceBackend());
    expect(report.failed.map((f) => `${f.id}: ${String(f.error)}`)).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.results.length).toBeGreaterThanOrEqual(40);
  }, 30_000);

  for (const { fault, groups, mustFail } of cases) {
    it(`reports a backend with fault "${fault}" as failing ${mustFail.join(", ")}`, async () => {
      const report = await runLedgerConformance(referenceBackend({ [fault]: true }), {
        ...(groups ? { filter: (check) => groups.some((g) => check.id.startsWith(g)) } : {}),
      });
      expect(report.passed).toBe(false);
      expect(failedIds(report)).toEqual(expect.arrayContaining(mustFail));
      // Every failure carries its reason.
      for (const f of report.failed) expect(f.error).toBeDefined();
    }, 30_000);
  }
});
