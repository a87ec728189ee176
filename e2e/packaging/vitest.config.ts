import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "ect-packaging",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Packing, installing from tarballs and starting Chromium take a while.
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
