import { describe, expect, it, vi } from "vitest";
import { signatureBackendName } from "../../src/index.js";

vi.mock("#signature-backend", () => import("../../src/signature/webcrypto.js"));

describe("signature backend under test (webcrypto run)", () => {
  it("is the WebCrypto primitive", () => {
    expect(signatureBackendName).toBe("webcrypto");
  });
});
