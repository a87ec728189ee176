// TypeDoc plugin: names the modules of a package with several entry points (package.json
// "exports" such as "." and "./node") by their import specifiers, `ect-http` and `ect-http/node`,
// instead of TypeDoc's "" and "node".
import { Converter, ReflectionKind } from "typedoc";

/** @param {import("typedoc").Application} app */
export function load(app) {
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
