// verifyEct against the peer: the Python reference implementation verifies with PyJWT +
// cryptography. Bare PyJWT `jwt.decode` (signature, exp, iat, aud; no ECT rules, no replay cache)
// is timed in a subprocess on the same tokens and key; verifyEct does the full SPEC 5.
import { join } from "node:path";
import { loadEctVerify } from "../lib/ect-api.mjs";
import { measure } from "../lib/measure.mjs";
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

    const py = runPyjwt({
      python,
      script: join(ctx.benchDir, "peer", "pyjwt_verify.py"),
      tokens,
      publicKeyPem: key.publicPem,
      audience: VERIFIER_ID,
      rounds,
      warmup: 500,
    });
    ctx.log(`${python}: Python ${py.python}, PyJWT ${py.pyjwt}, cryptography ${py.cryptography}`);
    const node = await measure({
      prepare: async () => {
        const verify = await ect.newVerify();
        return (i) => verify(tokens[i]);
      },
      count,
      rounds,
    });
    ctx.record({ name: `PyJWT ${py.pyjwt} jwt.decode, sequential`, ...py });
    ctx.record({
      name: "verifyEct, sequential",
      ...node,
      ratio: node.opsPerSec / py.opsPerSec,
      ratioTo: "PyJWT",
      target: { op: ">=", value: 1.2 },
    });
  },
};
