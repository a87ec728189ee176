import { ECT_TYP } from "ect-core";
import { base64urlDecode, base64urlEncode } from "ect-core/internal";
import { CompactSign, type CryptoKey, generateKeyPair } from "jose";

/** Claims a {@link TestTokenIssuer} puts in a token; anything left out gets a fresh default. */
export interface TestTokenClaims {
  /** Default: the issuer's `iss`. */
  readonly iss?: string;
  /** Default: `"https://ledger.test"`. */
  readonly aud?: string | readonly string[];
  /** Default: the issuer's `now()` in seconds. */
  readonly iat?: number;
  /** Default: `iat + 600`. */
  readonly exp?: number;
  /** Default: a fresh random UUID. */
  readonly jti?: string;
  /** Default: no `wid` claim. */
  readonly wid?: string;
  /** Default: `"test.task"`. */
  readonly exec_act?: string;
  /** Default: `[]`. */
  readonly pred?: readonly string[];
  /** Extra claims appended after the ones above, in insertion order. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Options of {@link TestTokenIssuer.issue}. */
export interface IssueOptions {
  /** Replaces the protected header `{ alg: "ES256", typ: "exec+jwt", kid }` entirely. */
  readonly header?: Readonly<Record<string, unknown>>;
  /** Serialised claims JSON to sign instead of `JSON.stringify` of the claims (exact bytes). */
  readonly rawClaimsJson?: string;
}

/** An ES256 issuer of test ECTs with full control over the signed bytes. */
export interface TestTokenIssuer {
  /** The issuer id (`iss`). */
  readonly iss: string;
  /** The key id put in the header. */
  readonly kid: string;
  /** The public key that verifies its tokens. */
  readonly publicKey: CryptoKey;
  /**
   * Signs a token. Claims are serialised in the order iss, aud, iat, exp, jti, wid, exec_act,
   * pred, then `extra`; the result is a valid ES256 JWS.
   */
  issue(claims?: TestTokenClaims, options?: IssueOptions): Promise<string>;
  /** The claims object {@link issue} would serialise (defaults filled in). */
  claimsFor(claims?: TestTokenClaims): Record<string, unknown>;
}

/** Options of {@link createTestTokenIssuer}. */
export interface TestTokenIssuerOptions {
  /** Issuer id; default `"spiffe://ledger.test/agent"`. */
  readonly iss?: string;
  /** Key id; default `"test-key-1"`. */
  readonly kid?: string;
  /** Seconds since the epoch used for default `iat` (default: wall clock). */
  readonly now?: () => number;
}

const encoder = new TextEncoder();

/**
 * Creates an ES256 issuer of test tokens (jose, WebCrypto). The conformance suite uses it to build
 * the tokens it appends; a third party can use it in its own backend tests.
 */
export async function createTestTokenIssuer(options: TestTokenIssuerOptions = {}): Promise<TestTokenIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: false });
  const iss = options.iss ?? "spiffe://ledger.test/agent";
  const kid = options.kid ?? "test-key-1";
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));

  const claimsFor = (c: TestTokenClaims = {}): Record<string, unknown> => {
    const iat = c.iat ?? now();
    const out: Record<string, unknown> = {
      iss: c.iss ?? iss,
      aud: c.aud ?? "https://ledger.test",
      iat,
      exp: c.exp ?? iat + 600,
      jti: c.jti ?? globalThis.crypto.randomUUID(),
    };
    if (c.wid !== undefined) out["wid"] = c.wid;
    out["exec_act"] = c.exec_act ?? "test.task";
    out["pred"] = c.pred ?? [];
    if (c.extra) for (const [k, v] of Object.entries(c.extra)) out[k] = v;
    return out;
  };

  return {
    iss,
    kid,
    publicKey,
    claimsFor,
    async issue(claims = {}, issueOptions = {}) {
      const json = issueOptions.rawClaimsJson ?? JSON.stringify(claimsFor(claims));
      const header = issueOptions.header ?? { alg: "ES256", typ: ECT_TYP, kid };
      return new CompactSign(encoder.encode(json))
        .setProtectedHeader(header as { alg: string })
        .sign(privateKey);
    },
  };
}

/** Order of the P-256 group (FIPS 186-4 D.1.2.3). */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function bytesToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function bigIntToBytes(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/**
 * Re-encodes an ES256 token's signature `(r, s)` as `(r, n - s)`: a different, still valid
 * signature over the same header and claims (ECDSA malleability). A ledger must treat the result as
 * a `duplicate` of the original (SPEC 7).
 */
export function reencodeEs256Signature(token: string): string {
  const parts = token.split(".");
  if (parts.length !== 3) throw new TypeError("not a compact JWS");
  const sig = base64urlDecode(parts[2]!, "signature");
  if (sig.length !== 64) throw new TypeError("not an ES256 signature (64 bytes)");
  const s = bytesToBigInt(sig.subarray(32));
  const flipped = new Uint8Array(64);
  flipped.set(sig.subarray(0, 32), 0);
  flipped.set(bigIntToBytes(P256_ORDER - s, 32), 32);
  return `${parts[0]}.${parts[1]}.${base64urlEncode(flipped)}`;
}
