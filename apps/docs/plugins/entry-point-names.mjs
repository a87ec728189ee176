// TypeDoc plugin: names the modules of a package with several entry points (package.json
// "exports" such as "." and "./node") by their import specifiers, `ect-http` and `ect-http/node`,
// instead of TypeDoc's "" and "node".
import { Converter, ReflectionKind } from "typedoc";

/** @param {import("typedoc").Application} app */
export function load(app) {
  loadFlattening(app);
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    const packageName = project.packageName;
    if (packageName === undefined) return;
    const modules = (project.children ?? []).filter((child) => child.kindOf(ReflectionKind.Module));
    if (modules.length < 2) return;
    for (const module of modules) {
      module.name =
        module.name === "" || module.name === "index" ? packageName : `${packageName}/${module.name}`;
    }
  });
}

/**
 * On the merged site: a package with several entry points becomes the package's module holding its
 * main entry's exports directly, followed by its subpath modules (`ect-http/node`), so pages, the
 * sidebar and search say `ect-http.createEctFetchHandler`, never `ect-http.ect-http.…`.
 *
 * @param {import("typedoc").ProjectReflection} project
 */
function flattenEntryPoints(project) {
  const packages = [...(project.children ?? [])];
  for (const pkg of packages) {
    if (!pkg.kindOf(ReflectionKind.Module)) continue;
    const modules = (pkg.children ?? []).filter((child) => child.kindOf(ReflectionKind.Module));
    const main = modules.find((child) => child.name === pkg.name);
    if (modules.length < 2 || main === undefined) continue;
    const subpaths = modules.filter((child) => child !== main);
    const exports = [...(main.children ?? [])];
    for (const child of exports) child.parent = pkg;
    const { groups, categories } = main;
    const ownGroups = pkg.groups;
    if (!pkg.hasComment() && main.comment !== undefined) pkg.comment = main.comment;
    main.children = [];
    // The subpath entries stay in the package, after its own exports (sidebar: ect-http, then
    // ect-http/node inside it).
    pkg.children = [...exports, ...subpaths];
    pkg.childrenIncludingDocuments = [...pkg.children, ...(pkg.documents ?? [])];
    const modulesGroup = (ownGroups ?? []).find((group) => group.children.includes(main));
    if (modulesGroup !== undefined) modulesGroup.children = subpaths;
    pkg.groups = [...(groups ?? []), ...(modulesGroup === undefined ? [] : [modulesGroup])];
    if (categories !== undefined) pkg.categories = categories;
  }
}

/** @param {import("typedoc").Application} app */
export function loadFlattening(app) {
  const render = app.renderer.render.bind(app.renderer);
  app.renderer.render = async (project, outputDirectory) => {
    flattenEntryPoints(project);
    return render(project, outputDirectory);
  };
}
