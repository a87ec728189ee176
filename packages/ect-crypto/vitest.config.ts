import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "ect-crypto", include: ["test/**/*.test.ts"] },
});
