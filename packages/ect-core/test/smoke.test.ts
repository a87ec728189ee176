import { describe, expect, it } from "vitest";
import { decodeEct, EctErrorCodes } from "../src/index.js";

describe("decodeEct", () => {
  it("refuses a token with two segments", () => {
    expect(() => decodeEct("a.b")).toThrowError(expect.objectContaining({ code: EctErrorCodes.MALFORMED }));
  });
});
