import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { createVitest } from "vitest/node";

// describeLedgerConformance wires every check into vitest so that a non-conforming backend gives
// failing tests: run it in a nested vitest on a fixture with a broken backend and read the result.
it("describeLedgerConformance turns a broken backend into failing vitest tests", async () => {
  const root = fileURLToPath(new URL("./fixtures/", import.meta.url));
  const vitest = await createVitest("test", {
    root,
    config: false,
    include: ["skip-sequence.fixture.ts"],
    watch: false,
    reporters: [{}], // silent: the failures are the expected outcome
  });
  try {
    await vitest.start();
    const outcomes = new Map<string, string>();
    for (const module of vitest.state.getTestModules()) {
      for (const test of module.children.allTests()) outcomes.set(test.fullName, test.result().state);
    }
    const failed = [...outcomes].filter(([, state]) => state === "failed").map(([name]) => name);
    const passed = [...outcomes].filter(([, state]) => state === "passed").map(([name]) => name);
    expect(outcomes.size).toBeGreaterThanOrEqual(5);
    expect(failed).toEqual(
      expect.arrayContaining([
        expect.stringContaining("[queries.size-and-get-by-index]"),
        expect.stringContaining("[queries.range]"),
      ]),
    );
    // Checks the fault does not touch still pass: failures are specific, not a crash.
    expect(passed).toEqual(expect.arrayContaining([expect.stringContaining("[tree.leaf-input]")]));
    expect(failed.every((name) => name.startsWith("ledger conformance: skips index 2 > "))).toBe(true);
  } finally {
    await vitest.close();
  }
}, 60_000);
