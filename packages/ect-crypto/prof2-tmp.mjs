import * as e from "ect-crypto";
import { importJWK } from "jose";
import { generateBenchKey, ISSUER, signTokens, VERIFIER_ID } from "/work/main/bench/lib/tokens.mjs";

const key = generateBenchKey();
const N = 8000;
const tokens = signTokens(N, key.privateKey);
const pub = await importJWK(key.publicJwk, "ES256");
const keys = e.staticKeyResolver([{ iss: ISSUER, kid: key.kid, key: pub, algorithms: ["ES256"] }]);
const v = e.createEctVerifier({
  verifierId: VERIFIER_ID,
  keys,
  replayCache: new e.MemoryReplayCache({ capacity: 200000 }),
});
for (const t of tokens) await v.verify(t);
