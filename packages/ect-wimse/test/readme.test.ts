// The README's example is what users copy: run with Node against the built package, it must print
// what its comments say.
import { expect, it } from "vitest";
import { runReadmeExample } from "../../../scripts/readme-example.js";

it("the README example runs and prints what its comments say", async () => {
  const run = await runReadmeExample(new URL("../", import.meta.url));
  expect(run.stderr).toBe("");
  expect(run.stdout).toEqual(run.promised);
});
