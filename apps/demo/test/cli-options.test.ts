import { describe, expect, it } from "vitest";
import { parseDemoArgs, UsageError, useColor } from "../src/cli-options.js";

describe("parseDemoArgs", () => {
  it("reads every option, with and without =", () => {
    expect(
      parseDemoArgs(["--json", "--out", "r.html", "--ledger=redis://127.0.0.1:6380", "--no-color"]),
    ).toEqual({
      json: true,
      out: "r.html",
      ledger: "redis://127.0.0.1:6380",
      color: false,
      help: false,
      wimse: false,
    });
    expect(parseDemoArgs([])).toEqual({
      json: false,
      out: undefined,
      ledger: undefined,
      color: undefined,
      help: false,
      wimse: false,
    });
    expect(parseDemoArgs(["--wimse", "--json"])).toMatchObject({ wimse: true, json: true });
  });

  it.each([
    [["--out"]],
    [["--ledger", "http://x"]],
    [["--ledger", "redis://a b"]],
    [["extra"]],
    [["--wimse", "--out", "r.html"]],
    [["--wimse", "--ledger", "redis://127.0.0.1:6380"]],
  ])("refuses %j", (argv) => {
    expect(() => parseDemoArgs(argv)).toThrow(UsageError);
  });
});

describe("useColor", () => {
  const plain = {
    json: false,
    out: undefined,
    ledger: undefined,
    color: undefined,
    help: false,
    wimse: false,
  };
  it("colours a terminal unless NO_COLOR is set to something", () => {
    expect(useColor(plain, { isTTY: true }, {})).toBe(true);
    expect(useColor(plain, { isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(useColor(plain, { isTTY: true }, { NO_COLOR: "" })).toBe(true);
    expect(useColor(plain, { isTTY: false }, {})).toBe(false);
  });

  it("obeys --color and --no-color", () => {
    expect(useColor({ ...plain, color: true }, { isTTY: false }, { NO_COLOR: "1" })).toBe(true);
    expect(useColor({ ...plain, color: false }, { isTTY: true }, {})).toBe(false);
  });
});
