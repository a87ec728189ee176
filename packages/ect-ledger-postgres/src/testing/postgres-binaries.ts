import { spawnSync } from "node:child_process";
import { accessSync, constants, readdirSync } from "node:fs";
import { join } from "node:path";

/** Where Debian and Ubuntu's `postgresql` packages put the server programs, one folder per version. */
const DEBIAN_ROOT = "/usr/lib/postgresql";

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The folder holding `initdb` and `postgres`: `$ECT_POSTGRES_BIN` when set, else the newest
 * `/usr/lib/postgresql/<version>/bin` (Debian/Ubuntu keep the server programs off `PATH`), else
 * `pg_config --bindir`, else the folder of an `initdb` on `PATH`.
 *
 * @throws Error naming the package to install when no PostgreSQL server is found.
 */
export function findPostgresBinDir(): string {
  const override = process.env["ECT_POSTGRES_BIN"];
  if (override !== undefined && override !== "") {
    if (!executable(join(override, "postgres"))) {
      throw new Error(`ECT_POSTGRES_BIN=${override} holds no executable "postgres"`);
    }
    return override;
  }
  let versions: string[] = [];
  try {
    versions = readdirSync(DEBIAN_ROOT).filter((name) => /^\d+(\.\d+)?$/.test(name));
  } catch {
    // not Debian-like: try PATH below
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = join(DEBIAN_ROOT, version, "bin");
    if (executable(join(dir, "postgres")) && executable(join(dir, "initdb"))) return dir;
  }
  const pgConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (pgConfig.status === 0) {
    const dir = pgConfig.stdout.trim();
    if (executable(join(dir, "postgres")) && executable(join(dir, "initdb"))) return dir;
  }
  const which = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" });
  if (which.status === 0) {
    const dir = which.stdout.trim().replace(/\/initdb$/, "");
    if (executable(join(dir, "postgres"))) return dir;
  }
  throw new Error(
    "no PostgreSQL server found (looked in /usr/lib/postgresql/<version>/bin, pg_config, PATH): " +
      "install it (Debian/Ubuntu: apt-get install postgresql) or set ECT_POSTGRES_BIN",
  );
}
