// verifyEct (full SPEC 5: strict decode, header and claim rules, key resolution, signature, time,
// in-memory replay cache; no DAG store) against bare jose.jwtVerify with the same key and tokens.
// Also createEctVerifier(...).verify, which validates its options once instead of per call.
import { importJWK, jwtVerify } from "jose";
import { loadEctVerify } from "../lib/ect-api.mjs";
import { interleave } from "../lib/measure.mjs";
import { generateBenchKey, signTokens, VERIFIER_ID } from "../lib/tokens.mjs";

export default {
  title: "verifyEct vs bare jose.jwtVerify (ES256, same key, same tokens)",
  async run(ctx) {
    // Many short interleaved rounds: [sequential, 64 in flight] x (calls per round, rounds).
    const plan = ctx.quick ? { 1: [300, 4], 64: [600, 2] } : { 1: [500, 16], 64: [1000, 8] };
    const total = 8000;
    const key = generateBenchKey();
    const tokens = signTokens(ctx.quick ? 1200 : total, key.privateKey);
    const joseKey = await importJWK(key.publicJwk, "ES256");
    const ect = await loadEctVerify(key);
    ctx.log(
      `${tokens.length} distinct tokens (distinct jti, ${tokens[0].length} chars), each round its own slice ` +
        "and a fresh replay cache; jose gets { algorithms: ['ES256'], audience }",
    );

    const cases = [
      {
        name: "jose.jwtVerify",
        prepare: () => (i) => jwtVerify(tokens[i], joseKey, { algorithms: ["ES256"], audience: VERIFIER_ID }),
      },
      {
        name: "verifyEct",
        prepare: () => {
          const verify = ect.newVerify();
          return (i) => verify(tokens[i]);
        },
        target: { op: ">=", value: 0.85 },
      },
      {
        name: "createEctVerifier().verify",
        prepare: () => {
          const verify = ect.newVerifier();
          return (i) => verify(tokens[i]);
        },
      },
    ];
    for (const inflight of [1, 64]) {
      const mode = inflight === 1 ? "sequential" : `${inflight} in flight`;
      const [count, rounds] = plan[inflight];
      const results = await interleave({ cases, count, inflight, rounds });
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
                ratioTo: "jose.jwtVerify",
                ...(c.target ? { target: c.target } : {}),
              }),
        });
      });
    }
  },
};
