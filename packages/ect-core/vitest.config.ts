import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";

// Tests import the sources. `#sha256` (the package's `imports` map) points at the Node
// implementation here, as it does for the built package under Node; test/sha256.test.ts checks the
// portable one against it.
export default defineProject({
  resolve: {
    alias: { "#sha256": fileURLToPath(new URL("./src/sha256-node.ts", import.meta.url)) },
  },
  test: { name: "ect-core", include: ["test/**/*.test.ts"] },
});
