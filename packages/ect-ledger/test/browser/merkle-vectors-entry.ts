// Bundled for headless Chromium by browser.test.ts: ect-ledger's verifiers (from source; ect-core from its build), run over the
// vectors the page is handed, by the same runner the Node test uses.
import { verifyConsistency, verifyInclusion } from "../../src/index.js";
import { type NamedVector, runVectors } from "../support/rfc6962-vectors.js";

(globalThis as unknown as { runMerkleVectors: unknown }).runMerkleVectors = (vectors: NamedVector[]) =>
  runVectors(vectors, { verifyInclusion, verifyConsistency });
