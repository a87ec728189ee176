import assert from "node:assert/strict";
import type { EctClaims } from "ect-core";
import {
  auditLedger,
  hashLeaf,
  type LedgerBackendEntry,
  type TransparencyLedger,
  verifyConsistency,
  verifyInclusion,
} from "ect-ledger";
import type { ConformanceCheck, ConformanceContext } from "../conformance-check.js";
import { RFC6962_TREE_ROOTS } from "../rfc6962-tree-roots.js";
import { expectAppended, sameStoreLedger } from "./assertions.js";
import { checkCheckpointNote, independentLeafHash, independentRoot } from "./independent-log.js";

const treeGroup = "Merkle tree and proofs (profile §7, RFC 9162)";
const checkpointGroup = "signed checkpoints (profile §7)";
const tamperGroup = "tamper evidence against a stored checkpoint (profile §7)";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, "hex"));

/** Appends `count` tokens (no DAG links), each a second apart; returns the ledger. */
async function ledgerWith(
  context: ConformanceContext,
  count: number,
  batch = 1_000_000,
): Promise<TransparencyLedger> {
  const ledger = await context.newLedger({ checkpointBatch: batch });
  for (let i = 1; i <= count; i++) {
    context.clock.advance(1_000);
    expectAppended(await ledger.append(await context.issuer.issue()));
    // A filled batch starts an integration in the background; waiting for it (progress, never
    // time) before the next append gives one checkpoint per batch on any machine, not fewer when
    // the integration reads the size after more appends arrived.
    if (i % batch === 0) await ledger.integrate();
  }
  return ledger;
}

/** The leaf hashes the suite computes itself from the stored tokens, times and WITs. */
async function independentLeaves(ledger: TransparencyLedger): Promise<Uint8Array[]> {
  return (await ledger.range()).map((e) => fromHex(independentLeafHash(e.token, e.ingestedAt, e.wit)));
}

