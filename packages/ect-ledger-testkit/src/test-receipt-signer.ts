import type { JwsSigner } from "ect-core/internal";
import { createJwsSigner, type EctPublicKey, generateEctKeyPair } from "ect-crypto";

/** A ledger receipt signer for tests and the public key its receipts verify with. */
export interface TestReceiptSigner {
  /** The signer to hand a ledger (`receiptSigner`), from `ect-crypto`'s `createJwsSigner`. */
  readonly signer: JwsSigner;
  /** The ledger's public key (with its `alg` and `kid`): a third party checks receipts with it. */
  readonly publicKey: EctPublicKey;
}

/**
 * Creates an ES256 {@link JwsSigner} for ledger receipts (`ect-crypto`) and its public key. The
 * suite checks the receipts it produces both with jose directly and with `ect-crypto`'s
 * `verifyReceipt`.
 */
export async function createTestReceiptSigner(kid = "ledger-key-1"): Promise<TestReceiptSigner> {
  const pair = await generateEctKeyPair({ alg: "ES256", kid });
  return {
    signer: createJwsSigner(pair),
    publicKey: { alg: pair.alg, kid: pair.kid, publicKey: pair.publicKey },
  };
}
