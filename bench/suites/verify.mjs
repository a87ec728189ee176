// verifyEct (full SPEC 5: strict decode, header and claim rules, key resolution, signature, time,
// in-memory replay cache; no DAG store) against bare jose.jwtVerify with the same key and tokens.
import { importJWK, jwtVerify } from "jose";
import { loadEctVerify } from "../lib/ect-api.mjs";
import { compare } from "../lib/measure.mjs";
import { generateBenchKey, signTokens, VERIFIER_ID } from "../lib/tokens.mjs";

export default {
  title: "verifyEct vs bare jose.jwtVerify (ES256, same key, same tokens)",
  async run(ctx) {
    const count = ctx.quick ? 1500 : 8000;
    const rounds = ctx.quick ? 2 : 3;
    const key = generateBenchKey();
    const tokens = signTokens(count, key.privateKey);
    const joseKey = await importJWK(key.publicJwk, "ES256");
    const ect = await loadEctVerify(key);
    ctx.log(
      `${count} distinct tokens (distinct jti), ${rounds} interleaved rounds per side, fresh replay cache per round`,
    );

    const baseline = {
      prepare: () => (i) => jwtVerify(tokens[i], joseKey, { algorithms: ["ES256"], audience: VERIFIER_ID }),
    };
    const subject = {
      prepare: async () => {
        const verify = await ect.newVerify();
        return (i) => verify(tokens[i]);
      },
    };
    for (const inflight of [1, 64]) {
      const mode = inflight === 1 ? "sequential" : `${inflight} in flight`;
      const r = await compare({ subject, baseline, count, inflight, rounds });
      ctx.record({ name: `jose.jwtVerify, ${mode}`, ...r.baseline, inflight });
      ctx.record({
        name: `verifyEct, ${mode}`,
        ...r.subject,
        inflight,
        ratio: r.ratio,
        ratioTo: "jose.jwtVerify",
        target: { op: ">=", value: 0.85 },
      });
    }
  },
};
