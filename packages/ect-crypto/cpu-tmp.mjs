import * as e from "ect-crypto";
import { importJWK, jwtVerify } from "jose";
import { generateBenchKey, ISSUER, signTokens, VERIFIER_ID } from "/work/main/bench/lib/tokens.mjs";

const key = generateBenchKey();
const N = 5000;
const tokens = signTokens(N, key.privateKey);
const pub = await importJWK(key.publicJwk, "ES256");
const keys = e.staticKeyResolver([{ iss: ISSUER, kid: key.kid, key: pub, algorithms: ["ES256"] }]);
async function measure(name, make, inflight = 1) {
  const op = make();
  for (let i = 0; i < 200; i++) await op(tokens[i], true);
  const op2 = make();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      for (;;) {
        const i = next++;
        if (i >= N) return;
        await op2(tokens[i]);
      }
    }),
  );
  const c = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  const cpuUs = (c.user + c.system) / N;
  console.log(
    `${name.padEnd(34)} inflight ${String(inflight).padStart(2)}  cpu ${cpuUs.toFixed(1)} µs/op  wall ${((wall * 1000) / N).toFixed(1)} µs/op`,
  );
  return cpuUs;
}
const jose = () => (t) => jwtVerify(t, pub, { algorithms: ["ES256"], audience: VERIFIER_ID });
const ours = () => {
  const v = e.createEctVerifier({
    verifierId: VERIFIER_ID,
    keys,
    replayCache: new e.MemoryReplayCache({ capacity: 200000 }),
  });
  return (t) => v.verify(t);
};
const oneShot = () => {
  const o = { verifierId: VERIFIER_ID, keys, replayCache: new e.MemoryReplayCache({ capacity: 200000 }) };
  return (t) => e.verifyEct(t, o);
};
console.log("backend:", e.signatureBackendName);
for (let r = 0; r < 2; r++) {
  for (const inflight of [1, 64]) {
    const j = await measure("jose.jwtVerify", jose, inflight);
    const o = await measure("createEctVerifier().verify", ours, inflight);
    const v = await measure("verifyEct", oneShot, inflight);
    console.log(`   cpu ratio jose/ours ${(j / o).toFixed(2)}  jose/verifyEct ${(j / v).toFixed(2)}`);
  }
}
