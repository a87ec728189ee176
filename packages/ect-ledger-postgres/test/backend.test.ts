import { EctConfigError, EctErrorCodes, isEctError } from "ect-core";
import type { SequenceCheck } from "ect-ledger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresLedger, PostgresLedgerBackend, type PostgresLedgerBackendOptions } from "../src/index.js";
import {
  type PostgresServerHandle,
  startPostgresFaultProxy,
  startPostgresServer,
} from "../src/testing/index.js";
import { draft } from "./support/drafts.js";

// The backend contract of ect-ledger on PostgreSQL (profile §7 "Backends"): atomic sequencing under
// the ledger's advisory lock, group commit, idempotent retries, the integration compare-and-set.

let server: PostgresServerHandle;
const backends: PostgresLedgerBackend[] = [];
const uuid = () => globalThis.crypto.randomUUID();

function backend(options: Partial<PostgresLedgerBackendOptions> = {}): PostgresLedgerBackend {
  const made = new PostgresLedgerBackend({
    connectionString: server.connectionString,
    ledgerId: `t-${uuid()}`,
    maxConnections: 3,
    ...options,
  } as PostgresLedgerBackendOptions);
  backends.push(made);
  return made;
}

beforeAll(async () => {
  server = await startPostgresServer();
  await backend().migrate();
});
afterAll(async () => {
  for (const b of backends) await b.close();
  await server?.stop();
});

describe("PostgresLedgerBackend sequencing", () => {
  it("assigns contiguous indexes to 200 concurrent appends from two instances, each key once", async () => {
    const a = backend();
    const b = backend({ ledgerId: a.ledgerId });
    const drafts = Array.from({ length: 200 }, () => draft());
    const twice = drafts.slice(0, 20);
    const outcomes = await Promise.all([
      ...drafts.map((d, i) => (i % 2 ? a : b).sequence(d)),
      ...twice.map((d, i) => (i % 2 ? b : a).sequence(d)),
    ]);
    const appended = outcomes.filter((o) => o.status === "appended");
    expect(appended).toHaveLength(200);
    expect(outcomes.filter((o) => o.status === "exists")).toHaveLength(20);
    const indexes = appended.map((o) => (o.status === "appended" ? o.entry.index : -1)).sort((x, y) => x - y);
    expect(indexes).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(await a.size()).toBe(200);
    const stored = await b.getEntries(0, 200);
    expect(stored.map((e) => e.index)).toEqual(indexes);
    expect(new Set(stored.map((e) => e.jti)).size).toBe(200);
  });

  it("runs the check inside the transaction: it sees entries sequenced before it, even in the same batch", async () => {
    const b = backend();
    const parent = draft();
    const child = draft({ pred: [parent.jti] });
    const orphan = draft({ pred: [uuid()] });
    const check: SequenceCheck = {
      onlyIdentityNeedsAtomicity: false,
      run: async () => ({ valid: true, violations: [], unresolvedPredecessors: [] }),
    };
    const refuseMissing = (d: ReturnType<typeof draft>): SequenceCheck => ({
      onlyIdentityNeedsAtomicity: false,
      async run(view) {
        for (const p of d.claims.pred) {
          if ((await view.getByKey(`|${p.toLowerCase()}`)) === undefined) {
            return { valid: false, violations: [], unresolvedPredecessors: [] };
          }
        }
        return { valid: true, violations: [], unresolvedPredecessors: [] };
      },
    });
    const [p, c, o] = await Promise.all([
      b.sequence(parent, check),
      b.sequence(child, refuseMissing(child)),
      b.sequence(orphan, refuseMissing(orphan)),
    ]);
    expect(p.status).toBe("appended");
    expect(c.status).toBe("appended");
    expect(o.status).toBe("rejected");
    expect(await b.size()).toBe(2);
    expect(await b.getByKey(orphan.key)).toBeUndefined();
  });

  it("an append whose COMMIT reply was lost resolves as appended once, then exists", async () => {
    const proxy = await startPostgresFaultProxy({ target: server });
    try {
      const b = backend({ connectionString: proxy.connectionString });
      await b.sequence(draft()); // connected, checks done
      const lost = proxy.resetOnStatement(/COMMIT$/, "after");
      const d = draft();
      const first = await b.sequence(d);
      await lost;
      expect(first.status).toBe("appended");
      expect((await b.sequence(d)).status).toBe("exists");
      const reset = proxy.resetOnStatement(/COMMIT$/, "before");
      const e = draft();
      const second = await b.sequence(e);
      await reset;
      expect(second.status).toBe("appended");
      const entries = await b.getEntries(0, 10);
      expect(entries.map((x) => x.jti)).toEqual([entries[0]!.jti, d.jti, e.jti]);
    } finally {
      await proxy.close();
    }
  });
});

