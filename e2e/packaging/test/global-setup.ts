// Packs every publishable package once for all packaging tests (pnpm pack rewrites workspace and
// catalog versions, as a publish would).
import { rmSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { packAll, tempDir } from "./support.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Package name -> path of its packed tarball. */
    tarballs: Record<string, string>;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = tempDir("ect-pack");
  project.provide("tarballs", Object.fromEntries(packAll(dir)));
  return () => rmSync(dir, { recursive: true, force: true });
}
