#!/usr/bin/env node
// Packs every publishable package of the clone into one folder, so a project can install them
// before they are on the registry (the README's "From a clone"):
//
//   pnpm build && pnpm pack:packages ../ect-packages
//   cd ../my-app && npm install ../ect-packages/ect-core-*.tgz ../ect-packages/ect-crypto-*.tgz
//
// `pnpm pack` rewrites `workspace:*` and `catalog:` to real versions, as a publish would; npm then
// takes each of our packages from the tarballs it is given. `--json` prints { name: tarball path }.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const json = args.includes("--json");
const dest = args.find((a) => a !== "--json");
if (dest === undefined) {
  console.error("usage: pnpm pack:packages DIR [--json]   (packs every package of packages/ into DIR)");
  process.exit(2);
}
// pnpm runs scripts from the root; a relative DIR is the user's (INIT_CWD: where pnpm was started).
const out = resolve(process.env.INIT_CWD ?? process.cwd(), dest);
mkdirSync(out, { recursive: true });
const tarballs = {};
for (const name of readdirSync(join(root, "packages")).sort()) {
  const dir = join(root, "packages", name);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  if (manifest.private === true) continue;
  if (!readdirSync(dir).includes("dist")) {
    console.error(`${manifest.name} is not built: run 'pnpm build' first`);
    process.exit(1);
  }
  const packed = execFileSync("pnpm", ["pack", "--json", "--pack-destination", out], {
    cwd: dir,
    encoding: "utf8",
  });
  tarballs[manifest.name] = resolve(out, JSON.parse(packed).filename);
}
if (json) process.stdout.write(`${JSON.stringify(tarballs, null, 2)}\n`);
else for (const path of Object.values(tarballs)) process.stdout.write(`${path}\n`);
