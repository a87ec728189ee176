import assert from "node:assert/strict";
import { EctErrorCodes, type Ledger } from "ect-core";
import { chainHash, type LedgerEntryRecord, leafHash } from "ect-core/internal";
import type { ConformanceCheck, ConformanceContext } from "../conformance-check.js";
import { KNOWN_ANSWER_ENTRIES, KNOWN_ANSWER_EXPORT } from "../known-answers.js";
import { assertEmpty, collect, expectAppended, expectEctError, recordOf } from "./assertions.js";

const group = "export and import (SPEC 7)";

const RECORD_MEMBERS = ["chainHash", "ingestedAt", "iss", "jti", "leafHash", "seq", "token", "wid"];

async function filledLedger(context: ConformanceContext, count = 6): Promise<Ledger> {
  const ledger = await context.newLedger();
  const wid = globalThis.crypto.randomUUID();
  for (let i = 0; i < count; i++) {
    context.clock.advance(1_000);
    expectAppended(await ledger.append(await context.issuer.issue(i % 2 ? { wid } : {})));
  }
  return ledger;
}

async function exportLines(ledger: Ledger): Promise<string[]> {
  return collect(ledger.exportJsonl());
}

/** Import must refuse `lines` with ECT_LEDGER_IMPORT_INVALID and leave a fresh ledger empty. */
async function assertImportRefused(context: ConformanceContext, lines: readonly string[], what: string) {
  const target = await context.newLedger();
  await expectEctError(() => target.importJsonl(lines), EctErrorCodes.LEDGER_IMPORT_INVALID, what);
  await assertEmpty(target, `${what}: a refused import writes nothing`);
}

function editLine(line: string, edit: (record: Record<string, unknown>) => void): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  edit(record);
  return JSON.stringify(record);
}

