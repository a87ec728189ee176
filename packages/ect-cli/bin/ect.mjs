#!/usr/bin/env node
// The `ect` command. This launcher is committed (the build output is not), so a package manager
// links `ect` at install time, before the first build of a clone; it then runs the build's bin.
try {
  await import("../dist/bin.js");
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist")) {
    process.stderr.write("ect: ect-cli is not built yet: run 'pnpm build' in the repository first\n");
    process.exit(3);
  }
  throw error;
}
