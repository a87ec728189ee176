// The whole acceptance path per token: verifyEct (full SPEC 5) with an audit ledger whose DAG rules
// run atomically inside the append (SPEC 5.12, 6, 7), so each accepted token reaches level 3 with a
// receipt. Memory: MemoryLedger (DAG rules by default) with the documented dagCheck over it, which
// the verifier skips (the rules run once), in-memory replay cache. Redis: RedisLedger (DAG rules by
// default) + RedisReplayCache (all state in Redis, as several verifier
// instances would share it). Baseline: verifyEct alone (level 2) on the same tokens.
import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { loadEctVerify } from "../lib/ect-api.mjs";
import { interleave } from "../lib/measure.mjs";
import { startPrivateRedis } from "../lib/redis-server.mjs";
import { importPackage } from "../lib/suite.mjs";
import { benchClaims, generateBenchKey, signToken } from "../lib/tokens.mjs";

/**
 * Signed tokens of `workflows` workflows, interleaved round-robin; in each workflow every task
 * names the previous one as its predecessor. Pushes each token onto `tokens` and the index (in
 * `tokens`) of its predecessor's token, or -1 for a root, onto `parents`.
 */
function workflowTokens(count, workflows, privateKey, tokens, parents) {
  const wids = Array.from({ length: workflows }, () => randomUUID());
  const last = new Array(workflows);
  const lastIndex = new Array(workflows).fill(-1);
  for (let i = 0; i < count; i++) {
    const w = i % workflows;
    const claims = benchClaims({ wid: wids[w], pred: last[w] === undefined ? [] : [last[w]] });
    last[w] = claims.jti;
    parents.push(lastIndex[w]);
    lastIndex[w] = tokens.length;
    tokens.push(signToken(claims, privateKey));
  }
}

/**
 * `op(i)` verifying `tokens[i]` and expecting `level`, gated on progress: `op.ready(i)` returns a
 * promise until the call for the predecessor's token has settled (its append acknowledged), so a
 * child is never verified before its parent is stored, however slow a round trip (ECT_DAG_PRED_MISSING
 * otherwise, under "reject"). Parents come hundreds of positions earlier, so the gate rarely waits.
 */
function gatedOp(verify, level, tokens, parents) {
  const settled = new Uint8Array(tokens.length);
  const waiting = new Map();
  const op = async (i) => {
    const verified = await verify(tokens[i]);
    if (verified.level !== level) throw new Error(`token ${i}: level ${verified.level}, expected ${level}`);
    settled[i] = 1;
    const wake = waiting.get(i);
    if (wake !== undefined) {
      waiting.delete(i);
      wake.resolve();
    }
  };
  op.ready = (i) => {
    const parent = parents[i];
    if (parent < 0 || settled[parent] === 1) return undefined;
    let wake = waiting.get(parent);
    if (wake === undefined) {
      wake = {};
      wake.promise = new Promise((resolve) => {
        wake.resolve = resolve;
      });
      waiting.set(parent, wake);
    }
    return wake.promise;
  };
  return op;
}

export default {
  title: "verify + DAG + ledger append per token (level 3), memory and Redis",
  async run(ctx) {
    const { dagCheck } = await importPackage("ect-dag", ["dagCheck"]);
    const { MemoryLedger } = await importPackage("ect-ledger-memory", ["MemoryLedger"]);
    const { RedisLedger, RedisReplayCache } = await importPackage("ect-ledger-redis", [
      "RedisLedger",
      "RedisReplayCache",
    ]);
    const key = generateBenchKey();
    const ect = await loadEctVerify(key);
    // [calls per round, rounds] per mode. Each round verifies its own slice of tokens, made of
    // whole workflows (5 chained tasks each, at least 120 of them interleaved, so no task is in
    // flight with its predecessor), into fresh ledgers and replay caches.
    const plan = ctx.quick ? { 1: [300, 3], 64: [600, 2] } : { 1: [400, 6], 64: [1000, 4] };
    const tokenSets = {};
    for (const [inflight, [count, rounds]] of Object.entries(plan)) {
      const set = { tokens: [], parents: [] };
      for (let r = 0; r < rounds; r++)
        workflowTokens(count, count / 5, key.privateKey, set.tokens, set.parents);
      tokenSets[inflight] = set;
    }
    ctx.log(
      "rounds of whole workflows of 5 chained tasks, interleaved round-robin; fresh ledgers per round; a task starts only after its predecessor's call settled",
    );
    let tokens;
    let parents;

    const server = await startPrivateRedis();
    ctx.log(`redis-server ${server.version ?? "?"} pid ${server.pid}, via ${server.harness}`);
    const client = createClient({ url: server.url });
    client.on("error", (error) => ctx.log(`redis client error: ${error.message}`));
    await client.connect();
    const ledgers = [];
    const expectLevel = (level, verify) => gatedOp(verify, level, tokens, parents);
    try {
      const cases = [
        { name: "verifyEct alone (level 2)", prepare: () => expectLevel(2, ect.newVerify()) },
        {
          name: "verify + DAG + MemoryLedger append",
          // The documented configuration: a dagCheck over the ledger, which enforces the DAG rules
          // itself by default: the verifier skips the check, so the rules run once per token,
          // inside the append, and the ledger gets the token decoded by the verifier.
          prepare: () => {
            const ledger = new MemoryLedger();
            ledgers.push(ledger);
            return expectLevel(
              3,
              ect.newVerify({ options: { ledger, checks: [dagCheck({ store: ledger })] } }),
            );
          },
        },
        {
          name: "verify + DAG + RedisLedger append, RedisReplayCache",
          prepare: () => {
            const id = `bench-${randomUUID()}`;
            const ledger = new RedisLedger({ client, ledgerId: id, onWarning: (m) => ctx.log(m) });
            ledgers.push(ledger);
            const replayCache = new RedisReplayCache({ client, namespace: id, onWarning: (m) => ctx.log(m) });
            return expectLevel(3, ect.newVerify({ options: { ledger, replayCache } }));
          },
        },
      ];
      for (const inflight of [1, 64]) {
        const mode = inflight === 1 ? "sequential" : `${inflight} in flight`;
        const [count, rounds] = plan[inflight];
        ({ tokens, parents } = tokenSets[inflight]);
        const results = await interleave({ cases, count, inflight, rounds, warmup: 0 });
        cases.forEach((c, i) => {
          ctx.record({
            name: `${c.name}, ${mode}`,
            ...results[i],
            inflight,
            ...(i === 0
              ? {}
              : {
                  ratio: results[i].opsPerSec / results[0].opsPerSec,
                  p50Ratio: results[0].p50Us / results[i].p50Us,
                  ratioTo: "verifyEct alone",
                }),
          });
        });
      }
    } finally {
      for (const ledger of ledgers) await ledger.close();
      await client.quit();
      await server.stop();
    }
  },
};