/** SPEC 7 export/import as JSON Lines, and refusal of anything that does not recompute. */
export const exportImportChecks: readonly ConformanceCheck[] = [
  {
    id: "export.format",
    group,
    title: "exportJsonl yields one LedgerEntryRecord JSON per entry, in seq order, without newlines",
    async run(context) {
      const ledger = await filledLedger(context);
      const lines = await exportLines(ledger);
      const entries = await ledger.range();
      assert.equal(lines.length, entries.length);
      lines.forEach((line, i) => {
        assert.ok(!line.includes("\n") && !line.includes("\r"), `line ${i + 1} contains a line break`);
        const record = JSON.parse(line) as Record<string, unknown>;
        assert.deepEqual(Object.keys(record).sort(), RECORD_MEMBERS, `line ${i + 1} members`);
        assert.deepEqual(record, { ...recordOf(entries[i]!) }, `line ${i + 1} is entry ${i + 1}`);
      });
    },
  },
  {
    id: "export.round-trip",
    group,
    title:
      "export then import into a fresh ledger gives identical entries and hashes; appends continue the chain",
    async run(context) {
      const source = await filledLedger(context, 8);
      await source.append(await context.issuer.issue()); // seq 9
      const lines = await exportLines(source);
      const target = await context.newLedger();
      const result = await target.importJsonl(lines);
      assert.equal(result.imported, 9);
      assert.deepEqual({ ...result.head }, { ...(await source.head()) }, "head after import");
      assert.deepEqual({ ...(await target.head()) }, { ...(await source.head()) });
      assert.deepEqual(
        (await target.range()).map(recordOf),
        (await source.range()).map(recordOf),
        "entries after import",
      );
      assert.deepEqual(await exportLines(target), lines, "re-export gives the same lines");
      assert.equal((await target.verifyChain()).valid, true, "verifyChain after import");
      // Identity lookups work on imported entries, and a re-send is a duplicate.
      const first = (await source.getBySeq(1))!;
      assert.equal((await target.get(first.wid, first.jti))?.token, first.token);
      assert.equal((await target.append(first.token)).status, "duplicate", "re-sending an imported token");
      const next = await context.issuer.issue();
      const appended = expectAppended(await target.append(next), "append after import");
      assert.equal(appended.entry.seq, 10, "appends continue after the imported head");
      assert.equal((await target.verifyChain()).valid, true);
      // An async iterable source works too.
      const third = await context.newLedger();
      await third.importJsonl(source.exportJsonl());
      assert.deepEqual(
        { ...(await third.head()) },
        { ...(await source.head()) },
        "import from an async iterable",
      );
    },
  },
  {
    id: "export.cross-backend-known-answer",
    group,
    title: "importing the known-answer export (made elsewhere) gives its head and entries",
    async run({ newLedger }) {
      const ledger = await newLedger();
      const result = await ledger.importJsonl(KNOWN_ANSWER_EXPORT);
      const last = KNOWN_ANSWER_ENTRIES[KNOWN_ANSWER_ENTRIES.length - 1]!;
      assert.equal(result.imported, KNOWN_ANSWER_ENTRIES.length);
      assert.deepEqual({ ...result.head }, { seq: last.seq, chainHash: last.chainHash });
      assert.deepEqual(
        (await ledger.range()).map(recordOf),
        KNOWN_ANSWER_ENTRIES.map((r) => ({ ...r })),
      );
      assert.deepEqual(await exportLines(ledger), [...KNOWN_ANSWER_EXPORT]);
    },
  },
  {
    id: "import.refuses-tampered-token",
    group,
    title: "an export whose token was changed (even with its leafHash recomputed) is refused",
    async run(context) {
      const lines = await exportLines(await filledLedger(context));
      const other = await context.issuer.issue();
      await assertImportRefused(
        context,
        lines.map((l, i) =>
          i === 2
            ? editLine(l, (r) => {
                r["token"] = other;
              })
            : l,
        ),
        "token replaced",
      );
      const leaf = await leafHash(other);
      await assertImportRefused(
        context,
        lines.map((l, i) =>
          i === 2 ? editLine(l, (r) => Object.assign(r, { token: other, leafHash: leaf })) : l,
        ),
        "token replaced, leafHash recomputed, chain not",
      );
    },
  },
  {
    id: "import.refuses-reordered",
    group,
    title: "an export with lines swapped is refused",
    async run(context) {
      const lines = await exportLines(await filledLedger(context));
      const swapped = [...lines];
      [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
      await assertImportRefused(context, swapped, "lines 2 and 3 swapped");
      const renumbered = swapped.map((l, i) =>
        editLine(l, (r) => {
          r["seq"] = i + 1;
        }),
      );
      await assertImportRefused(context, renumbered, "lines swapped and renumbered");
    },
  },
  {
    id: "import.refuses-truncated",
    group,
    title: "an export with a missing line or a line cut short is refused",
    async run(context) {
      const lines = await exportLines(await filledLedger(context));
      await assertImportRefused(
        context,
        lines.filter((_, i) => i !== 3),
        "line 4 missing",
      );
      await assertImportRefused(context, lines.slice(1), "line 1 missing");
      const cut = [...lines];
      cut[cut.length - 1] = cut[cut.length - 1]!.slice(0, 40);
      await assertImportRefused(context, cut, "last line cut short");
    },
  },
  {
    id: "import.refuses-inconsistent-records",
    group,
    title: "records whose chainHash, identity fields, members or types do not match are refused",
    async run(context) {
      const lines = await exportLines(await filledLedger(context, 4));
      const at = (index: number, edit: (r: Record<string, unknown>) => void) =>
        lines.map((l, i) => (i === index ? editLine(l, edit) : l));
      await assertImportRefused(
        context,
        at(1, (r) => {
          r["chainHash"] = "0".repeat(64);
        }),
        "wrong chainHash",
      );
      await assertImportRefused(
        context,
        at(1, (r) => {
          r["leafHash"] = "f".repeat(64);
        }),
        "wrong leafHash",
      );
      await assertImportRefused(
        context,
        at(2, (r) => {
          r["jti"] = globalThis.crypto.randomUUID();
        }),
        "jti not the token's",
      );
      await assertImportRefused(
        context,
        at(1, (r) => {
          r["wid"] = globalThis.crypto.randomUUID();
        }),
        "wid not the token's",
      );
      await assertImportRefused(
        context,
        at(0, (r) => {
          r["iss"] = "spiffe://evil";
        }),
        "iss not the token's",
      );
      await assertImportRefused(
        context,
        at(0, (r) => {
          r["seq"] = "1";
        }),
        "seq not a number",
      );
      await assertImportRefused(
        context,
        at(0, (r) => {
          r["ingestedAt"] = -5;
        }),
        "negative ingestedAt",
      );
      await assertImportRefused(
        context,
        at(0, (r) => {
          r["extra"] = 1;
        }),
        "unknown member",
      );
      await assertImportRefused(
        context,
        at(0, (r) => void delete r["iss"]),
        "missing member",
      );
      // Correctly chained, but an identity already imported: the same token again, or another
      // token under the same (wid, jti).
      const first = JSON.parse(lines[0]!) as LedgerEntryRecord;
      const last = JSON.parse(lines[lines.length - 1]!) as LedgerEntryRecord;
      const again = {
        ...first,
        seq: last.seq + 1,
        chainHash: await chainHash(last.chainHash, first.leafHash),
      };
      await assertImportRefused(context, [...lines, JSON.stringify(again)], "the same token twice");
      const sameKey = await context.issuer.issue({
        jti: first.jti,
        ...(first.wid ? { wid: first.wid } : {}),
      });
      const sameKeyLeaf = await leafHash(sameKey);
      const clash = {
        ...again,
        token: sameKey,
        iss: context.issuer.iss,
        leafHash: sameKeyLeaf,
        chainHash: await chainHash(last.chainHash, sameKeyLeaf),
      };
      await assertImportRefused(
        context,
        [...lines, JSON.stringify(clash)],
        "another token under an imported identity",
      );
      await assertImportRefused(context, ["[1,2,3]"], "not an object");
      await assertImportRefused(context, ["not json"], "not JSON");
    },
  },
  {
    id: "import.refuses-non-empty-target",
    group,
    title: "importing into a ledger that already has entries is refused and changes nothing",
    async run(context) {
      const lines = await exportLines(await filledLedger(context, 3));
      const target = await filledLedger(context, 2);
      const headBefore = await target.head();
      await expectEctError(
        () => target.importJsonl(lines),
        EctErrorCodes.LEDGER_IMPORT_INVALID,
        "non-empty target",
      );
      assert.deepEqual({ ...(await target.head()) }, { ...headBefore });
    },
  },
];
