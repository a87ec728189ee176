import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root (this file is packages/ect-crypto/test/support/testdata.ts). */
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

/** Path of a third-party test vector file in the repository's `testdata/` (each set with its LICENSE and PROVENANCE). */
export function testdataPath(relative: string): string {
  return `${repoRoot}testdata/${relative}`;
}

/** Reads and parses a JSON test vector file from `testdata/`. */
export function readTestdata<T = unknown>(relative: string): T {
  return JSON.parse(readFileSync(testdataPath(relative), "utf8")) as T;
}
