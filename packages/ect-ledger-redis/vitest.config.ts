import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "ect-ledger-redis", include: ["test/**/*.test.ts"] },
});
