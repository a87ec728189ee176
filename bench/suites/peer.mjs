// verifyEct against the peer: the Python reference implementation verifies with PyJWT +
// cryptography. Bare PyJWT `jwt.decode` (signature, exp, iat, aud; no ECT rules, no replay cache)
// is timed in a subprocess on the same tokens and key; verifyEct does the full SPEC 5. Rounds
// alternate between the two so drift hits both alike.
import { verify as nodeVerify } from "node:crypto";
import { join } from "node:path";
import { loadEctVerify } from "../lib/ect-api.mjs";
import { collectGarbage, runOps, summarize } from "../lib/measure.mjs";
import { findPython, runPyjwt } from "../lib/python-peer.mjs";
import { SkipSuite } from "../lib/suite.mjs";
import { generateBenchKey, signTokens, VERIFIER_ID } from "../lib/tokens.mjs";

export default {
  title: "verifyEct vs bare PyJWT jwt.decode (the Python reference's verifier core), sequential",
  async run(ctx) {
    const python = findPython();
    if (!python) throw new SkipSuite("no python3 with PyJWT and cryptography (apt-get install python3-jwt)");
    const count = ctx.quick ? 1500 : 8000;
    const rounds = ctx.quick ? 2 : 3;
    const key = generateBenchKey();
    const tokens = signTokens(count, key.privateKey);
    const ect = await loadEctVerify(key);
    const script = join(ctx.benchDir, "peer", "pyjwt_verify.py");
    const py = (warmup) =>
      runPyjwt({
        python,
        script,
        tokens,
        publicKeyPem: key.publicPem,
        audience: VERIFIER_ID,
        rounds: 1,
        warmup,
      });

    const warmVerify = ect.newVerify();
    await runOps((i) => warmVerify(tokens[i]), { count: 500, latencies: new Float64Array(500) });
    const pyLatencies = [];
    const pyRounds = [];
    let versions;
    const nodeLatencies = new Float64Array(count * rounds);
    const nodeRounds = [];
    // The floor: node:crypto's ECDSA verify alone on the same tokens (split, base64url, verify).
    const floorLatencies = new Float64Array(count * rounds);
    const floorRounds = [];
    const floorOp = (i) => {
      const token = tokens[i];
      const dot = token.lastIndexOf(".");
      const ok = nodeVerify(
        "sha256",
        Buffer.from(token.slice(0, dot)),
        { key: key.publicKey, dsaEncoding: "ieee-p1363" },
        Buffer.from(token.slice(dot + 1), "base64url"),
      );
      if (!ok) throw new Error("signature did not verify");
    };
    for (let r = 0; r < rounds; r++) {
      const runNode = async () => {
        const verify = ect.newVerify();
        collectGarbage();
        nodeRounds.push(
          await runOps((i) => verify(tokens[i]), {
            count,
            latencies: nodeLatencies,
            offset: r * count,
          }),
        );
        collectGarbage();
        floorRounds.push(await runOps(floorOp, { count, latencies: floorLatencies, offset: r * count }));
      };
      const runPython = () => {
        const out = py(500);
        pyLatencies.push(...out.latenciesNs);
        pyRounds.push(out.elapsedNs);
        versions = out;
      };
      if (r % 2 === 0) {
        runPython();
        await runNode();
      } else {
        await runNode();
        runPython();
      }
    }
    ctx.log(
      `${python}: Python ${versions.python}, PyJWT ${versions.pyjwt}, cryptography ${versions.cryptography}`,
    );
    const total = (rounds) => rounds.reduce((a, b) => a + b, 0);
    const pyStats = summarize(pyLatencies, total(pyRounds), pyRounds);
    const node = summarize(nodeLatencies, total(nodeRounds), nodeRounds);
    ctx.record({
      name: `PyJWT ${versions.pyjwt} jwt.decode, sequential`,
      ...pyStats,
      python: versions.python,
      pyjwt: versions.pyjwt,
      cryptography: versions.cryptography,
    });
    const floor = summarize(floorLatencies, total(floorRounds), floorRounds);
    ctx.record({
      name: "node:crypto ECDSA verify alone (the floor), sequential",
      ...floor,
      ratio: floor.opsPerSec / pyStats.opsPerSec,
      ratioTo: "PyJWT",
    });
    ctx.record({
      name: "verifyEct, sequential",
      ...node,
      ratio: node.opsPerSec / pyStats.opsPerSec,
      ratioTo: "PyJWT",
      target: { op: ">=", value: 1.2 },
    });
  },
};
