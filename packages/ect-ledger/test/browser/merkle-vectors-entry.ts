// Bundled for headless Chromium by browser.test.ts: ect-ledger's verifiers (from source; ect-core
// from its build), run over the vectors the page is handed, by the same runner the Node test uses.
import {
  noteVerifierFromVkey,
  verifyConsistency,
  verifyInclusion,
  verifySignedNote,
  verifyTlogProof,
} from "../../src/index.js";
import { type NamedVector, runVectors } from "../support/rfc6962-vectors.js";

const page = globalThis as unknown as Record<string, unknown>;
page.runMerkleVectors = (vectors: NamedVector[]) =>
  runVectors(vectors, { verifyInclusion, verifyConsistency });
page.verifyNote = async (note: string, vkey: string) =>
  (await verifySignedNote(note, [noteVerifierFromVkey(vkey)])).text;
page.verifyReceipt = async (receipt: string, vkey: string) => {
  try {
    const { index, token } = await verifyTlogProof(receipt, { vkeys: [vkey] });
    return { index, token };
  } catch (e) {
    return { code: (e as { code?: string }).code };
  }
};
