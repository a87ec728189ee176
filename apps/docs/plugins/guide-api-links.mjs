// TypeDoc plugin: ends every guide (docs/*.md) with links into the API reference for each function,
// class and type its examples import from our packages, so a reader goes from the guide straight to
// the reference of what it uses. Derived from the examples' own imports, so the list can never go
// stale; a name the site does not document is left out (the site's link validation reports those).
import { ReflectionKind } from "typedoc";

const IMPORT = /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"(ect-[\w-]+(?:\/[\w-]+)?)"/g;

/**
 * Module reflection by import specifier (`ect-crypto`, `ect-http/node`), whatever the nesting.
 *
 * @param {import("typedoc").ProjectReflection} project
 */
function modulesBySpecifier(project) {
  /** @type {Map<string, import("typedoc").DeclarationReflection>} */
  const bySpecifier = new Map();
  for (const pkg of project.children ?? []) {
    if (!pkg.kindOf(ReflectionKind.Module)) continue;
    const entries = (pkg.children ?? []).filter((child) => child.kindOf(ReflectionKind.Module));
    if (entries.length === 0) bySpecifier.set(pkg.name, pkg);
    for (const entry of entries) bySpecifier.set(entry.name, entry);
  }
  return bySpecifier;
}

/**
 * `[specifier, name]` pairs imported by the code blocks of a guide, in first-use order.
 *
 * @param {import("typedoc").DocumentReflection} document
 * @returns {[string, string][]}
 */
function importedNames(document) {
  const code = (document.content ?? [])
    .filter((part) => part.kind === "code")
    .map((part) => part.text)
    .join("\n");
  /** @type {Map<string, [string, string]>} */
  const seen = new Map();
  for (const match of code.matchAll(IMPORT)) {
    const specifier = match[2] ?? "";
    for (const raw of (match[1] ?? "").split(",")) {
      const name = (raw.replace(/^\s*type\s+/, "").split(/\s+as\s+/)[0] ?? "").trim();
      if (name !== "") seen.set(`${specifier}\u0000${name}`, [specifier, name]);
    }
  }
  return [...seen.values()];
}

/** @param {import("typedoc").Application} app */
export function load(app) {
  const render = app.renderer.render.bind(app.renderer);
  app.renderer.render = async (project, outputDirectory) => {
    const modules = modulesBySpecifier(project);
    for (const document of project.documents ?? []) {
      /** @type {{ specifier: string, name: string, target: import("typedoc").Reflection }[]} */
      const links = [];
      for (const [specifier, name] of importedNames(document)) {
        const target = modules.get(specifier)?.children?.find((child) => child.name === name);
        if (target !== undefined) links.push({ specifier, name, target });
      }
      if (links.length === 0) continue;
      /** @type {import("typedoc").CommentDisplayPart[]} */
      const appended = [
        {
          kind: "text",
          text: "\n\n## API reference for this guide\n\nWhat the examples above use, in the order they use it:\n\n",
        },
      ];
      for (const { specifier, name, target } of links) {
        appended.push(
          { kind: "text", text: "- " },
          { kind: "inline-tag", tag: "@link", text: name, target },
          { kind: "text", text: ` (\`${specifier}\`)\n` },
        );
      }
      document.content = [...document.content, ...appended];
    }
    return render(project, outputDirectory);
  };
}
