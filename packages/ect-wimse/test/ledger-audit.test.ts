// profile §7, §9.4: the ledger keeps the WIT an ECT was accepted on (third member of the leaf
// input), and an audit re-verifies the ECT with the stored WIT's key as of ingestedAt.
import { EctErrorCodes } from "ect-core";
import { auditLedger, entryLeafHash } from "ect-ledger";
import { MemoryLedger } from "ect-ledger-memory";
import { tamperMemoryLedger } from "ect-ledger-memory/testing";
import { describe, expect, it } from "vitest";
import { createWitAuditVerifier, createWorkloadEctVerifier } from "../src/index.js";
import { createIdentityServer } from "../src/testing/index.js";
import { keys, publishedWit, trustAnchors, validAtMs, verifierId, workloadEct } from "./fixtures.js";

const WIT_EXP_MS = 1745512510 * 1000;

async function acceptedOnTheWit() {
  const ledger = new MemoryLedger({ clock: () => validAtMs });
  const verifier = createWorkloadEctVerifier({
    verifierId,
    trustAnchors,
    clock: () => validAtMs,
    requireWpt: false,
    ledger,
  });
  const verified = await verifier.verify({ ect: await workloadEct(), wit: publishedWit });
  return { ledger, verified };
}

describe("a ledger entry accepted on a WIT (profile §7, §9.4)", () => {
  it("stores the WIT with the entry, covered by the leaf hash", async () => {
    const { ledger, verified } = await acceptedOnTheWit();
    expect(verified.level).toBe(3);
    const entry = (await ledger.getByIndex(0))!;
    expect(entry.wit).toBe(publishedWit);
    expect(entry.ingestedAt).toBe(validAtMs);
    expect(entry.leafHash).toBe(
      entryLeafHash({ token: entry.token, ingestedAt: entry.ingestedAt, wit: publishedWit }),
    );
    expect(entry.leafHash).not.toBe(
      entryLeafHash({ token: entry.token, ingestedAt: entry.ingestedAt, wit: null }),
    );
    await ledger.close?.();
  });

  it("audits clean long after the WIT expired (the WIT is checked at ingestedAt, not now)", async () => {
    const { ledger } = await acceptedOnTheWit();
    expect(Date.now()).toBeGreaterThan(WIT_EXP_MS); // the published WIT expired in April 2025
    const report = await auditLedger({ ledger, verifyToken: createWitAuditVerifier({ trustAnchors }) });
    expect(report.problems).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.signaturesVerified).toBe(true);
    await ledger.close?.();
  });

  it("fails the audit when the stored WIT is swapped for another", async () => {
    const { ledger } = await acceptedOnTheWit();
    // Another WIT for the same workload from the same identity server, binding another key.
    const server = await createIdentityServer({
      trustDomain: "example.com",
      privateJwk: keys.identityServerPrivateKey,
      clock: () => validAtMs,
    });
    const swapped = (await server.issueWit({ workload: "specific-workload" })).wit;
    tamperMemoryLedger(ledger, (entries) => {
      entries[0] = { ...entries[0]!, wit: swapped };
    });
    const report = await auditLedger({ ledger, verifyToken: createWitAuditVerifier({ trustAnchors }) });
    expect(report.valid).toBe(false);
    const codes = report.problems.map((p) => p.code);
    // The leaf no longer recomputes, and the ECT does not verify with the swapped WIT's key.
    expect(codes).toEqual([EctErrorCodes.LEDGER_TREE_MISMATCH, EctErrorCodes.SIGNATURE_INVALID]);
    expect(report.problems.every((p) => p.index === 0)).toBe(true);
    await ledger.close?.();
  });
});
