import assert from "node:assert/strict";
import { chainHash, GENESIS_CHAIN_HASH, leafHash } from "ect-core/internal";
import type { ConformanceCheck } from "../conformance-check.js";
import { KNOWN_ANSWER_ENTRIES } from "../known-answers.js";
import { assertEntryHolds, collect, expectAppended } from "./assertions.js";

const group = "sequence and hash chain (SPEC 7)";

/** SPEC 7: contiguous sequence numbers, the shared hash functions, known answers, ingestion time. */
export const chainChecks: readonly ConformanceCheck[] = [
  {
    id: "chain.empty-ledger",
    group,
    title: "an empty ledger has head (0, GENESIS), no entries, a valid empty chain and an empty export",
    async run({ newLedger }) {
      const ledger = await newLedger();
      assert.deepEqual({ ...(await ledger.head()) }, { seq: 0, chainHash: GENESIS_CHAIN_HASH });
      assert.equal(await ledger.getBySeq(1), undefined);
      assert.equal(await ledger.get(null, globalThis.crypto.randomUUID()), undefined);
      assert.equal(await ledger.getEct(null, globalThis.crypto.randomUUID()), undefined);
      assert.deepEqual([...(await ledger.range())], []);
      assert.deepEqual([...(await ledger.listWorkflow(null))], []);
      assert.deepEqual([...(await ledger.conflicts())], []);
      assert.deepEqual(await collect(ledger.exportJsonl()), []);
      const verification = await ledger.verifyChain();
      assert.equal(verification.valid, true, "verifyChain of an empty ledger");
      if (verification.valid) {
        assert.equal(verification.entries, 0);
        assert.deepEqual({ ...verification.head }, { seq: 0, chainHash: GENESIS_CHAIN_HASH });
      }
    },
  },
  {
    id: "chain.contiguous-sequence",
    group,
    title: "appends get sequence numbers 1, 2, 3, ... with no gap, and each entry holds its token",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      const wid = globalThis.crypto.randomUUID();
      const tokens: string[] = [];
      for (let i = 0; i < 7; i++) {
        const token = await issuer.issue(i % 2 === 0 ? { wid } : {});
        tokens.push(token);
        const result = expectAppended(await ledger.append(token), `append #${i + 1}`);
        assert.equal(result.entry.seq, i + 1, `append #${i + 1} must get seq ${i + 1}`);
        assert.equal(result.receipt.seq, i + 1, `receipt of append #${i + 1}`);
        assert.equal((await ledger.head()).seq, i + 1, `head after append #${i + 1}`);
      }
      for (let i = 0; i < tokens.length; i++) {
        assertEntryHolds(await ledger.getBySeq(i + 1), tokens[i]!, i + 1, `getBySeq(${i + 1})`);
      }
      const seqs = (await ledger.range()).map((e) => e.seq);
      assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6, 7], "range() must list every seq once, in order");
    },
  },
  {
    id: "chain.known-answer-hashes",
    group,
    title: "leafHash and chainHash of fixed tokens equal values computed independently with OpenSSL",
    async run({ newLedger }) {
      const ledger = await newLedger();
      for (const record of KNOWN_ANSWER_ENTRIES) {
        const result = expectAppended(await ledger.append(record.token, { now: record.ingestedAt }));
        assert.equal(result.entry.seq, record.seq);
        assert.equal(result.entry.leafHash, record.leafHash, `leafHash of seq ${record.seq}`);
        assert.equal(result.entry.chainHash, record.chainHash, `chainHash of seq ${record.seq}`);
        assert.equal(result.receipt.leafHash, record.leafHash, `receipt leafHash of seq ${record.seq}`);
        assert.equal(result.receipt.chainHash, record.chainHash, `receipt chainHash of seq ${record.seq}`);
      }
      const last = KNOWN_ANSWER_ENTRIES[KNOWN_ANSWER_ENTRIES.length - 1]!;
      assert.deepEqual({ ...(await ledger.head()) }, { seq: last.seq, chainHash: last.chainHash });
      const verification = await ledger.verifyChain();
      assert.equal(verification.valid, true, "verifyChain after the known-answer appends");
    },
  },
  {
    id: "chain.shared-hash-functions",
    group,
    title: "every entry's hashes equal ect-core leafHash(token) and chainHash(previous, leaf)",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      // Non-ASCII claims: the hash is over the token's bytes, whatever the claims contain.
      for (let i = 0; i < 5; i++) {
        await ledger.append(await issuer.issue({ exec_act: `tâche.${i}.日本`, extra: { note: "é\u2028" } }));
      }
      let previous = GENESIS_CHAIN_HASH;
      for (const entry of await ledger.range()) {
        const leaf = await leafHash(entry.token);
        assert.equal(entry.leafHash, leaf, `leafHash of seq ${entry.seq}`);
        const chain = await chainHash(previous, leaf);
        assert.equal(entry.chainHash, chain, `chainHash of seq ${entry.seq}`);
        assert.match(entry.leafHash, /^[0-9a-f]{64}$/, "hashes are lower-case hex");
        previous = chain;
      }
      assert.equal((await ledger.head()).chainHash, previous, "head.chainHash is the last chainHash");
    },
  },
  {
    id: "chain.ingestion-time",
    group,
    title: "ingestedAt and appendedAt come from the ledger clock, or from append's `now` when given",
    async run({ newLedger, issuer, clock }) {
      const ledger = await newLedger();
      clock.set(1_800_000_000_123);
      const first = expectAppended(await ledger.append(await issuer.issue()));
      assert.equal(first.entry.ingestedAt, 1_800_000_000_123, "ingestedAt from the clock");
      assert.equal(first.receipt.appendedAt, 1_800_000_000_123, "appendedAt equals ingestedAt");
      clock.advance(5_000);
      const second = expectAppended(await ledger.append(await issuer.issue(), { now: 1_700_000_000_000 }));
      assert.equal(second.entry.ingestedAt, 1_700_000_000_000, "ingestedAt from append's now");
      assert.equal(second.receipt.appendedAt, 1_700_000_000_000);
      assert.equal((await ledger.getBySeq(1))?.ingestedAt, 1_800_000_000_123);
    },
  },
];
