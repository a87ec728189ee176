// The built site's structure, read from its files (no browser): guides in reading order, each
// linking into the API reference for what its examples import, subpath entries in the sidebar, and
// no doubled names (`ect-http.ect-http.…`) in page names or search results.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { inflateSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { allExamples } from "./guide-examples.js";
import { DIST_DIR, REPO_ROOT, requireBuiltSite, workspacePackages } from "./site.js";

interface NavigationNode {
  readonly text: string;
  readonly path?: string;
  readonly children?: readonly NavigationNode[];
}

/** The data TypeDoc embeds in assets/*.js (base64 of deflated JSON). */
function embedded<T>(asset: string): T {
  const text = readFileSync(`${DIST_DIR}assets/${asset}`, "utf8");
  const data = /"([A-Za-z0-9+/=]{100,})"/.exec(text)?.[1] ?? "";
  return JSON.parse(inflateSync(Buffer.from(data, "base64")).toString("utf8")) as T;
}

/** Import specifiers of a package's subpath entries (`ect-http/node`), from its exports map. */
function subpathEntries(pkg: string): string[] {
  const dir = readdirSync(`${REPO_ROOT}packages`).find((name) => name === pkg) ?? pkg;
  const manifest = JSON.parse(readFileSync(`${REPO_ROOT}packages/${dir}/package.json`, "utf8")) as {
    exports?: Record<string, unknown>;
  };
  return Object.keys(manifest.exports ?? {})
    .filter((key) => key !== "." && key !== "./package.json")
    .map((key) => `${pkg}/${key.slice(2)}`);
}

let navigation: NavigationNode[];
let search: { rows: { name: string; url: string; parent?: string }[] };

beforeAll(() => {
  requireBuiltSite();
  navigation = embedded("navigation.js");
  search = embedded("search.js");
});

describe("the docs site", () => {
  it("lists the guides first, in reading order, getting started first", () => {
    const top = navigation.map((node) => node.text);
    expect(top[0]).toBe("Getting started");
    expect(top.indexOf("The ECT profile")).toBeLessThan(top.indexOf("ect-core"));
  });

  it("shows every subpath entry (ect-http/node, …/testing) in the sidebar under its package", () => {
    for (const pkg of workspacePackages()) {
      const node = navigation.find((n) => n.text === pkg);
      expect(node, pkg).toBeDefined();
      for (const entry of subpathEntries(pkg)) {
        expect(
          node!.children?.map((c) => c.text),
          `${entry} in the sidebar`,
        ).toContain(entry);
      }
    }
  });

  it("never doubles a package name for its main entry (ect-http.ect-http.…) in pages or search", () => {
    for (const pkg of workspacePackages()) {
      const doubled = `${pkg}.${pkg}`;
      const isDoubled = (text: string) => text === doubled || text.startsWith(`${doubled}.`);
      expect(
        search.rows.filter((row) => isDoubled(row.parent ?? "")).map((r) => r.name),
        pkg,
      ).toEqual([]);
      for (const folder of ["modules", "functions", "classes", "interfaces", "types", "variables"]) {
        if (!existsSync(`${DIST_DIR}${folder}`)) continue;
        const pages = readdirSync(`${DIST_DIR}${folder}`).filter((page) => page.startsWith(`${doubled}.`));
        expect(pages, `${folder}/${doubled}.*`).toEqual([]);
      }
    }
  });

  it("links each guide to the API reference of every name its examples import from our packages", () => {
    const byGuide = new Map<string, Set<string>>();
    for (const example of allExamples()) {
      for (const [, names] of example.code.matchAll(
        /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"ect-[\w-]+"/g,
      )) {
        for (const raw of names!.split(",")) {
          const name = raw
            .replace(/^\s*type\s+/, "")
            .split(/\s+as\s+/)[0]!
            .trim();
          if (name !== "") byGuide.set(example.guide, (byGuide.get(example.guide) ?? new Set()).add(name));
        }
      }
    }
    expect(byGuide.size).toBeGreaterThan(0);
    const guidePages = readdirSync(`${DIST_DIR}documents`);
    for (const [guide, names] of byGuide) {
      const title =
        /^title:\s*(.+)$/m.exec(readFileSync(`${REPO_ROOT}docs/${guide}`, "utf8"))?.[1]?.trim() ?? "";
      const page = guidePages.find((p) => p === `${title.replace(/[^A-Za-z0-9-]+/g, "_")}.html`);
      expect(page, `the page of docs/${guide}`).toBeDefined();
      const html = readFileSync(`${DIST_DIR}documents/${page}`, "utf8");
      const reference = html.slice(html.indexOf("API reference for this guide"));
      const missing = [...names].filter((name) => !reference.includes(`.${name}.html"`));
      expect(missing, `docs/${guide}`).toEqual([]);
    }
  });
});
