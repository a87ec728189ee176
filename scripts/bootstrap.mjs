#!/usr/bin/env node
// Sets up a fresh clone on a machine that has only Node and npm, then runs a root script.
//
//   node scripts/bootstrap.mjs <script> [arguments...]     e.g. `test:all` or `demo:run --out r.html`
//
// 1. Uses the pnpm on PATH when it is the version pinned in package.json ("packageManager");
//    otherwise installs that version project-locally into ./.tools and says so. A pnpm the user
//    already has is never replaced. Corepack is not used: its signature check fails against some
//    registries.
// 2. Installs the system programs the script needs (redis-server, postgresql and chromium for the tests) with
//    apt-get when running as root on Debian/Ubuntu, or says exactly what to install.
// 3. `pnpm install --frozen-lockfile`, then `pnpm run <script> [arguments...]`; for the demo, the
//    build, then the demo itself with the arguments, run from the directory npm was started in
//    (so `npm run demo -- --out report.html` writes report.html there).
// Everything the setup prints goes to stderr: stdout is the script's own (`npm run -s demo -- --json | jq`).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const script = process.argv[2];
const scriptArgs = process.argv.slice(3);
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

/** Runs a setup step; its output goes to stderr, so stdout carries only the script's own output. */
function run(cmd, args, options = {}) {
  return spawnSync(cmd, args, { stdio: ["inherit", 2, 2], env, cwd: root, ...options });
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

// 1. pnpm: the user's own when it is the pinned version, else a project-local one (never replacing theirs)
const current = quiet("pnpm", ["--version"]);
const found = current.status === 0 ? current.stdout.trim() : undefined;
if (found !== pinned) {
  const local = quiet(join(localTools, "pnpm"), ["--version"]);
  if (local.status !== 0 || local.stdout.trim() !== pinned) {
    console.error(
      `setup: installing pnpm ${pinned} project-locally in .tools/ (${found === undefined ? "no pnpm found" : `your pnpm ${found} stays as it is`})`,
    );
    const installed = run("npm", [
      "install",
      "--prefix",
      join(root, ".tools"),
      "--no-fund",
      "--no-audit",
      "--no-save",
      `pnpm@${pinned}`,
    ]);
    if (installed.status !== 0) fail(`could not install pnpm ${pinned} with npm`);
  } else {
    console.error(`setup: using the project-local pnpm ${pinned} in .tools/ (your pnpm: ${found ?? "none"})`);
  }
  env.PATH = `${localTools}${delimiter}${env.PATH}`;
}

// 2. system programs
const missing = (systemNeeds[script] ?? []).filter((need) => !(need.present ?? (() => onPath(need.bin)))());
if (missing.length > 0) {
  const pkgs = [...new Set(missing.map((m) => m.pkg))];
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (isRoot && onPath("apt-get")) {
    console.error(`setup: installing ${pkgs.join(", ")} with apt-get`);
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

// 3. dependencies, then the script with its arguments
// ECT_SETUP_SKIP=1 skips the install and the build: for tests of this wrapper that run inside an
// installed, built workspace while other tests use it (nothing there may be rewritten under them).
const skipSetup = process.env.ECT_SETUP_SKIP === "1";
if (!skipSetup && run("pnpm", ["install", "--frozen-lockfile"]).status !== 0) fail("pnpm install failed");
if (script === "demo:run") {
  // Built quietly (to stderr), then run directly: the arguments reach the demo, and relative paths
  // in them are the user's (npm runs scripts from the root and records where it started in INIT_CWD).
  if (!skipSetup && run("pnpm", ["run", "demo:build"]).status !== 0) fail("the build failed");
  const demo = spawnSync(process.execPath, [join(root, "apps", "demo", "dist", "main.js"), ...scriptArgs], {
    stdio: "inherit",
    env,
    cwd: process.env.INIT_CWD ?? process.cwd(),
  });
  process.exit(demo.status ?? 1);
}
if (script) {
  const res = spawnSync("pnpm", ["run", script, ...scriptArgs], { stdio: "inherit", env, cwd: root });
  process.exit(res.status ?? 1);
}
