#!/usr/bin/env node
// Sets up a fresh clone on a machine that has only Node and npm, then runs a root script.
//
//   node scripts/bootstrap.mjs <script>     e.g. `test:all` or `demo:run`
//
// 1. Installs the pnpm version pinned in package.json ("packageManager") when it is missing:
//    `npm install -g`, or into ./.tools when the global prefix is not writable. Corepack is not used:
//    its signature check fails against some registries.
// 2. Installs the system programs the script needs (redis-server, postgresql and chromium for the tests) with
//    apt-get when running as root on Debian/Ubuntu, or says exactly what to install.
// 3. `pnpm install --frozen-lockfile`, then `pnpm run <script>`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const script = process.argv[2];
const pinned = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager.split("@")[1];

/** System programs each root script needs, with the Debian package that provides them. */
const systemNeeds = {
  "test:all": [
    { bin: "redis-server", pkg: "redis-server", why: "the Redis ledger tests start private servers" },
    { bin: "redis-cli", pkg: "redis-tools", why: "the Redis Cluster test creates a local cluster" },
    { bin: "chromium", pkg: "chromium", why: "browser tests (docs site, demo report, browser bundles)" },
    {
      bin: "postgres",
      pkg: "postgresql",
      why: "the PostgreSQL ledger tests start private servers",
      // Debian/Ubuntu keep the server programs in /usr/lib/postgresql/<version>/bin, off PATH.
      present: () => postgresInstalled(),
    },
  ],
  "demo:run": [],
};

const env = { ...process.env };
const localTools = join(root, ".tools", "node_modules", ".bin");
if (existsSync(localTools)) env.PATH = `${localTools}${delimiter}${env.PATH}`;

function run(cmd, args, options = {}) {
  return spawnSync(cmd, args, { stdio: "inherit", env, cwd: root, ...options });
}
function quiet(cmd, args) {
  return spawnSync(cmd, args, { encoding: "utf8", env, cwd: root });
}
function onPath(bin) {
  return quiet("sh", ["-c", `command -v ${bin}`]).status === 0;
}
function postgresInstalled() {
  if (process.env.ECT_POSTGRES_BIN && existsSync(join(process.env.ECT_POSTGRES_BIN, "postgres"))) return true;
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian) && readdirSync(debian).some((v) => existsSync(join(debian, v, "bin", "initdb")))) {
    return true;
  }
  return onPath("initdb") && onPath("postgres");
}
function fail(message) {
  console.error(`\nsetup: ${message}`);
  process.exit(1);
}

// 1. pnpm
const current = quiet("pnpm", ["--version"]);
if (current.status !== 0 || current.stdout.trim() !== pinned) {
  console.log(
    `setup: installing pnpm ${pinned} (found ${current.status === 0 ? current.stdout.trim() : "none"})`,
  );
  const global = run("npm", ["install", "-g", "--no-fund", "--no-audit", `pnpm@${pinned}`]);
  const after = quiet("pnpm", ["--version"]);
  if (global.status !== 0 || after.stdout.trim() !== pinned) {
    const local = run("npm", [
      "install",
      "--prefix",
      join(root, ".tools"),
      "--no-fund",
      "--no-audit",
      `pnpm@${pinned}`,
    ]);
    if (local.status !== 0) fail(`could not install pnpm ${pinned} with npm`);
    env.PATH = `${localTools}${delimiter}${env.PATH}`;
  }
}

// 2. system programs
const missing = (systemNeeds[script] ?? []).filter((need) => !(need.present ?? (() => onPath(need.bin)))());
if (missing.length > 0) {
  const pkgs = [...new Set(missing.map((m) => m.pkg))];
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (isRoot && onPath("apt-get")) {
    console.log(`setup: installing ${pkgs.join(", ")} with apt-get`);
    const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
    run("apt-get", ["update", "-qq"], { env: aptEnv });
    const res = run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...pkgs], { env: aptEnv });
    if (res.status !== 0) fail(`apt-get install ${pkgs.join(" ")} failed`);
  } else {
    fail(
      `missing programs:\n${missing.map((m) => `  - ${m.bin} (${m.why})`).join("\n")}\n` +
        `Install them (Debian/Ubuntu: sudo apt-get install ${pkgs.join(" ")}) and run this again.`,
    );
  }
}

// 3. dependencies, then the script
if (run("pnpm", ["install", "--frozen-lockfile"]).status !== 0) fail("pnpm install failed");
if (script) {
  const res = run("pnpm", ["run", script]);
  process.exit(res.status ?? 1);
}
