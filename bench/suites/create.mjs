// createEct (fills iat/exp/jti, validates every claim with the strict parser, signs through
// ect-crypto's signature primitive: node:crypto under Node) against bare jose SignJWT (WebCrypto)
// with the same private key and the same claims (iat, exp and jti set by jose).
import { randomUUID } from "node:crypto";
import { importJWK, SignJWT } from "jose";
import { compare } from "../lib/measure.mjs";
import { importPackage } from "../lib/suite.mjs";
import { benchClaims, generateBenchKey } from "../lib/tokens.mjs";

export default {
  title: "createEct vs bare jose SignJWT (ES256, same key, equivalent claims)",
  async run(ctx) {
    const { createEct } = await importPackage("ect-crypto", ["createEct"]);
    // Many short interleaved rounds: [sequential, 64 in flight] x (calls per round, rounds).
    const plan = ctx.quick ? { 1: [300, 4], 64: [600, 2] } : { 1: [500, 12], 64: [1000, 8] };
    const key = generateBenchKey();
    const privateKey = await importJWK(key.privateJwk, "ES256");
    const signingKey = { alg: "ES256", kid: key.kid, privateKey };
    // Caller-supplied claims without iat/exp/jti: both sides fill them in.
    const { iat: _iat, exp: _exp, jti: _jti, ...claims } = benchClaims();
    const header = { alg: "ES256", typ: "exec+jwt", kid: key.kid };

    const baseline = {
      prepare: () => () =>
        new SignJWT(claims)
          .setProtectedHeader(header)
          .setIssuedAt()
          .setExpirationTime("10m")
          .setJti(randomUUID())
          .sign(privateKey),
    };
    const subject = { prepare: () => () => createEct(claims, signingKey) };
    for (const inflight of [1, 64]) {
      const mode = inflight === 1 ? "sequential" : `${inflight} in flight`;
      const [count, rounds] = plan[inflight];
      const r = await compare({ subject, baseline, count, inflight, rounds });
      ctx.record({ name: `jose SignJWT, ${mode}`, ...r.baseline, inflight });
      ctx.record({
        name: `createEct, ${mode}`,
        ...r.subject,
        inflight,
        ratio: r.ratio,
        p50Ratio: r.baseline.p50Us / r.subject.p50Us,
        ratioTo: "jose SignJWT",
        target: { op: ">=", value: 1.0 },
      });
    }
  },
};
