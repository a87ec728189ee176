import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { NamedVector } from "./rfc6962-vectors.js";

/** testdata/rfc6962-merkle in the repository. */
export const RFC6962_DIR = fileURLToPath(new URL("../../../../testdata/rfc6962-merkle", import.meta.url));

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return jsonFiles(path);
      return name.endsWith(".json") ? [path] : [];
    });
}

/** Every inclusion and consistency vector, named by its path under testdata/rfc6962-merkle. */
export function loadRfc6962Vectors(): NamedVector[] {
  const load = (kind: "inclusion" | "consistency") =>
    jsonFiles(join(RFC6962_DIR, kind)).map(
      (path) =>
        ({
          file: relative(RFC6962_DIR, path),
          kind,
          vector: JSON.parse(readFileSync(path, "utf8")),
        }) as NamedVector,
    );
  return [...load("inclusion"), ...load("consistency")];
}

/** tree-roots.json: eight leaf inputs and the root of the first n of them, n = 0..8. */
export function loadTreeRoots(): { leafInputs: Uint8Array[]; roots: string[] } {
  const json = JSON.parse(readFileSync(join(RFC6962_DIR, "tree-roots.json"), "utf8")) as {
    leafInputsHex: string[];
    rootHashesHexBySize: string[];
  };
  return {
    leafInputs: json.leafInputsHex.map((hex) => Uint8Array.from(Buffer.from(hex, "hex"))),
    roots: json.rootHashesHexBySize,
  };
}
