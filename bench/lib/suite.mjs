// What a benchmark suite may use besides the timing primitives.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** Thrown by a suite whose package (or the API it measures) is not available. */
export class SkipSuite extends Error {
  /** @param {string} reason */
  constructor(reason) {
    super(reason);
    this.name = "SkipSuite";
  }
}

/**
 * Imports a workspace package as Node resolves it (so an export condition such as "node" applies)
 * and checks it exports `names`; a missing build or export skips the suite instead of failing it.
 */
export async function importPackage(name, names = []) {
  let mod;
  try {
    mod = await import(name);
  } catch (error) {
    throw new SkipSuite(`cannot import ${name} (${error.code ?? error.message}); build it first`);
  }
  const missing = names.filter((n) => mod[n] === undefined);
  if (missing.length > 0) throw new SkipSuite(`${name} does not export ${missing.join(", ")}`);
  return mod;
}

/**
 * The file a package's internal import (e.g. ect-crypto's `#signature-backend`) resolves to in
 * Node, relative to the repository root. Resolved with the require conditions, which include
 * "node" like the import conditions do.
 */
export function resolvedInternal(packageName, specifier, root) {
  try {
    const pkgJson = fileURLToPath(import.meta.resolve(`${packageName}/package.json`));
    const path = createRequire(pkgJson).resolve(specifier);
    return path.startsWith(root) ? path.slice(root.length + 1) : path;
  } catch {
    return undefined;
  }
}

/** The file `import name` resolves to in this process, relative to the repository root. */
export function resolvedEntry(name, root) {
  try {
    const url = import.meta.resolve(name);
    const path = new URL(url).pathname;
    return path.startsWith(root) ? path.slice(root.length + 1) : path;
  } catch {
    return undefined;
  }
}
