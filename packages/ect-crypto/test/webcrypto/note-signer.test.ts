// Runs ../note-signer.test.ts again against the WebCrypto signature primitive (the one browsers, workers,
// Deno and Bun use); the plain run uses the node:crypto one. (Note keys use WebCrypto in both runs.)
import { vi } from "vitest";
import "../note-signer.test.js";

vi.mock("#signature-backend", () => import("../../src/signature/webcrypto.js"));
