import assert from "node:assert/strict";
import { EctErrorCodes } from "ect-core";
import {
  exportLedgerJsonl,
  importLedgerJsonl,
  LEDGER_EXPORT_FORMAT,
  type TransparencyLedger,
} from "ect-ledger";
import type { ConformanceCheck, ConformanceContext } from "../conformance-check.js";
import {
  assertAuditClean,
  assertEmpty,
  collect,
  expectAppended,
  expectEctError,
  recordOf,
} from "./assertions.js";

const group = "export and import (profile §7)";

async function filledLedger(context: ConformanceContext, count = 6): Promise<TransparencyLedger> {
  const ledger = await context.newLedger({ checkpointBatch: 4 });
  const wid = globalThis.crypto.randomUUID();
  for (let i = 0; i < count; i++) {
    context.clock.advance(1_000);
    expectAppended(await ledger.append(await context.issuer.issue(i % 2 ? { wid } : {})));
  }
  const first = (await ledger.getByIndex(0))!;
  // One conflict record, so the export carries evidence too.
  await ledger.append(await context.issuer.issue({ jti: first.jti, exec_act: "conflicting" }));
  await ledger.integrate();
  return ledger;
}

/** Import must refuse `lines` with ECT_LEDGER_IMPORT_INVALID and leave a fresh ledger empty. */
async function assertImportRefused(context: ConformanceContext, lines: readonly string[], what: string) {
  const target = await context.newLedger();
  await expectEctError(() => importLedgerJsonl(target, lines), EctErrorCodes.LEDGER_IMPORT_INVALID, what);
  await assertEmpty(target, `${what}: a refused import writes nothing`);
  assert.equal((await target.checkpoints()).length, 0, `${what}: no checkpoint stored`);
}

/** The line with one member set to `value` (added when absent). */
function withMember(line: string, name: string, value: unknown): string {
  return JSON.stringify({ ...(JSON.parse(line) as Record<string, unknown>), [name]: value });
}

