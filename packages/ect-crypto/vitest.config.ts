import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";

// Tests import the sources. `#signature-backend` (the package's `imports` map) points at the Node
// primitive here; the files under test/webcrypto/ re-run the suites against the WebCrypto one by
// mocking this specifier.
export default defineProject({
  resolve: {
    alias: {
      "#signature-backend": fileURLToPath(new URL("./src/signature/node.ts", import.meta.url)),
    },
  },
  test: { name: "ect-crypto", include: ["test/**/*.test.ts"] },
});
