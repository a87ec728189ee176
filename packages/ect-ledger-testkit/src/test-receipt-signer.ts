import type { JwsSigner } from "ect-core";
import { CompactSign, type CryptoKey, generateKeyPair } from "jose";

/** A ledger receipt signer for tests and the public key its receipts verify with. */
export interface TestReceiptSigner {
  /** The signer to hand a ledger (`receiptSigner`). */
  readonly signer: JwsSigner;
  /** The ledger's public key: a third party checks receipts with it. */
  readonly publicKey: CryptoKey;
}

const encoder = new TextEncoder();

/**
 * Creates an ES256 {@link JwsSigner} for ledger receipts, built directly on jose so the suite
 * checks receipts with an implementation independent of the backend under test.
 */
export async function createTestReceiptSigner(kid = "ledger-key-1"): Promise<TestReceiptSigner> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: false });
  const signer: JwsSigner = {
    alg: "ES256",
    kid,
    sign: (payload, typ) =>
      new CompactSign(encoder.encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: "ES256", typ, kid })
        .sign(privateKey),
  };
  return { signer, publicKey };
}
