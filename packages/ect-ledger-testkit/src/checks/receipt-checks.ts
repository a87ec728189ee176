import assert from "node:assert/strict";
import type { LedgerReceipt } from "ect-core";
import { RECEIPT_TYP } from "ect-core/internal";
import { type EctPublicKey, verifyReceipt } from "ect-crypto";
import { compactVerify, decodeProtectedHeader } from "jose";
import type { ConformanceCheck } from "../conformance-check.js";
import { createTestReceiptSigner } from "../test-receipt-signer.js";
import { expectAppended, expectDuplicate } from "./assertions.js";

const group = "receipts (profile §7)";

function fieldsOf(receipt: LedgerReceipt) {
  const { index, leafHash, ingestedAt, jti, wid } = receipt;
  return { index, leafHash, ingestedAt, jti, wid };
}

async function assertSignedReceipt(receipt: LedgerReceipt, key: EctPublicKey, kid: string, what: string) {
  assert.equal(typeof receipt.jws, "string", `${what}: a ledger with a receipt signer returns receipt.jws`);
  const jws = receipt.jws!;
  const header = decodeProtectedHeader(jws);
  assert.deepEqual(header, { alg: "ES256", typ: RECEIPT_TYP, kid }, `${what}: receipt JWS header`);
  let payloadBytes: Uint8Array;
  try {
    ({ payload: payloadBytes } = await compactVerify(jws, key.publicKey, { algorithms: ["ES256"] }));
  } catch (e) {
    assert.fail(`${what}: the receipt JWS must verify with the ledger's public key: ${String(e)}`);
  }
  const payload = JSON.parse(new TextDecoder().decode(payloadBytes)) as Record<string, unknown>;
  const expected = fieldsOf(receipt);
  for (const [name, value] of Object.entries(expected)) {
    assert.deepEqual(payload[name], value, `${what}: signed receipt member ${name}`);
  }
  // A third party with ect-crypto checks it the same way.
  try {
    assert.deepEqual({ ...(await verifyReceipt(jws, key)) }, expected, `${what}: verifyReceipt fields`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    assert.fail(`${what}: ect-crypto verifyReceipt refuses the receipt: ${String(e)}`);
  }
}

/** profile §7 receipts: fields, the duplicate's receipt, signed receipts a third party can check. */
export const receiptChecks: readonly ConformanceCheck[] = [
  {
    id: "receipts.fields",
    group,
    title: "a receipt is { index, leafHash, ingestedAt, jti, wid } of its entry; unsigned without a signer",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      const wid = globalThis.crypto.randomUUID();
      for (const token of [await issuer.issue({ wid }), await issuer.issue()]) {
        const { entry, receipt } = expectAppended(await ledger.append(token));
        assert.deepEqual(fieldsOf(receipt), {
          index: entry.index,
          leafHash: entry.leafHash,
          ingestedAt: entry.ingestedAt,
          jti: entry.jti,
          wid: entry.wid,
        });
        assert.equal(receipt.jws, undefined, "no jws without a receipt signer");
      }
    },
  },
  {
    id: "receipts.signed",
    group,
    title:
      "with a receipt signer, receipt.jws verifies with the ledger key, typ ect-receipt+jwt, same fields",
    async run({ newLedger, issuer }) {
      const { signer, publicKey } = await createTestReceiptSigner("ledger-key-7");
      const ledger = await newLedger({ receiptSigner: signer });
      const first = expectAppended(
        await ledger.append(await issuer.issue({ wid: globalThis.crypto.randomUUID() })),
      );
      await assertSignedReceipt(first.receipt, publicKey, "ledger-key-7", "first receipt");
      const second = expectAppended(await ledger.append(await issuer.issue()));
      await assertSignedReceipt(second.receipt, publicKey, "ledger-key-7", "receipt without wid");
      assert.equal(second.receipt.wid, null);
      // Someone else's key must not verify it (the check above is not vacuous).
      const other = await createTestReceiptSigner("ledger-key-7");
      await assert.rejects(
        compactVerify(first.receipt.jws!, other.publicKey.publicKey),
        "a receipt must not verify with another key",
      );
    },
  },
  {
    id: "receipts.duplicate-gets-existing",
    group,
    title: "a duplicate append returns the existing receipt (same fields, a verifying signature)",
    async run({ newLedger, issuer, clock }) {
      const { signer, publicKey } = await createTestReceiptSigner();
      const ledger = await newLedger({ receiptSigner: signer });
      const token = await issuer.issue();
      const first = expectAppended(await ledger.append(token));
      clock.advance(3_600_000);
      const again = expectDuplicate(await ledger.append(token));
      assert.deepEqual(fieldsOf(again.receipt), fieldsOf(first.receipt));
      await assertSignedReceipt(again.receipt, publicKey, "ledger-key-1", "duplicate's receipt");
    },
  },
];
