import { createEct, exportPublicJwk, generateEctKeyPair } from "ect-crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLedger } from "../src/index.js";
import { type RedisServerHandle, startRedisServer } from "../src/testing/index.js";
import { buildForChildProcesses, removeChildBuild, runWorkers } from "./support/child-processes.js";
import { assertLedgerInvariants } from "./support/invariants.js";
import { distinctTokens } from "./support/tokens.js";

// Separate OS processes (child_process), not just concurrent promises: SPEC 6/7 "two concurrent
// appends can never jointly break rules 1-5" and "many verifier instances refuse a replay seen by
// any of them".

let server: RedisServerHandle;
let entry: string;

beforeAll(async () => {
  server = await startRedisServer();
  entry = buildForChildProcesses();
});
afterAll(async () => {
  removeChildBuild(entry);
  await server?.stop();
});

interface AppendWorkerResult {
  readonly results: { index: number; status: string; entryIndex: number | null }[];
}

describe("two OS processes", () => {
  it("appending interleaved to one ledger produce one total order", async () => {
    const ledgerId = `processes-${globalThis.crypto.randomUUID()}`;
    const tokens = await distinctTokens(400);
    const shares = [tokens.slice(0, 200), tokens.slice(200)];
    // One shared token too: both processes append it, exactly one gets "appended".
    const shared = tokens[0]!;
    const outputs = (await runWorkers(
      "append-worker.mjs",
      shares.map((share, i) => ({
        entry,
        url: server.url,
        ledgerId,
        tokens: i === 1 ? [shared, ...share] : share,
        concurrency: 3,
        rendezvous: 2,
      })),
    )) as AppendWorkerResult[];
    const [a, b] = outputs.map((o) => o.results);
    const all = [...a!, ...b!];
    expect(all.filter((r) => r.status === "appended")).toHaveLength(400);
    expect(all.filter((r) => r.status === "duplicate")).toHaveLength(1);
    // Both processes' appends are spread through one sequence: they really ran at the same time,
    // by construction (each waits after its first acknowledged append for the other's first).
    const seqsA = a!.filter((r) => r.status === "appended").map((r) => r.entryIndex!);
    const seqsB = b!.filter((r) => r.status === "appended").map((r) => r.entryIndex!);
    expect(Math.min(...seqsB)).toBeLessThan(Math.max(...seqsA));
    expect(Math.min(...seqsA)).toBeLessThan(Math.max(...seqsB));
    expect([...seqsA, ...seqsB].sort((x, y) => x - y)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    const ledger = new RedisLedger({ url: server.url, ledgerId });
    try {
      await assertLedgerInvariants(ledger, { acknowledged: tokens, unknown: [] });
    } finally {
      await ledger.close();
    }
  }, 60_000);

  it("verifying the same tokens share one RedisReplayCache: each token is accepted by exactly one", async () => {
    const key = await generateEctKeyPair({ kid: "worker-key" });
    const jwk = await exportPublicJwk(key);
    const iss = "spiffe://example.org/agent";
    const verifierId = "spiffe://example.org/verifier";
    const tokens = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        createEct(
          {
            iss,
            aud: verifierId,
            exec_act: "task.run",
            pred: [],
            ...(i % 2 ? { wid: globalThis.crypto.randomUUID() } : {}),
          },
          key,
        ),
      ),
    );
    const namespace = `verifiers-${globalThis.crypto.randomUUID()}`;
    const outputs = (await runWorkers(
      "verify-worker.mjs",
      [tokens, [...tokens].reverse()].map((list) => ({
        entry,
        url: server.url,
        namespace,
        verifierId,
        iss,
        jwk,
        tokens: list,
      })),
    )) as { results: string[] }[];
    const first = outputs[0]!.results;
    const second = [...outputs[1]!.results].reverse();
    for (let i = 0; i < tokens.length; i++) {
      expect([first[i], second[i]].sort()).toEqual(["ECT_REPLAY", "ok"]);
    }
  }, 60_000);
});
