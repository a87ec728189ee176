// Runs the first ```js example of a package's README with Node, from a folder inside the package
// (so its imports resolve as a user's would: the package itself through its exports, to dist), and
// returns what it printed and what its `console.log(...); // expected` comments promise.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";

export interface ReadmeExampleRun {
  readonly stdout: string[];
  readonly stderr: string;
  readonly promised: string[];
}

export async function runReadmeExample(packageDir: URL): Promise<ReadmeExampleRun> {
  const readme = readFileSync(new URL("README.md", packageDir), "utf8");
  const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error(`${packageDir.pathname}README.md has no js example`);
  const dir = new URL(".readme-example/", packageDir);
  mkdirSync(dir, { recursive: true });
  const file = new URL("example.mjs", dir);
  writeFileSync(file, block);
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [file.pathname]);
  const promised = [...block.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]!);
  return { stdout: stdout.trim().split("\n"), stderr, promised };
}
