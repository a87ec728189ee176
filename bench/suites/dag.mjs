// validateDag (ect-dag, SPEC 6 rules 1-6) per new token against workflows of 1k, 10k and 100k
// stored nodes in a Map-backed EctStore. The cost of one validation is the lookups of the token's
// own key, its predecessors and its ancestors; it should not depend on how many other nodes the
// workflow holds. A second part measures the ancestor walk itself on chains of growing depth.
import { randomUUID } from "node:crypto";
import { interleave, measure } from "../lib/measure.mjs";
import { importPackage } from "../lib/suite.mjs";

/** An EctStore over a Map keyed by ectKey(wid, jti). Only claims are read by the DAG rules. */
function mapStore(ectKey) {
  const map = new Map();
  return {
    map,
    put(claims) {
      map.set(ectKey(claims.wid, claims.jti), { token: "(claims only)", claims });
    },
    async getEct(wid, jti) {
      return map.get(ectKey(wid, jti));
    },
  };
}

function node(wid, iat, pred) {
  return {
    iss: "spiffe://bench.example/agent",
    aud: "https://ledger.bench.example",
    iat,
    exp: iat + 600,
    jti: randomUUID(),
    wid,
    exec_act: "bench.step",
    pred,
  };
}

/**
 * A workflow of `size` nodes: one root fanning out to lanes of `laneLength` tasks; inside a lane
 * each task depends on the previous two (diamonds). Returns the store and the lanes' last two ids.
 */
function buildWorkflow({ size, laneLength, ectKey, iat }) {
  const wid = randomUUID();
  const store = mapStore(ectKey);
  const root = node(wid, iat, []);
  store.put(root);
  const tails = [];
  let count = 1;
  while (count < size) {
    let prev1 = root.jti;
    let prev2;
    for (let j = 0; j < laneLength && count < size; j++, count++) {
      const claims = node(wid, iat, prev2 === undefined ? [prev1] : [prev1, prev2]);
      store.put(claims);
      prev2 = prev1;
      prev1 = claims.jti;
    }
    tails.push([prev1, prev2]);
  }
  return { wid, store, tails };
}

export default {
  title: "validateDag per new token vs workflow size (Map-backed EctStore)",
  async run(ctx) {
    const { ectKey } = await importPackage("ect-core/internal", ["ectKey"]);
    const { validateDag } = await importPackage("ect-dag", ["validateDag"]);
    const iat = Math.floor(Date.now() / 1000);
    const laneLength = 16;
    const probes = ctx.quick ? 1000 : 5000;
    const perRound = ctx.quick ? 500 : 1000;
    const rounds = ctx.quick ? 4 : 12;
    const sizes = [1_000, 10_000, 100_000];
    ctx.log(
      `root + lanes of ${laneLength} tasks (each task's pred = the previous two in its lane); ` +
        `${probes} new tokens per size, ${rounds} interleaved rounds of ${perRound}, each token with pred = the last two of a random lane (${laneLength + 1} ancestors)`,
    );

    const cases = sizes.map((size) => {
      const wf = buildWorkflow({ size, laneLength, ectKey, iat });
      const claims = Array.from({ length: probes }, (_, i) => {
        const [a, b] = wf.tails[(i * 7919) % wf.tails.length];
        return node(wf.wid, iat, b === undefined ? [a] : [a, b]);
      });
      return {
        prepare: () => async (i) => {
          const result = await validateDag(claims[i % probes], wf.store);
          if (!result.valid) throw new Error(`unexpected DAG violation: ${result.violations[0]?.code}`);
        },
      };
    });
    const results = await interleave({ cases, count: perRound, rounds, warmup: 1000 });
    const k = (n) => `${n / 1000}k`;
    sizes.forEach((size, i) => {
      const r = results[i];
      ctx.record({
        name: `validateDag, ${k(size)}-node workflow`,
        ...r,
        ...(i === 0
          ? {}
          : {
              ratio: results[0].opsPerSec / r.opsPerSec,
              p50Ratio: r.p50Us / results[0].p50Us,
              ratioTo: `${k(sizes[0])} (time per token)`,
              target: { op: "<=", value: 2 },
            }),
      });
    });

    // The walk: a chain of `depth` stored ancestors, each validation visits all of them.
    for (const depth of ctx.quick ? [100, 1000] : [100, 1000, 9000]) {
      const wid = randomUUID();
      const store = mapStore(ectKey);
      let prev = node(wid, iat, []);
      store.put(prev);
      for (let i = 1; i < depth; i++) {
        const next = node(wid, iat, [prev.jti]);
        store.put(next);
        prev = next;
      }
      const count = Math.max(20, Math.round(ctx.quick ? 20_000 / depth : 200_000 / depth));
      const claims = Array.from({ length: count }, () => node(wid, iat, [prev.jti]));
      const r = await measure({
        prepare: () => async (i) => {
          const result = await validateDag(claims[i], store);
          if (!result.valid) throw new Error(`unexpected DAG violation: ${result.violations[0]?.code}`);
        },
        count,
        rounds: 1,
        warmup: Math.min(count, 10),
      });
      ctx.record({
        name: `ancestor walk, chain of ${depth} (per visited ancestor)`,
        value: (r.elapsedMs * 1000) / (count * depth),
        unit: "µs/ancestor",
        p50Us: r.p50Us,
        p99Us: r.p99Us,
        ops: count,
      });
    }
  },
};
