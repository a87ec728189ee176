import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "ect-security",
    include: ["test/**/*.test.ts"],
  },
});
