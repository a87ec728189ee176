import { describe, expect, it } from "vitest";
import { signatureBackendName } from "../src/index.js";

describe("signature backend under test", () => {
  it("is the node:crypto primitive (the files in test/webcrypto/ run the same suites on WebCrypto)", () => {
    expect(signatureBackendName).toBe("node");
  });
});
