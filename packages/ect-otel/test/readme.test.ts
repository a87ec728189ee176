// The README's example is what users copy: it is run with Node against the built package (its
// `ect-otel` import resolves to dist through the package's own exports) and must print what its
// comments say.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

it("the README example runs and prints what its comments say", async () => {
  const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const dir = new URL("../.readme-example/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL("example.mjs", dir);
  writeFileSync(file, block!);
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [file.pathname]);
  expect(stderr).toBe("");
  const promised = [...block!.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
  expect(stdout.trim().split("\n")).toEqual(promised);
});
