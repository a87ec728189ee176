// TypeDoc plugin: shows the guides (docs/*.md) in reading order instead of alphabetically. Each
// guide's front matter may say `order: N` (smaller first); a guide without one comes after the
// ordered ones and before `order: 100` or more (the reference pages, e.g. the profile), so a new
// guide is never lost, only placed late until it gets its number.
import { DocumentReflection, ReflectionKind } from "typedoc";

const UNORDERED = 99;

/** @param {import("typedoc").Reflection} reflection */
function orderOf(reflection) {
  const value = reflection instanceof DocumentReflection ? reflection.frontmatter?.["order"] : undefined;
  return typeof value === "number" ? value : UNORDERED;
}

/**
 * Stable sort of the documents among other reflections: modules keep their places after them.
 *
 * @param {import("typedoc").Reflection[] | undefined} list
 */
function sortDocuments(list) {
  if (!Array.isArray(list)) return;
  const documents = list.filter((r) => r.kindOf(ReflectionKind.Document));
  documents.sort((a, b) => orderOf(a) - orderOf(b));
  let next = 0;
  list.forEach((reflection, i) => {
    const document = documents[next];
    if (reflection.kindOf(ReflectionKind.Document) && document !== undefined) {
      list[i] = document;
      next++;
    }
  });
}

/** @param {import("typedoc").Application} app */
export function load(app) {
  // The merged site project exists only once rendering starts (entryPointStrategy "packages").
  const render = app.renderer.render.bind(app.renderer);
  app.renderer.render = async (project, outputDirectory) => {
    sortDocuments(project.documents);
    sortDocuments(project.childrenIncludingDocuments);
    for (const group of project.groups ?? []) sortDocuments(group.children);
    for (const category of project.categories ?? []) sortDocuments(category.children);
    return render(project, outputDirectory);
  };
}
