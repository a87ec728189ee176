import assert from "node:assert/strict";
import { EctErrorCodes, isEctError, type Ledger } from "ect-core";
import { leafHash } from "ect-core/internal";
import type { ConformanceCheck, ConformanceContext } from "../conformance-check.js";
import { expectAppended } from "./assertions.js";

const group = "tamper evidence: verifyChain (SPEC 7)";

async function ledgerOf(context: ConformanceContext, count: number): Promise<Ledger> {
  const ledger = await context.newLedger();
  const wid = globalThis.crypto.randomUUID();
  for (let i = 0; i < count; i++) expectAppended(await ledger.append(await context.issuer.issue({ wid })));
  const before = await ledger.verifyChain();
  assert.equal(before.valid, true, "verifyChain before tampering");
  return ledger;
}

async function assertBrokenAt(ledger: Ledger, seq: number, what: string) {
  const result = await ledger.verifyChain();
  assert.equal(result.valid, false, `${what}: verifyChain must find the tampering`);
  if (result.valid) return;
  assert.equal(result.brokenAt, seq, `${what}: the first broken entry is ${seq}`);
  assert.ok(isEctError(result.error), `${what}: error must be an EctError`);
  assert.equal(result.error.code, EctErrorCodes.LEDGER_CHAIN_BROKEN, `${what}: error code`);
}

/** SPEC 7: `verifyChain()` recomputes every hash and reports the first broken entry. */
export const tamperChecks: readonly ConformanceCheck[] = [
  {
    id: "tamper.token",
    group,
    title: "a stored token changed behind the ledger's back is found at its seq",
    async run(context) {
      const ledger = await ledgerOf(context, 5);
      await context.tamper(ledger, 3, { token: await context.issuer.issue() });
      await assertBrokenAt(ledger, 3, "token of entry 3 replaced");
    },
  },
  {
    id: "tamper.token-with-leaf",
    group,
    title:
      "a token replaced together with a recomputed leafHash is still found (the chain hash no longer fits)",
    async run(context) {
      const ledger = await ledgerOf(context, 5);
      const forged = await context.issuer.issue();
      await context.tamper(ledger, 4, { token: forged, leafHash: await leafHash(forged) });
      await assertBrokenAt(ledger, 4, "token and leafHash of entry 4 replaced");
    },
  },
  {
    id: "tamper.last-entry",
    group,
    title: "tampering with the last entry is found (the walk does not stop early)",
    async run(context) {
      const ledger = await ledgerOf(context, 4);
      await context.tamper(ledger, 4, { token: await context.issuer.issue() });
      await assertBrokenAt(ledger, 4, "token of the last entry replaced");
    },
  },
  {
    id: "tamper.hashes",
    group,
    title: "a changed leafHash or chainHash is found at its seq",
    async run(context) {
      const leafTampered = await ledgerOf(context, 5);
      await context.tamper(leafTampered, 2, { leafHash: "a".repeat(64) });
      await assertBrokenAt(leafTampered, 2, "leafHash of entry 2");
      const chainTampered = await ledgerOf(context, 5);
      await context.tamper(chainTampered, 1, { chainHash: "b".repeat(64) });
      await assertBrokenAt(chainTampered, 1, "chainHash of entry 1");
    },
  },
  {
    id: "tamper.first-broken-reported",
    group,
    title: "with several tampered entries, the first one is reported",
    async run(context) {
      const ledger = await ledgerOf(context, 6);
      await context.tamper(ledger, 5, { token: await context.issuer.issue() });
      await context.tamper(ledger, 2, { chainHash: "c".repeat(64) });
      await assertBrokenAt(ledger, 2, "entries 2 and 5 tampered");
    },
  },
];
