import {
  decodeEct,
  type EctAlgorithm,
  EctError,
  EctErrorCodes,
  type LedgerReceipt,
  SUPPORTED_ALGORITHMS,
} from "ect-core";
import { ALLOWED_HEADER_MEMBERS, type JwsSigner, normalizeTyp, RECEIPT_TYP } from "ect-core/internal";
import { CompactSign, type JWK } from "jose";
import { algorithmProfile, resolveAlgorithmAllowlist, supportedAlgorithmProfile } from "./algorithms.js";
import { isCryptoKey } from "./key-curve.js";
import { assertValidKid, type EctPublicKey, type EctSigningKey } from "./keys.js";
import { verifySignature } from "./signature/verify-signature.js";

const utf8 = new TextEncoder();
const ECT_TYPS = new Set(["exec+jwt", "wimse-exec+jwt"]);

/**
 * A {@link JwsSigner} over an {@link EctSigningKey}, for ledger receipts (SPEC 7, `typ:
 * ect-receipt+jwt`): `sign(payload, typ)` returns a compact JWS with header exactly
 * `{ alg, typ, kid }`. It refuses to sign with an ECT `typ`, so a receipt key can never mint
 * something a verifier would take for an ECT.
 *
 * @throws {@link EctError} `ECT_ALG_NOT_ALLOWED`, `ECT_KID_INVALID`, `ECT_KEY_INVALID`.
 */
export function createJwsSigner(key: EctSigningKey): JwsSigner {
  if (key === null || typeof key !== "object")
    throw new EctError(EctErrorCodes.KEY_INVALID, "a signing key is required");
  const { alg, kid, privateKey } = key;
  supportedAlgorithmProfile(alg);
  assertValidKid(kid);
  if (!isCryptoKey(privateKey) || privateKey.type !== "private") {
    throw new EctError(EctErrorCodes.KEY_INVALID, "the signing key must be a private CryptoKey");
  }
  return Object.freeze({
    alg,
    kid,
    async sign(payload: Readonly<Record<string, unknown>>, typ: string): Promise<string> {
      if (typeof typ !== "string" || typ.length === 0) {
        throw new EctError(EctErrorCodes.TYP_INVALID, "typ must be a non-empty string", { member: "typ" });
      }
      if (ECT_TYPS.has(normalizeTyp(typ))) {
        throw new EctError(EctErrorCodes.TYP_INVALID, "a JWS signer for receipts does not sign ECTs", {
          member: "typ",
        });
      }
      if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
        throw new EctError(EctErrorCodes.JSON_NOT_OBJECT, "the payload must be an object");
      }
      try {
        return await new CompactSign(utf8.encode(JSON.stringify(payload)))
          .setProtectedHeader({ alg, typ, kid })
          .sign(privateKey);
      } catch (cause) {
        throw new EctError(EctErrorCodes.KEY_INVALID, `the private key cannot sign ${alg}`, { cause });
      }
    },
  });
}

/** Options of {@link verifyReceipt}. */
export interface VerifyReceiptOptions {
  /** Accepted algorithms; defaults to the key's own (`EctPublicKey`), else every supported one. */
  readonly algorithms?: readonly EctAlgorithm[];
}

/** A verified receipt: the {@link LedgerReceipt} fields as signed. */
export type VerifiedReceipt = Omit<LedgerReceipt, "jws">;

const HEX64 = /^[0-9a-f]{64}$/;

function receiptError(member: string, message: string): EctError {
  return new EctError(EctErrorCodes.MALFORMED, `receipt ${message}`, { member });
}

