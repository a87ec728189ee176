// TypeDoc plugin: resolves `{@link Name}` (and `{@link Name.member}`) across the packages of the
// site when TypeScript could not resolve it and `Name` is not in the comment's own package.
//
// Why: TypeScript does not resolve a link written right after `@throws` (it reads `{...}` as the
// tag's type), so `@throws {@link EctError}` in ect-crypto falls back to a declaration reference,
// which TypeDoc looks up only inside ect-crypto and reports as a broken link. Such a link is
// resolved here to the one package export of that name (the original declaration, not a
// re-export). Ambiguous or unknown names are left alone, and TypeDoc still reports them.
import { Application, DeclarationReflection, ReflectionKind } from "typedoc";

const LINK_TAGS = new Set(["@link", "@linkcode", "@linkplain"]);
const BARE_NAME = /^\s*([A-Za-z_$][\w$]*)(?:[.#]([A-Za-z_$][\w$]*))?\s*$/;

/** @param {import("typedoc").ProjectReflection} project */
function exportsByName(project) {
  /** @type {Map<string, DeclarationReflection[]>} */
  const byName = new Map();
  /** @param {import("typedoc").ContainerReflection} container */
  const visit = (container) => {
    for (const child of container.children ?? []) {
      if (child.kindOf(ReflectionKind.Module)) visit(child);
      else if (child.kindOf(ReflectionKind.SomeExport) && !child.kindOf(ReflectionKind.Reference)) {
        byName.set(child.name, [...(byName.get(child.name) ?? []), child]);
      }
    }
  };
  visit(project);
  return byName;
}

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.on(Application.EVENT_PROJECT_REVIVE, (project) => {
    const byName = exportsByName(project);
    /** @param {readonly import("typedoc").CommentDisplayPart[] | undefined} parts */
    const fix = (parts) => {
      for (const part of parts ?? []) {
        if (part.kind !== "inline-tag" || !LINK_TAGS.has(part.tag) || part.target !== undefined) continue;
        const match = BARE_NAME.exec(part.text);
        if (match === null) continue;
        const candidates = byName.get(match[1] ?? "") ?? [];
        if (candidates.length !== 1) continue;
        /** @type {import("typedoc").Reflection | undefined} */
        let target = candidates[0];
        if (match[2] !== undefined) target = target?.getChildByName(match[2]);
        if (target !== undefined) part.target = target;
      }
    };
    /** @param {import("typedoc").Comment | undefined} comment */
    const fixComment = (comment) => {
      fix(comment?.summary);
      for (const tag of comment?.blockTags ?? []) fix(tag.content);
    };
    fix(project.readme);
    fixComment(project.comment);
    for (const reflection of Object.values(project.reflections)) {
      fixComment(reflection.comment);
      if ("readme" in reflection) fix(/** @type {any} */ (reflection).readme);
      if ("content" in reflection) fix(/** @type {any} */ (reflection).content);
    }
  });
}
