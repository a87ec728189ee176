import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "ect-docs",
    include: ["test/**/*.test.ts"],
    // The guide examples are type-checked with the TypeScript compiler and the browser test drives
    // Chromium: both take longer than a unit test.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
