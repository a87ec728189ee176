import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "ect-architecture",
    include: ["test/**/*.test.ts"],
    // madge and the TypeScript program read every package's sources.
    testTimeout: 120_000,
  },
});
