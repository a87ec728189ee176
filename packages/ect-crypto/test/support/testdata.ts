import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root (this file is packages/ect-crypto/test/support/testdata.ts). */
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

/** Path of a shared test vector file: `../shared/testdata/...` next to the repository. */
export function testdataPath(relative: string): string {
  return `${repoRoot}../shared/testdata/${relative}`;
}

/** Reads and parses a shared JSON test vector file. */
export function readTestdata<T = unknown>(relative: string): T {
  return JSON.parse(readFileSync(testdataPath(relative), "utf8")) as T;
}
