import { defineConfig } from "vitest/config";
import SummaryReporter from "./scripts/vitest-summary-reporter.js";

// One root config; every package and app is a project with its own vitest.config.ts.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "e2e/*"],
    reporters: ["default", new SummaryReporter()],
  },
});
