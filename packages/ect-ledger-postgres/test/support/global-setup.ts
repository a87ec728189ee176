import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createPostgresTemplate, stopRegisteredPostgresServers } from "../../src/testing/index.js";

/**
 * Once per test run: one `initdb` that every private server copies (much cheaper than one each),
 * and a registry of the servers started, so the teardown stops any server a crashed test file left
 * running (each file also stops its own by PID in `afterAll`, and on process exit).
 */
export default function setup(): () => Promise<void> {
  const registry = mkdtempSync(join(tmpdir(), "ect-pg-registry-"));
  process.env["ECT_POSTGRES_TEST_REGISTRY"] = registry;
  const template = createPostgresTemplate();
  process.env["ECT_POSTGRES_TEMPLATE"] = template;
  return async () => {
    await stopRegisteredPostgresServers(registry);
    rmSync(registry, { recursive: true, force: true });
    rmSync(dirname(template), { recursive: true, force: true });
  };
}