describe("PostgresLedgerBackend records", () => {
  it("records a conflict once per (key, token), with contiguous ids", async () => {
    const b = backend();
    const d = draft();
    await b.sequence(d);
    const evidence = (token: string) => ({
      key: d.key,
      wid: d.wid,
      jti: d.jti,
      token,
      wit: null,
      existingIndex: 0,
      receivedAt: 1_767_225_601_000,
    });
    const [x, y] = await Promise.all([
      b.recordConflict(evidence("a.b.c")),
      b.recordConflict(evidence("a.b.d")),
    ]);
    expect([x.id, y.id].sort()).toEqual([0, 1]);
    expect(await b.recordConflict(evidence("a.b.c"))).toEqual(x);
    expect((await b.conflicts()).map((c) => c.token).sort()).toEqual(["a.b.c", "a.b.d"]);
  });

  it("commitIntegration is a compare-and-set: of two racing integrators from one size, one stores", async () => {
    const a = backend();
    const b = backend({ ledgerId: a.ledgerId });
    for (let i = 0; i < 4; i++) await a.sequence(draft());
    const commit = (byte: number) => ({
      fromSize: 0,
      checkpoint: { size: 4, root: new Uint8Array(32).fill(byte), note: `note ${byte}` },
      nodes: [
        { level: 1, index: 0, hash: new Uint8Array(32).fill(byte) },
        { level: 2, index: 0, hash: new Uint8Array(32).fill(byte) },
      ],
    });
    const results = await Promise.all([a.commitIntegration(commit(1)), b.commitIntegration(commit(2))]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results[0] ? 1 : 2;
    expect((await a.latestCheckpoint())?.note).toBe(`note ${winner}`);
    expect(await a.checkpoints()).toHaveLength(1);
    const nodes = await b.getNodes([
      { level: 1, index: 0 },
      { level: 2, index: 0 },
      { level: 1, index: 1 },
    ]);
    expect(nodes.map((n) => n?.[0])).toEqual([winner, winner, undefined]);
    expect(await a.commitIntegration({ ...commit(3), fromSize: 2 })).toBe(false);
  });

  it("imports into an empty ledger all at once, and refuses a ledger that is not empty", async () => {
    const source = Array.from({ length: 5 }, () => draft());
    const b = backend();
    await b.importBatch({
      entries: source,
      conflicts: [],
      checkpoints: [{ size: 5, root: new Uint8Array(32), note: "n" }],
      nodes: [{ level: 1, index: 0, hash: new Uint8Array(32) }],
    });
    expect((await b.getEntries(0, 5)).map((e) => e.jti)).toEqual(source.map((d) => d.jti));
    expect((await b.sequence(draft())).status).toBe("appended");
    const error = await b
      .importBatch({ entries: source, conflicts: [], checkpoints: [], nodes: [] })
      .catch((e) => e);
    expect(isEctError(error) && error.code).toBe(EctErrorCodes.LEDGER_IMPORT_INVALID);
  });

  it("answers the queries by key, jti in any scope, workflow and range", async () => {
    const b = backend();
    const wid = uuid();
    const shared = uuid();
    const inScope = draft({ wid, jti: shared });
    const unscoped = draft({ jti: shared });
    await b.sequence(unscoped);
    await b.sequence(inScope);
    await b.sequence(draft({ wid }));
    expect((await b.getByKey(inScope.key))?.index).toBe(1);
    expect((await b.findByJti(shared))?.index).toBe(0);
    expect((await b.listWorkflow(wid.toLowerCase())).map((e) => e.index)).toEqual([1, 2]);
    expect((await b.listWorkflow("")).map((e) => e.index)).toEqual([0]);
    expect((await b.getEntries(1, 99)).map((e) => e.index)).toEqual([1, 2]);
    expect((await b.getByKey(inScope.key))?.claims).toEqual(inScope.claims);
  });

  it("refuses bad options at construction with an EctConfigError naming the option (ECT_CONFIG_INVALID)", () => {
    const connectionString = server.connectionString;
    const refused = (options: object): unknown => {
      try {
        new PostgresLedgerBackend(options as PostgresLedgerBackendOptions);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    for (const [options, option] of [
      [{ connectionString }, "ledgerId"],
      [{ connectionString, ledgerId: "a b" }, "ledgerId"],
      [{ connectionString, ledgerId: "x", maxBatch: 0 }, "maxBatch"],
      [{ connectionString, ledgerId: "x", maxBach: 5 }, "maxBach"],
      [{ connectionString, ledgerId: "x", statementTimeoutMs: -1 }, "statementTimeoutMs"],
      [{ connectionString, ledgerId: "x", acceptNonDurable: "yes" }, "acceptNonDurable"],
      [{ connectionString, ledgerId: "x", onWarning: 1 }, "onWarning"],
      [{ ledgerId: "x" }, "connectionString"],
    ] as const) {
      const error = refused(options);
      expect(error, option).toBeInstanceOf(EctConfigError);
      expect(error).toBeInstanceOf(TypeError);
      expect(error).toMatchObject({ code: EctErrorCodes.CONFIG_INVALID, option });
    }
    for (const [options, option] of [
      [{ connectionString, ledgerId: "x", backend: {} }, "backend"],
      [{ connectionString, ledgerId: "x", checkpointBatch: 0 }, "checkpointBatch"],
      [{ connectionString, ledgerId: "x", clokc: Date.now }, "clokc"],
      [{ connectionString, ledgerId: "x", dag: { maxTraversl: 5 } }, "dag.maxTraversl"],
    ] as const) {
      expect(() => new PostgresLedger(options as never), option).toThrow(
        expect.objectContaining({ name: "EctConfigError", code: EctErrorCodes.CONFIG_INVALID, option }),
      );
    }
  });
});
