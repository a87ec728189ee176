// Runs ../settled-answers.test.ts again against the WebCrypto signature primitive (the one browsers, workers,
// Deno and Bun use); the plain run uses the node:crypto one.
import { vi } from "vitest";
import "../settled-answers.test.js";

vi.mock("#signature-backend", () => import("../../src/signature/webcrypto.js"));
