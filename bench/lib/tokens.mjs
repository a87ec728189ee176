// Token material for the benchmarks. Signed tokens are built with node:crypto (sign with
// dsaEncoding "ieee-p1363", the JWS form of ES256), which is ~4x faster than signing through
// WebCrypto: pre-creating 100k tokens takes seconds, and the tokens are ordinary ES256 compact JWS
// that jose, PyJWT and ect-crypto all verify. Creation is never inside a timed region.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
} from "node:crypto";

/** The verifier id every benchmark token is addressed to (SPEC 5 step 7). */
export const VERIFIER_ID = "https://verifier.bench.example";
/** The issuer of the benchmark tokens. */
export const ISSUER = "spiffe://bench.example/agent-a";
/** The key id in their headers. */
export const KID = "bench-key-1";

// SPEC 3: inp_hash/out_hash are unpadded base64url SHA-256 digests.
const HASH_A = createHash("sha256").update("bench input").digest("base64url");
const HASH_B = createHash("sha256").update("bench output").digest("base64url");

/** An ES256 key pair in the forms the benchmarks need: KeyObjects, JWKs and SPKI PEM. */
export function generateBenchKey() {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    alg: "ES256",
    kid: KID,
    privateKey,
    publicKey,
    privateJwk: { ...privateKey.export({ format: "jwk" }), alg: "ES256", kid: KID },
    publicJwk: { ...publicKey.export({ format: "jwk" }), alg: "ES256", kid: KID },
    publicPem: publicKey.export({ format: "pem", type: "spki" }),
  };
}

/** Rebuilds the KeyObjects of a key passed to a worker as JWKs. */
export function keyFromJwks({ privateJwk, publicJwk }) {
  return {
    privateKey: privateJwk ? createPrivateKey({ key: privateJwk, format: "jwk" }) : undefined,
    publicKey: createPublicKey({ key: publicJwk, format: "jwk" }),
  };
}

/**
 * Claims of one benchmark token: a realistic ECT with a workflow id, both hashes and an `ect_ext`
 * policy record; `overrides` replace or add members.
 */
export function benchClaims(overrides = {}) {
  const iat = Math.floor(Date.now() / 1000);
  return {
    iss: ISSUER,
    aud: VERIFIER_ID,
    iat,
    exp: iat + 600,
    jti: randomUUID(),
    wid: overrides.wid ?? randomUUID(),
    exec_act: "bench.summarize",
    pred: [],
    inp_hash: HASH_A,
    out_hash: HASH_B,
    ect_ext: { pol: "bench-policy-v1", pol_decision: "approved" },
    ...overrides,
  };
}

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * Signs `claims` as an ES256 compact JWS with header `{ alg, typ: "exec+jwt", kid }`. The token is
 * one flat string, as a token read from a request is: a template literal would leave a V8 rope
 * (cons string), and whichever side of a comparison read it first would pay to flatten it (about
 * 2 µs per token for the verifier measured first).
 */
export function signToken(claims, privateKey, kid = KID) {
  const signingInput = `${b64({ alg: "ES256", typ: "exec+jwt", kid })}.${b64(claims)}`;
  const signature = sign("sha256", Buffer.from(signingInput), { key: privateKey, dsaEncoding: "ieee-p1363" });
  return Buffer.from(`${signingInput}.${signature.toString("base64url")}`, "latin1").toString("latin1");
}

/** `count` signed tokens, each with fresh claims (distinct `jti`, and `wid` unless overridden). */
export function signTokens(count, privateKey, overrides = {}) {
  const tokens = new Array(count);
  for (let i = 0; i < count; i++) tokens[i] = signToken(benchClaims(overrides), privateKey);
  return tokens;
}

const FIXED_SIGNATURE = Buffer.alloc(64, 0x5a).toString("base64url");
const HEADER_SEGMENT = b64({ alg: "ES256", typ: "exec+jwt", kid: KID });

/**
 * A token with the exact shape and size of an ES256 ECT whose signature bytes are NOT a valid
 * signature (a constant 64 bytes). Only for stores that do not verify signatures (ledgers: "the
 * caller verifies the token first"), so a million of them cost no signing time.
 */
export function jwsShapedToken(claims) {
  return `${HEADER_SEGMENT}.${b64(claims)}.${FIXED_SIGNATURE}`;
}

/**
 * JWS-shaped tokens of workflows of 16 chained tasks (each task's `pred` names the one before), for
 * the ledger benchmarks (a ledger does not verify signatures; it runs the DAG rules).
 */
export function workflowTokens(count) {
  const out = new Array(count);
  let wid;
  let prev;
  for (let i = 0; i < count; i++) {
    if (i % 16 === 0) {
      wid = randomUUID();
      prev = undefined;
    }
    const claims = benchClaims({ wid, pred: prev === undefined ? [] : [prev] });
    prev = claims.jti;
    out[i] = jwsShapedToken(claims);
  }
  return out;
}

/**
 * Start offsets of consecutive slices of `count` tokens: each call returns the next one, so each
 * `prepare()` of a benchmark case takes fresh tokens (a ledger never sees a token twice), and two
 * cases given their own function walk the same slices of the same tokens.
 */
export function consecutiveSlices(count) {
  let next = 0;
  return () => {
    const from = next;
    next += count;
    return from;
  };
}
