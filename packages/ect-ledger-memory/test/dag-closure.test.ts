import type { LedgerEntry } from "ect-core";
import { createEct, type EctKeyPair, generateEctKeyPair } from "ect-crypto";
import {
  exportLedgerJsonl,
  importLedgerJsonl,
  type LedgerBackendEntry,
  TransparencyLedger,
} from "ect-ledger";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { MemoryLedger, MemoryLedgerBackend } from "../src/index.js";
import { tamperMemoryLedger } from "../src/testing.js";

const NOW = 1_767_225_600_000;
const clock = () => NOW;
const uuid = () => globalThis.crypto.randomUUID();

let agent: EctKeyPair;
beforeAll(async () => {
  agent = await generateEctKeyPair({ kid: "agent-1" });
});

function ect(claims: { wid: string; jti?: string; pred?: string[] }) {
  return createEct(
    {
      iss: "spiffe://example.org/agent",
      aud: "spiffe://example.org/ledger",
      exec_act: "task.run",
      pred: [],
      ...claims,
    },
    agent,
    { clock, config: { maxPredLength: 0 } },
  );
}

function backendOf(ledger: TransparencyLedger): MemoryLedgerBackend {
  expect(ledger.backend).toBeInstanceOf(MemoryLedgerBackend);
  return ledger.backend as MemoryLedgerBackend;
}

/** The closure mark the backend stored with an entry (profile §6 note). */
async function markOf(ledger: TransparencyLedger, entry: LedgerEntry): Promise<number | undefined> {
  const stored = await ledger.backend.getByKey(
    `${(entry.wid ?? "").toLowerCase()}|${entry.jti.toLowerCase()}`,
  );
  return (stored as LedgerBackendEntry).closedAncestors;
}

async function appended(ledger: TransparencyLedger, token: string): Promise<LedgerEntry> {
  const result = await ledger.append(token);
  if (result.status !== "appended") throw new Error(`expected appended, got ${result.status}`);
  return result.entry;
}

/** A chain of `length` entries appended through `ledger`; returns them in order. */
async function chainOf(ledger: TransparencyLedger, wid: string, length: number, first?: string) {
  const out: LedgerEntry[] = [];
  let last = first;
  for (let i = 0; i < length; i++) {
    const entry = await appended(ledger, await ect({ wid, pred: last === undefined ? [] : [last] }));
    out.push(entry);
    last = entry.jti;
  }
  return out;
}

describe("MemoryLedgerBackend keeps the closure mark with each entry (profile §6 note)", () => {
  it("stores the number of ancestors of what the rules admitted, atomically with the entry", async () => {
    const ledger = new MemoryLedger({ clock });
    const entries = await chainOf(ledger, uuid(), 4);
    expect(await Promise.all(entries.map((e) => markOf(ledger, e)))).toEqual([0, 1, 2, 3]);
  });

  it("stores none for what the rules did not admit, nor for anything descending from it", async () => {
    const ledger = new MemoryLedger({ clock });
    const rulesOff = new TransparencyLedger({ backend: ledger.backend, clock, dag: false });
    const wid = uuid();
    const [root] = await chainOf(ledger, wid, 1);
    const around = await appended(rulesOff, await ect({ wid, pred: [root!.jti, uuid()] }));
    const below = await chainOf(ledger, wid, 3, around.jti);
    const rootless = await appended(rulesOff, await ect({ wid }));
    expect(await markOf(ledger, root!)).toBe(0);
    for (const e of [around, ...below, rootless]) expect(await markOf(ledger, e)).toBeUndefined();

    const allow = new MemoryLedger({ clock, dag: { unresolvedPredecessors: "allow" } });
    const [r] = await chainOf(allow, wid, 1);
    const unresolved = await appended(allow, await ect({ wid, pred: [r!.jti, uuid()] }));
    const resolved = await appended(allow, await ect({ wid, pred: [r!.jti] }));
    expect(await markOf(allow, unresolved)).toBeUndefined();
    expect(await markOf(allow, resolved)).toBe(1); // every predecessor stored and closed
  });

  it("imported entries and entries rewritten behind the ledger carry none", async () => {
    const source = new MemoryLedger({ clock });
    const entries = await chainOf(source, uuid(), 3);
    await source.integrate();
    const imported = new MemoryLedger({ clock });
    await importLedgerJsonl(imported, exportLedgerJsonl(source));
    for (const e of entries) expect(await markOf(imported, e)).toBeUndefined();
    tamperMemoryLedger(source, () => {});
    for (const e of entries) expect(await markOf(source, e)).toBeUndefined();
  });
});

describe("MemoryLedger skips the ancestor walk over closed predecessors (profile §6 note)", () => {
  it("looks up only the token's identity and its predecessor at depth 40; walks after an entry the rules did not admit", async () => {
    const ledger = new MemoryLedger({ clock });
    const backend = backendOf(ledger);
    const wid = uuid();
    const entries = await chainOf(ledger, wid, 40);
    const lookups = vi.spyOn(backend, "getByKey");
    await chainOf(ledger, wid, 1, entries[39]!.jti);
    expect(lookups).toHaveBeenCalledTimes(2);

    const rulesOff = new TransparencyLedger({ backend, clock, dag: false });
    const around = await appended(rulesOff, await ect({ wid, pred: [entries[39]!.jti] }));
    await chainOf(ledger, wid, 1, around.jti);
    lookups.mockClear();
    const [next] = await chainOf(ledger, wid, 1, around.jti);
    expect(lookups.mock.calls.length).toBeGreaterThan(40); // the walk, down to the root
    expect(await markOf(ledger, next!)).toBeUndefined();
  });
});