/** Lets pending promise jobs and macrotasks run, a bounded number of turns (never wall time). */
async function settle(until: () => Promise<boolean>, what: string): Promise<void> {
  for (let turn = 0; turn < 2000; turn++) {
    if (await until()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail(`${what}: not reached after 2000 event-loop turns`);
}

async function assertCheckpointsValid(context: ConformanceContext, ledger: TransparencyLedger, what: string) {
  const leaves = await independentLeaves(ledger);
  const checkpoints = await ledger.checkpoints();
  let previous = 0;
  for (const c of checkpoints) {
    assert.ok(c.size > previous, `${what}: checkpoint sizes increase (${previous} then ${c.size})`);
    previous = c.size;
    assert.ok(c.size <= leaves.length, `${what}: a checkpoint covers at most the stored entries`);
    const root = independentRoot(leaves.slice(0, c.size));
    assert.equal(
      hex(c.root),
      hex(root),
      `${what}: checkpoint ${c.size} root is the root of the first ${c.size} leaves`,
    );
    const problem = checkCheckpointNote(c, {
      origin: ledger.origin,
      root,
      publicKey: context.noteSigner.publicKey,
      keyId: context.noteSigner.keyId,
    });
    assert.equal(problem, undefined, `${what}: checkpoint ${c.size} note: ${problem}`);
  }
}

/** profile §7: leaves, roots, proofs, checkpoints, computed and checked independently. */
export const treeChecks: readonly ConformanceCheck[] = [
  {
    id: "tree.rfc6962-roots",
    group: treeGroup,
    title: "with the RFC 6962 vectors' leaf inputs (stored through the backend), every root 0..8 matches",
    async run(context) {
      const ledger = await context.newLedger({ dag: false });
      assert.equal(hex(await ledger.treeRoot(0)), RFC6962_TREE_ROOTS.rootHashesHexBySize[0], "empty tree");
      for (const [i, inputHex] of RFC6962_TREE_ROOTS.leafInputsHex.entries()) {
        // The backend test hook: a raw leaf stored through the contract's sequencing step.
        const jti = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
        const outcome = await ledger.backend.sequence({
          token: `raw.leaf.${i}`,
          jti,
          wid: null,
          iss: "rfc6962",
          ingestedAt: i,
          wit: null,
          leafHash: hex(hashLeaf(fromHex(inputHex))),
          key: `|${jti}`,
          claims: { jti, iss: "rfc6962" } as unknown as EctClaims,
        });
        assert.equal(outcome.status, "appended", `raw leaf ${i}`);
        const checkpoint = await ledger.integrate();
        assert.equal(checkpoint?.size, i + 1, `checkpoint after raw leaf ${i}`);
        assert.equal(
          hex(checkpoint!.root),
          RFC6962_TREE_ROOTS.rootHashesHexBySize[i + 1],
          `root of size ${i + 1}`,
        );
      }
      for (let n = 0; n <= 8; n++) {
        assert.equal(
          hex(await ledger.treeRoot(n)),
          RFC6962_TREE_ROOTS.rootHashesHexBySize[n],
          `treeRoot(${n})`,
        );
      }
    },
  },
  {
    id: "tree.leaf-input",
    group: treeGroup,
    title:
      'each entry\'s leafHash is SHA-256(0x00 ‖ {"ect","ingested_at"[,"wit"]}), ingestion time and WIT covered',
    async run(context) {
      const ledger = await context.newLedger();
      context.clock.set(1_767_225_600_123);
      const a = expectAppended(await ledger.append(await context.issuer.issue()));
      const b = expectAppended(
        await ledger.append(await context.issuer.issue(), { wit: "eyJ0eXAiOiJ3aXQrand0In0.e30.c2ln" }),
      );
      assert.equal(a.entry.ingestedAt, 1_767_225_600_123);
      assert.equal(a.entry.wit, null);
      assert.equal(
        a.entry.leafHash,
        independentLeafHash(a.entry.token, 1_767_225_600_123, null),
        "leaf without WIT",
      );
      assert.equal(b.entry.wit, "eyJ0eXAiOiJ3aXQrand0In0.e30.c2ln", "the WIT is stored");
      assert.equal(
        b.entry.leafHash,
        independentLeafHash(b.entry.token, b.entry.ingestedAt, b.entry.wit),
        "leaf with WIT",
      );
      assert.equal(a.receipt.leafHash, a.entry.leafHash, "the receipt carries the leaf hash");
      for (const e of await ledger.range()) {
        assert.equal(e.leafHash, independentLeafHash(e.token, e.ingestedAt, e.wit), `stored leaf ${e.index}`);
      }
    },
  },
  {
    id: "tree.inclusion-all-up-to-70",
    group: treeGroup,
    title: "inclusion proofs for every index of every tree size 1..70 verify against the independent root",
    async run(context) {
      const ledger = await ledgerWith(context, 70);
      await ledger.integrate();
      const leaves = await independentLeaves(ledger);
      for (let n = 1; n <= 70; n++) {
        const root = independentRoot(leaves.slice(0, n));
        assert.equal(hex(await ledger.treeRoot(n)), hex(root), `treeRoot(${n})`);
        for (let i = 0; i < n; i++) {
          const proof = await ledger.inclusionProof(i, n);
          try {
            verifyInclusion({ leafHash: leaves[i]!, index: i, treeSize: n, proof, root });
          } catch (e) {
            assert.fail(`inclusion proof of ${i} in ${n} does not verify: ${String(e)}`);
          }
        }
      }
    },
  },
  {
    id: "tree.consistency-all-up-to-70",
    group: treeGroup,
    title: "consistency proofs for every pair of sizes 1 <= m <= n <= 70 verify against independent roots",
    async run(context) {
      const ledger = await ledgerWith(context, 70);
      await ledger.integrate();
      const leaves = await independentLeaves(ledger);
      const roots = Array.from({ length: 71 }, (_, n) => independentRoot(leaves.slice(0, n)));
      for (let n = 1; n <= 70; n++) {
        for (let m = 1; m <= n; m++) {
          const proof = await ledger.consistencyProof(m, n);
          try {
            verifyConsistency({ size1: m, size2: n, root1: roots[m]!, root2: roots[n]!, proof });
          } catch (e) {
            assert.fail(`consistency proof ${m} -> ${n} does not verify: ${String(e)}`);
          }
        }
      }
    },
  },
  {
    id: "checkpoint.signatures",
    group: checkpointGroup,
    title:
      "every stored checkpoint is the C2SP note of the right root, signed by the log key (node:crypto Ed25519)",
    async run(context) {
      const ledger = await ledgerWith(context, 9, 4);
      await ledger.integrate();
      const checkpoints = await ledger.checkpoints();
      assert.ok(
        checkpoints.length >= 3,
        `expected checkpoints at 4, 8 and 9 entries, got ${checkpoints.length}`,
      );
      assert.equal(checkpoints[checkpoints.length - 1]!.size, 9);
      await assertCheckpointsValid(context, ledger, "after 9 appends in batches of 4");
    },
  },
  {
    id: "checkpoint.racing-integrators",
    group: checkpointGroup,
    title: "two integrators racing over one store never store two inconsistent checkpoints",
    async run(context) {
      const first = await context.newLedger({ dag: false, checkpointBatch: 1_000_000 });
      const second = sameStoreLedger(context, first);
      for (let round = 0; round < 10; round++) {
        await Promise.all(
          Array.from({ length: 7 }, async (_, i) =>
            (i % 2 ? first : second).append(await context.issuer.issue()),
          ),
        );
        await Promise.all([first.integrate(), second.integrate(), first.integrate(), second.integrate()]);
      }
      assert.equal((await first.latestCheckpoint())?.size, 70, "the latest checkpoint covers every entry");
      await assertCheckpointsValid(context, first, "after racing integrations");
    },
  },
  {
    id: "checkpoint.covered-within-interval",
    group: checkpointGroup,
    title: "every acknowledged entry is covered by a checkpoint once the interval passes or a batch fills",
    async run(context) {
      const ledger = await context.newLedger({ checkpointBatch: 8, checkpointInterval: 1000 });
      for (let i = 0; i < 3; i++) expectAppended(await ledger.append(await context.issuer.issue()));
      assert.ok(
        context.scheduler.pending.some((t) => t.ms <= 1000),
        "an append not yet covered leaves a checkpoint timer of at most checkpointInterval",
      );
      context.scheduler.fire(); // the interval passed
      await settle(
        async () => (await ledger.latestCheckpoint())?.size === 3,
        "checkpoint after the interval",
      );
      for (let i = 0; i < 8; i++) expectAppended(await ledger.append(await context.issuer.issue()));
      // A full batch needs no timer.
      await settle(
        async () => ((await ledger.latestCheckpoint())?.size ?? 0) >= 11,
        "checkpoint after a full batch",
      );
      await assertCheckpointsValid(context, ledger, "interval and batch checkpoints");
    },
  },
  {
    id: "checkpoint.wait-for-inclusion",
    group: checkpointGroup,
    title: "an append that waits for its checkpoint gets an inclusion proof that verifies under it",
    async run(context) {
      const ledger = await context.newLedger();
      for (let i = 0; i < 5; i++) {
        const result = expectAppended(
          await ledger.append(await context.issuer.issue(), { waitForCheckpoint: true }),
        );
        const inclusion = (
          result as {
            inclusion?: { checkpoint: { size: number; root: Uint8Array }; proof: readonly Uint8Array[] };
          }
        ).inclusion;
        assert.ok(inclusion, "waitForCheckpoint returns the inclusion");
        assert.ok(inclusion.checkpoint.size > result.entry.index, "the checkpoint covers the entry");
        verifyInclusion({
          leafHash: fromHex(
            independentLeafHash(result.entry.token, result.entry.ingestedAt, result.entry.wit),
          ),
          index: result.entry.index,
          treeSize: inclusion.checkpoint.size,
          proof: inclusion.proof,
          root: inclusion.checkpoint.root,
        });
      }
    },
  },
  {
    id: "tamper.entry-against-checkpoint",
    group: tamperGroup,
    title: "a stored token, ingestedAt or WIT changed after its checkpoint is found at its index",
    async run(context) {
      for (const [what, change] of [
        ["token", (e: LedgerBackendEntry) => ({ ...e, token: `${e.token.slice(0, -2)}AA` })],
        ["ingestedAt", (e: LedgerBackendEntry) => ({ ...e, ingestedAt: e.ingestedAt + 1 })],
        ["wit", (e: LedgerBackendEntry) => ({ ...e, wit: "eyJhIjoxfQ.e30.c2ln" })],
      ] as const) {
        const ledger = await ledgerWith(context, 6);
        await ledger.integrate();
        await context.tamper(ledger, (entries) => {
          entries[3] = change(entries[3]!);
        });
        const report = await auditLedger({ ledger, dag: false });
        assert.equal(report.valid, false, `${what} changed: the audit must fail`);
        assert.equal(report.firstBadIndex, 3, `${what} changed: the first bad index is 3`);
      }
    },
  },
  {
    id: "tamper.rewritten-leaf-against-checkpoint",
    group: tamperGroup,
    title: "a token replaced together with a matching leafHash is found against the signed checkpoint",
    async run(context) {
      const ledger = await ledgerWith(context, 8);
      await ledger.integrate();
      const forged = await context.issuer.issue();
      await context.tamper(ledger, (entries) => {
        const e = entries[5]!;
        entries[5] = { ...e, token: forged, leafHash: independentLeafHash(forged, e.ingestedAt, e.wit) };
      });
      const report = await auditLedger({ ledger, dag: false });
      assert.equal(report.valid, false, "the audit must fail");
      assert.equal(report.firstBadIndex, 5, "the first bad index is 5");
    },
  },
  {
    id: "tamper.reordered-and-truncated",
    group: tamperGroup,
    title: "reordered entries and a truncated log are found against a stored checkpoint",
    async run(context) {
      const reordered = await ledgerWith(context, 8);
      await reordered.integrate();
      await context.tamper(reordered, (entries) => {
        const [a, b] = [entries[5]!, entries[6]!];
        entries[5] = b;
        entries[6] = a;
      });
      const r1 = await auditLedger({ ledger: reordered, dag: false });
      assert.equal(r1.valid, false, "reordered: the audit must fail");
      assert.equal(r1.firstBadIndex, 5, "reordered: the first bad index is 5");
      const truncated = await ledgerWith(context, 8);
      await truncated.integrate();
      await context.tamper(truncated, (entries) => void entries.splice(6));
      const r2 = await auditLedger({ ledger: truncated, dag: false });
      assert.equal(r2.valid, false, "truncated: the audit must fail");
      assert.equal(r2.firstBadIndex, 6, "truncated: the first missing index is 6");
    },
  },
];
