// verifyEct against the peer: the Python reference implementation verifies with PyJWT +
// cryptography. Bare PyJWT `jwt.decode` (signature, exp, iat, aud; no ECT rules, no replay cache)
// is timed in a subprocess on the same tokens and key; verifyEct does the full SPEC 5. Short
// rounds alternate between the two (each round its own slice of tokens, for both) so drift hits
// both alike. node:crypto's ECDSA verify alone is timed too: the floor any Node verifier stands on.
import { verify as nodeVerify } from "node:crypto";
import { join } from "node:path";
import { loadEctVerify } from "../lib/ect-api.mjs";
import { collectGarbage, runOps, summarize } from "../lib/measure.mjs";
import { findPython, runPyjwt } from "../lib/python-peer.mjs";
import { SkipSuite } from "../lib/suite.mjs";
import { generateBenchKey, signTokens, VERIFIER_ID } from "../lib/tokens.mjs";

const total = (values) => values.reduce((a, b) => a + b, 0);

export default {
  title: "verifyEct vs bare PyJWT jwt.decode (the Python reference's verifier core), sequential",
  async run(ctx) {
    const python = findPython();
    if (!python) throw new SkipSuite("no python3 with PyJWT and cryptography (apt-get install python3-jwt)");
    const perRound = 500;
    const rounds = ctx.quick ? 4 : 16;
    const key = generateBenchKey();
    const tokens = signTokens(perRound * rounds, key.privateKey);
    const ect = await loadEctVerify(key);
    const script = join(ctx.benchDir, "peer", "pyjwt_verify.py");
    ctx.log(`${rounds} alternating rounds of ${perRound} tokens (each round its own slice, for every side)`);

    const warmVerify = ect.newVerify();
    await runOps((i) => warmVerify(tokens[i]), { count: 500, latencies: new Float64Array(500) });
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

    const py = { latencies: [], rounds: [] };
    const node = { latencies: new Float64Array(tokens.length), rounds: [] };
    const floor = { latencies: new Float64Array(tokens.length), rounds: [] };
    let versions;
    for (let r = 0; r < rounds; r++) {
      const offset = r * perRound;
      const runPython = () => {
        const out = runPyjwt({
          python,
          script,
          tokens: tokens.slice(offset, offset + perRound),
          publicKeyPem: key.publicPem,
          audience: VERIFIER_ID,
          rounds: 1,
          warmup: 300,
        });
        py.latencies.push(...out.latenciesNs);
        py.rounds.push(out.elapsedNs);
        versions = out;
      };
      const runEct = async () => {
        const verify = ect.newVerify();
        collectGarbage();
        node.rounds.push(
          await runOps((i) => verify(tokens[i]), { count: perRound, latencies: node.latencies, offset }),
        );
      };
      const runFloor = async () => {
        collectGarbage();
        floor.rounds.push(await runOps(floorOp, { count: perRound, latencies: floor.latencies, offset }));
      };
      // PyJWT times itself inside its subprocess; the two in-process sides take turns running right
      // after that subprocess (the slot that pays for it: caches and CPU frequency), so neither pays
      // it alone. Before, verifyEct followed the subprocess in every other round and the floor never.
      runPython();
      if (r % 2 === 0) {
        await runEct();
        await runFloor();
      } else {
        await runFloor();
        await runEct();
      }
    }
    ctx.log(
      `${python}: Python ${versions.python}, PyJWT ${versions.pyjwt}, cryptography ${versions.cryptography}`,
    );
    const [pyStats, nodeStats, floorStats] = [py, node, floor].map((side) =>
      summarize(side.latencies, total(side.rounds), side.rounds),
    );
    ctx.record({
      name: `PyJWT ${versions.pyjwt} jwt.decode, sequential`,
      ...pyStats,
      python: versions.python,
      pyjwt: versions.pyjwt,
      cryptography: versions.cryptography,
    });
    ctx.record({
      name: "node:crypto ECDSA verify alone (the floor), sequential",
      ...floorStats,
      ratio: floorStats.opsPerSec / pyStats.opsPerSec,
      p50Ratio: pyStats.p50Us / floorStats.p50Us,
      ratioTo: "PyJWT",
    });
    ctx.record({
      name: "verifyEct, sequential",
      ...nodeStats,
      ratio: nodeStats.opsPerSec / pyStats.opsPerSec,
      p50Ratio: pyStats.p50Us / nodeStats.p50Us,
      ratioTo: "PyJWT",
      target: { op: ">=", value: 1.05 },
    });
    ctx.record({
      name: "verifyEct, sequential (against the floor)",
      ...nodeStats,
      ratio: nodeStats.opsPerSec / floorStats.opsPerSec,
      p50Ratio: floorStats.p50Us / nodeStats.p50Us,
      ratioTo: "the node:crypto floor",
      target: { op: ">=", value: 0.85 },
    });
  },
};
