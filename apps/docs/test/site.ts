// Shared by the docs tests: where the built site and the packages are, and a clear failure when the
// site has not been built.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** apps/docs/dist, where `pnpm run docs` writes the site. */
export const DIST_DIR = fileURLToPath(new URL("../dist/", import.meta.url));
/** apps/docs/test-artifacts (gitignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL("../test-artifacts/", import.meta.url));
/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Throws a message that says what to do when the site was not built. */
export function requireBuiltSite(): void {
  if (!existsSync(`${DIST_DIR}index.html`)) {
    throw new Error(
      `The docs site is not built (no ${DIST_DIR}index.html). Run \`pnpm run docs\` at the repository root ` +
        "(the root `pnpm test` builds it before running the tests).",
    );
  }
}

/** The names of the workspace packages (packages/*), which each get a page in the site. */
export function workspacePackages(): string[] {
  const dir = `${REPO_ROOT}packages/`;
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(`${dir}${entry.name}/package.json`))
    .map((entry) => JSON.parse(readFileSync(`${dir}${entry.name}/package.json`, "utf8")).name as string)
    .sort();
}

/** The `title:` of every guide in docs/*.md (each is a page of the site). */
export function guideTitles(): string[] {
  const dir = `${REPO_ROOT}docs/`;
  return readdirSync(dir)
    .filter((name) => name.endsWith(".md"))
    .map((name) => {
      const title = /^---\n(?:.*\n)*?title:\s*(.+)\n/.exec(readFileSync(`${dir}${name}`, "utf8"))?.[1];
      if (title === undefined) throw new Error(`docs/${name} has no "title:" front matter`);
      return title.trim();
    });
}
