import { describe, expect, it } from "vitest";
import { isSettledPromise, settledPromise, settledValue } from "../src/settled-answers.js";

describe("settled answers (the verification steps' synchronous fast path)", () => {
  it("marks a promise made fulfilled with a plain value, and reads that value back", async () => {
    const key = { kty: "EC" };
    const answer = settledPromise(key);
    expect(isSettledPromise(answer)).toBe(true);
    expect(settledValue(answer)).toBe(key);
    expect(await answer).toBe(key);
  });

  it("never marks a promise it did not make, nor one adopting a thenable (its value is not the thenable)", async () => {
    expect(isSettledPromise(Promise.resolve(1))).toBe(false);
    expect(isSettledPromise(undefined)).toBe(false);
    // A thenable on purpose: that is the case under test.
    // biome-ignore lint/suspicious/noThenProperty: the value under test must be a thenable
    const thenable = { then: (resolve: (v: string) => void) => resolve("adopted") };
    const answer = settledPromise(thenable);
    expect(isSettledPromise(answer)).toBe(false);
    expect(await answer).toBe("adopted");
  });
});