/** profile §7 export/import as JSON Lines, and refusal of anything that does not verify. */
export const exportImportChecks: readonly ConformanceCheck[] = [
  {
    id: "export.format",
    group,
    title: "the export is a header line (format, origin, vkey), then entries, conflicts, checkpoints",
    async run(context) {
      const ledger = await filledLedger(context);
      const lines = await collect(exportLedgerJsonl(ledger));
      for (const line of lines) assert.ok(!/[\r\n]/.test(line), "no line breaks inside a line");
      const [header, ...rest] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(header, {
        format: LEDGER_EXPORT_FORMAT,
        origin: ledger.origin,
        vkey: context.noteSigner.vkey,
      });
      const entries = await ledger.range();
      const types = rest.map((r) => r["type"]);
      assert.deepEqual(
        types,
        [...entries.map(() => "entry"), "conflict", ...(await ledger.checkpoints()).map(() => "checkpoint")],
        "entries, then conflicts, then checkpoints",
      );
      entries.forEach((e, i) => {
        assert.deepEqual(
          rest[i],
          {
            type: "entry",
            index: e.index,
            token: e.token,
            ingestedAt: e.ingestedAt,
            wit: e.wit,
            leafHash: e.leafHash,
          },
          `entry line ${i}`,
        );
      });
    },
  },
  {
    id: "export.round-trip",
    group,
    title: "export then import into a fresh ledger gives the same entries, conflicts, checkpoints and proofs",
    async run(context) {
      const source = await filledLedger(context, 9);
      const lines = await collect(exportLedgerJsonl(source));
      const target = await context.newLedger();
      const result = await importLedgerJsonl(target, lines);
      assert.deepEqual(
        { entries: result.entries, conflicts: result.conflicts, checkpoints: result.checkpoints },
        { entries: 9, conflicts: 1, checkpoints: (await source.checkpoints()).length },
      );
      assert.deepEqual((await target.range()).map(recordOf), (await source.range()).map(recordOf), "entries");
      assert.deepEqual(await collect(exportLedgerJsonl(target)), lines, "re-export gives the same lines");
      const latest = (await target.latestCheckpoint())!;
      assert.deepEqual(
        await target.inclusionProof(3, latest.size),
        await source.inclusionProof(3, latest.size),
      );
      await assertAuditClean(target, "after import");
      const first = (await source.getByIndex(0))!;
      assert.equal((await target.append(first.token)).status, "duplicate", "re-sending an imported token");
      const appended = expectAppended(
        await target.append(await context.issuer.issue()),
        "append after import",
      );
      assert.equal(appended.entry.index, 9, "appends continue after the imported entries");
      await assertAuditClean(target, "after an append on the import");
      const third = await context.newLedger();
      await importLedgerJsonl(third, exportLedgerJsonl(source));
      assert.equal(await third.size(), 9, "import from an async iterable");
    },
  },
  {
    id: "import.refuses-what-does-not-verify",
    group,
    title:
      "import refuses (ECT_LEDGER_IMPORT_INVALID, nothing stored) edited tokens, times, hashes, order, checkpoints and signatures",
    async run(context) {
      const source = await filledLedger(context, 6);
      const lines = await collect(exportLedgerJsonl(source));
      const entryAt = (i: number) => 1 + i;
      const checkpointAt = lines.findIndex((l) => l.includes('"type":"checkpoint"'));
      const variants: [string, string[]][] = [
        [
          "a later ingestedAt",
          lines.map((l, i) =>
            i === entryAt(2)
              ? withMember(l, "ingestedAt", (JSON.parse(l) as { ingestedAt: number }).ingestedAt + 1)
              : l,
          ),
        ],
        ["a wit added", lines.map((l, i) => (i === entryAt(2) ? withMember(l, "wit", "a.b.c") : l))],
        [
          "a leafHash changed",
          lines.map((l, i) => (i === entryAt(1) ? withMember(l, "leafHash", "0".repeat(64)) : l)),
        ],
        [
          "two entries swapped",
          lines.map((l, i) =>
            i === entryAt(1) ? lines[entryAt(2)]! : i === entryAt(2) ? lines[entryAt(1)]! : l,
          ),
        ],
        ["an entry dropped", lines.filter((_, i) => i !== entryAt(3))],
        [
          "a checkpoint root changed",
          lines.map((l, i) => (i === checkpointAt ? withMember(l, "root", btoa("x".repeat(32))) : l)),
        ],
        [
          "a checkpoint signature byte flipped (root untouched)",
          lines.map((l, i) => {
            if (i !== checkpointAt) return l;
            const note = (JSON.parse(l) as { note: string }).note;
            const at = note.lastIndexOf(" ") + 10; // inside the base64 of key id and signature
            return withMember(
              l,
              "note",
              `${note.slice(0, at)}${note[at] === "A" ? "B" : "A"}${note.slice(at + 1)}`,
            );
          }),
        ],
        ["another origin", lines.map((l, i) => (i === 0 ? withMember(l, "origin", "evil.example/log") : l))],
        ["an unknown member", lines.map((l, i) => (i === entryAt(0) ? withMember(l, "extra", 1) : l))],
        ["not JSON", lines.map((l, i) => (i === entryAt(0) ? `${l}}` : l))],
        ["no header", lines.slice(1)],
      ];
      for (const [what, variant] of variants) await assertImportRefused(context, variant, what);
    },
  },
  {
    id: "import.needs-empty-ledger",
    group,
    title: "import into a ledger that holds entries is refused and changes nothing",
    async run(context) {
      const source = await filledLedger(context, 3);
      const lines = await collect(exportLedgerJsonl(source));
      const target = await context.newLedger();
      expectAppended(await target.append(await context.issuer.issue()));
      await expectEctError(
        () => importLedgerJsonl(target, lines),
        EctErrorCodes.LEDGER_IMPORT_INVALID,
        "non-empty",
      );
      assert.equal(await target.size(), 1);
    },
  },
];