/**
 * Verifies a ledger receipt JWS (SPEC 7) with the ledger's public key: strict decoding, header
 * exactly `{ alg, typ: "ect-receipt+jwt", kid }` (when the key has a `kid`, it must match),
 * signature, and the receipt fields `index`, `leafHash`, `ingestedAt`, `jti`, `wid` (profile §7).
 *
 * @throws {@link EctError} `ECT_MALFORMED`/`ECT_BASE64URL_INVALID`/`ECT_JSON_*` for a malformed
 *   JWS, `ECT_ALG_NOT_ALLOWED`, `ECT_TYP_INVALID`, `ECT_KID_INVALID`, `ECT_HEADER_MEMBER_FORBIDDEN`,
 *   `ECT_KEY_NOT_FOUND` (another `kid`), `ECT_SIGNATURE_INVALID`, `ECT_KEY_INVALID`.
 */
export async function verifyReceipt(
  jws: string,
  key: EctPublicKey | CryptoKey | JWK,
  options: VerifyReceiptOptions = {},
): Promise<VerifiedReceipt> {
  const ectKey = typeof key === "object" && key !== null && isCryptoKey((key as EctPublicKey).publicKey);
  const publicKey = ectKey ? (key as EctPublicKey).publicKey : (key as CryptoKey | JWK);
  const expectedKid = ectKey ? (key as EctPublicKey).kid : (key as JWK).kid;
  const algorithms = resolveAlgorithmAllowlist(
    options.algorithms ?? (ectKey ? [(key as EctPublicKey).alg] : [...SUPPORTED_ALGORITHMS]),
  );
  const decoded = decodeEct(jws, { minLevel: 2 });
  const header = decoded.header!;
  const { alg, typ, kid } = header;
  if (typeof alg !== "string" || !(algorithms as readonly string[]).includes(alg)) {
    throw new EctError(EctErrorCodes.ALG_NOT_ALLOWED, `header.alg ${JSON.stringify(alg)} is not allowed`, {
      member: "alg",
    });
  }
  if (typeof typ !== "string" || normalizeTyp(typ) !== RECEIPT_TYP) {
    throw new EctError(EctErrorCodes.TYP_INVALID, `header.typ must be ${RECEIPT_TYP}`, { member: "typ" });
  }
  assertValidKid(kid);
  for (const name of Object.keys(header)) {
    if (!(ALLOWED_HEADER_MEMBERS as readonly string[]).includes(name)) {
      throw new EctError(
        EctErrorCodes.HEADER_MEMBER_FORBIDDEN,
        `header member ${JSON.stringify(name)} is not allowed`,
        {
          member: name,
        },
      );
    }
  }
  if (expectedKid !== undefined && expectedKid !== kid) {
    throw new EctError(
      EctErrorCodes.KEY_NOT_FOUND,
      `the receipt was signed with kid ${JSON.stringify(kid)}`,
      {
        member: "kid",
      },
    );
  }
  const expected = algorithmProfile(alg)!.signatureLength;
  const valid =
    decoded.signature.length === expected &&
    (await verifySignature({
      alg,
      key: publicKey,
      signature: decoded.signature,
      data: utf8.encode(decoded.signingInput),
    }));
  if (!valid)
    throw new EctError(EctErrorCodes.SIGNATURE_INVALID, "the receipt signature does not verify", {
      member: "signature",
    });

  const { index, jti, wid, leafHash, ingestedAt } = decoded.claims;
  if (typeof index !== "number" || !Number.isSafeInteger(index) || index < 0)
    throw receiptError("index", "index must be a non-negative integer");
  if (typeof jti !== "string" || jti.length === 0) throw receiptError("jti", "jti must be a string");
  if (wid !== undefined && wid !== null && typeof wid !== "string") {
    throw receiptError("wid", "wid must be a string or null");
  }
  if (typeof leafHash !== "string" || !HEX64.test(leafHash))
    throw receiptError("leafHash", "leafHash must be 64 hex digits");
  if (typeof ingestedAt !== "number" || !Number.isSafeInteger(ingestedAt) || ingestedAt < 0)
    throw receiptError("ingestedAt", "ingestedAt must be a non-negative integer");
  return Object.freeze({ index, leafHash, ingestedAt, jti, wid: wid ?? null });
}
