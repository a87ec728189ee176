import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { findPostgresBinDir } from "./postgres-binaries.js";

/** Options of {@link startPostgresServer}. */
export interface PostgresServerOptions {
  /**
   * Server settings passed as `-c name=value`, e.g. `{ fsync: "off" }`. Defaults: the server's own
   * (`fsync`, `synchronous_commit` and `full_page_writes` on).
   */
  readonly settings?: Readonly<Record<string, string>>;
  /** Most time to wait until the server accepts connections, ms (default 60000: a loaded machine). */
  readonly startTimeoutMs?: number;
  /**
   * The largest file the server may write, bytes (`RLIMIT_FSIZE` through `prlimit`): a write past it
   * fails as on a full disk. Needs `walSegmentSizeMb` below it (WAL segments are written whole).
   */
  readonly fileSizeLimitBytes?: number;
  /** `initdb --wal-segsize` in MB (a power of two; default the server's, 16). Runs its own `initdb`. */
  readonly walSegmentSizeMb?: number;
}

/** A private PostgreSQL server started by {@link startPostgresServer} (or a standby of one). */
export interface PostgresServerHandle {
  /** Its private folder: the data folder `data/`, the unix socket and `postgres.log`. */
  readonly dir: string;
  /** The data folder (kept across {@link PostgresServerHandle.kill9} and restarts). */
  readonly dataDir: string;
  /** The folder of its unix socket (the `host` to give a client). */
  readonly socketDir: string;
  /** The port number in the socket's name (`.s.PGSQL.<port>`); no TCP port is opened. */
  readonly port: number;
  /** The superuser, `postgres` (trust authentication on the private socket). */
  readonly user: string;
  /** `postgres`. */
  readonly database: string;
  /** `postgresql:///postgres?host=<socketDir>&port=<port>&user=postgres`, for `pg` and the CLI. */
  readonly connectionString: string;
  /** PID of the running postmaster (changes after a restart); -1 when stopped. */
  readonly pid: number;
  /** True while the postmaster runs. */
  readonly running: boolean;
  /** The server log so far (for a failing test's message). */
  log(): string;
  /**
   * `SIGKILL` to the postmaster (no shutdown checkpoint, as in a crash), then waits until it and
   * every one of its backends are gone. The data folder stays: {@link PostgresServerHandle.restart}
   * runs crash recovery on it.
   */
  kill9(): Promise<void>;
  /**
   * Lifts `fileSizeLimitBytes` on the running postmaster (as if disk space were freed): backends it
   * starts from now on may write files of any size; running ones keep their limit.
   */
  liftFileSizeLimit(): void;
  /** Starts the server again on the same data folder and socket, with the same settings plus `settings`. */
  restart(settings?: Readonly<Record<string, string>>): Promise<void>;
  /** Stops the server (fast shutdown by PID, `SIGKILL` after 10 s) and removes its folder. */
  stop(): Promise<void>;
}

/** The operating-system user that owns the data folder when the tests run as root. */
const SERVER_USER = "postgres";
/** PostgreSQL refuses to run as root: then every server program runs as `postgres` through `runuser`. */
const asRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** Postmasters this process started: killed on exit whatever happened (a failed test, an exception). */
const running = new Map<string, () => number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const [dataDir, pidOf] of running) {
      const pid = pidOf();
      // SIGQUIT: immediate shutdown, the postmaster takes its backends down with it.
      if (pid > 0 && isPostmasterOf(pid, dataDir)) signal(pid, "SIGQUIT");
    }
  });
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** True when `pid` is a live (not zombie) process. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * True when `pid` is a postgres process serving `dataDir`, judged by its command line: the harness
 * signals only servers it started, never a PID that was reused by someone else's process.
 */
function isPostmasterOf(pid: number, dataDir: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return cmdline.includes(dataDir);
  } catch {
    return false;
  }
}

/** The parent PID of `pid`, from /proc (undefined when it is gone). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** PIDs of the direct children of `pid` (the postmaster's backends and helpers), from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return children;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    if (parentOf(Number(name)) === pid) children.push(Number(name));
  }
  return children;
}

function serverUserIds(): { uid: number; gid: number } {
  const uid = spawnSync("id", ["-u", SERVER_USER], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", SERVER_USER], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(`running as root needs the "${SERVER_USER}" system user (installed with postgresql)`);
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Runs a server program to completion (as `postgres` when we are root); throws with its output. */
function runProgram(program: string, args: readonly string[]): void {
  const command = asRoot ? ["runuser", "-u", SERVER_USER, "--", program, ...args] : [program, ...args];
  const result = spawnSync(command[0]!, command.slice(1), { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`${basename(program)} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
}

/** A private folder owned by the server user (it must own its data folder). */
function makeServerFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (asRoot) {
    const { uid, gid } = serverUserIds();
    chownSync(dir, uid, gid);
  }
  return dir;
}

/**
 * Records a folder in the test run's registry (`$ECT_POSTGRES_TEST_REGISTRY`, set by the package's
 * vitest global setup), whose teardown stops any server a crashed test file left behind.
 */
function register(dir: string): void {
  const registry = process.env["ECT_POSTGRES_TEST_REGISTRY"];
  if (registry === undefined || registry === "") return;
  try {
    writeFileSync(join(registry, basename(dir)), dir);
  } catch {
    // the registry is a safety net only
  }
}

function unregister(dir: string): void {
  const registry = process.env["ECT_POSTGRES_TEST_REGISTRY"];
  if (registry === undefined || registry === "") return;
  rmSync(join(registry, basename(dir)), { force: true });
}

/**
 * The postmaster's PID and status from `postmaster.pid` (line 1 and line 8: `ready` once it accepts
 * connections, `standby` for a hot standby), or undefined while it does not exist or is partial.
 */
function readPidFile(dataDir: string): { pid: number; status: string } | undefined {
  try {
    const lines = readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n");
    const pid = Number(lines[0]);
    if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
    return { pid, status: (lines[7] ?? "").trim() };
  } catch {
    return undefined;
  }
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Waits (polling /proc) until none of `pids` is alive; SIGKILLs stragglers after `timeoutMs`. */
async function allGone(pids: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0) return;
    if (Date.now() > deadline) for (const pid of left) signal(pid, "SIGKILL");
    await pause(20);
  }
}

interface ServerLayout {
  readonly dir: string;
  readonly dataDir: string;
  readonly port: number;
  readonly settings: Readonly<Record<string, string>>;
  readonly startTimeoutMs: number;
  readonly fileSizeLimitBytes: number | undefined;
}

/** The port number of every private server: only the socket's file name carries it. */
const SOCKET_PORT = 5432;

/** Starts the postmaster of `layout` and resolves once it accepts connections. */
function launch(
  binDir: string,
  layout: ServerLayout,
  settings: Readonly<Record<string, string>>,
): { child: ChildProcess; ready: Promise<number> } {
  const args = ["-D", layout.dataDir];
  const all: Record<string, string> = {
    listen_addresses: "",
    unix_socket_directories: layout.dir,
    port: String(layout.port),
    ...settings,
  };
  for (const [name, value] of Object.entries(all)) args.push("-c", `${name}=${value}`);
  const limited =
    layout.fileSizeLimitBytes === undefined
      ? [join(binDir, "postgres")]
      : // Soft limit only (hard stays unlimited), so liftFileSizeLimit can raise it without privileges.
        ["prlimit", `--fsize=${layout.fileSizeLimitBytes}:unlimited`, "--", join(binDir, "postgres")];
  const command = asRoot ? ["runuser", "-u", SERVER_USER, "--", ...limited, ...args] : [...limited, ...args];
  const log = openSync(join(layout.dir, "postgres.log"), "a");
  const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", log, log] });
  closeSync(log);
  const ready = (async () => {
    const deadline = Date.now() + layout.startTimeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`postgres exited (${child.exitCode ?? child.signalCode}): ${tail(layout.dir)}`);
      }
      const state = readPidFile(layout.dataDir);
      // A postmaster.pid left by a killed server names a dead PID: only ours counts (our child, or
      // runuser's child when we are root).
      if (
        state !== undefined &&
        (state.status === "ready" || state.status === "standby") &&
        (state.pid === child.pid || (asRoot && parentOf(state.pid) === child.pid))
      ) {
        return state.pid;
      }
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`postgres not ready within ${layout.startTimeoutMs} ms: ${tail(layout.dir)}`);
      }
      await pause(25);
    }
  })();
  return { child, ready };
}

function tail(dir: string): string {
  try {
    return readFileSync(join(dir, "postgres.log"), "utf8").slice(-2000);
  } catch {
    return "(no log)";
  }
}

/** Builds the handle of a server whose data folder exists, starting it. */
async function serve(binDir: string, layout: ServerLayout): Promise<PostgresServerHandle> {
  installExitHook();
  let child: ChildProcess | undefined;
  let pid = -1;
  let current: Readonly<Record<string, string>> = layout.settings;
  const start = async (settings: Readonly<Record<string, string>>) => {
    const launched = launch(binDir, layout, settings);
    child = launched.child;
    try {
      pid = await launched.ready;
    } catch (error) {
      await exited(launched.child);
      pid = -1;
      throw error;
    }
    running.set(layout.dataDir, () => pid);
  };
  const isRunning = () =>
    pid > 0 && child !== undefined && child.exitCode === null && child.signalCode === null;
  register(layout.dir);
  try {
    await start(current);
  } catch (error) {
    unregister(layout.dir);
    rmSync(layout.dir, { recursive: true, force: true });
    throw error;
  }
  const socketQuery = `host=${encodeURIComponent(layout.dir)}&port=${layout.port}`;
  const handle: PostgresServerHandle = {
    dir: layout.dir,
    dataDir: layout.dataDir,
    socketDir: layout.dir,
    port: layout.port,
    user: SERVER_USER,
    database: "postgres",
    // The user as a parameter, not before an empty host: that form is not a WHATWG URL.
    connectionString: `postgresql:///postgres?${socketQuery}&user=${SERVER_USER}`,
    get pid() {
      return isRunning() ? pid : -1;
    },
    get running() {
      return isRunning();
    },
    log: () => {
      try {
        return readFileSync(join(layout.dir, "postgres.log"), "utf8");
      } catch {
        return "";
      }
    },
    async kill9() {
      if (!isRunning() || child === undefined) return;
      const backends = childrenOf(pid);
      signal(pid, "SIGKILL");
      await exited(child);
      // Backends notice the postmaster's death and exit; a restart must wait for them (they still
      // hold its shared memory).
      await allGone([pid, ...backends], 30_000);
      running.delete(layout.dataDir);
      pid = -1;
    },
    liftFileSizeLimit() {
      if (!isRunning()) throw new Error("the server is not running");
      runProgram("prlimit", ["--pid", String(pid), "--fsize=unlimited"]);
    },
    async restart(settings = {}) {
      if (isRunning()) throw new Error("the server is still running");
      current = { ...current, ...settings };
      await start(current);
    },
    async stop() {
      if (isRunning() && child !== undefined) {
        const backends = childrenOf(pid);
        signal(pid, "SIGINT"); // fast shutdown
        const timer = setTimeout(() => signal(pid, "SIGKILL"), 10_000);
        await exited(child);
        clearTimeout(timer);
        await allGone([pid, ...backends], 10_000);
      }
      running.delete(layout.dataDir);
      pid = -1;
      unregister(layout.dir);
      rmSync(layout.dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/**
 * Runs `initdb` into `dataDir` (as `postgres` when we are root): trust authentication on the
 * private socket, UTF-8, C locale. A template made by the package's test setup
 * (`$ECT_POSTGRES_TEMPLATE`) is copied instead when present, which is much cheaper.
 */
function initDataDir(binDir: string, dataDir: string, walSegmentSizeMb?: number): void {
  const template = process.env["ECT_POSTGRES_TEMPLATE"];
  if (
    walSegmentSizeMb === undefined &&
    template !== undefined &&
    template !== "" &&
    existsSync(join(template, "PG_VERSION"))
  ) {
    const copy = spawnSync("cp", ["-a", template, dataDir], { encoding: "utf8" });
    if (copy.status === 0) return;
    rmSync(dataDir, { recursive: true, force: true });
  }
  runProgram(join(binDir, "initdb"), [
    "-D",
    dataDir,
    "-U",
    SERVER_USER,
    "-A",
    "trust",
    "-E",
    "UTF8",
    "--locale=C",
    // initdb's final fsync of every file costs seconds; the tests' durability questions are about
    // what the running server acknowledges, which this does not change.
    "--no-sync",
    ...(walSegmentSizeMb === undefined ? [] : [`--wal-segsize=${walSegmentSizeMb}`]),
  ]);
}

/**
 * Makes a fresh data folder for {@link startPostgresServer} to copy (the package's vitest global
 * setup calls it once and exports the path as `$ECT_POSTGRES_TEMPLATE`). Returns its path.
 */
export function createPostgresTemplate(): string {
  const binDir = findPostgresBinDir();
  const dir = makeServerFolder("ect-pg-template-");
  const dataDir = join(dir, "data");
  initDataDir(binDir, dataDir);
  return dataDir;
}

/**
 * Starts a private PostgreSQL server for tests, benchmarks and demos: `initdb` into a new temporary
 * folder, `postgres` listening only on a unix socket in that folder (no TCP port; put
 * `startPostgresFaultProxy` in front when a test needs TCP). When the process runs as root (where
 * PostgreSQL refuses to run) the folder belongs to the `postgres` system user and the server runs
 * as that user through `runuser`. The postmaster is stopped by its PID with
 * {@link PostgresServerHandle.stop}, and told to shut down when this process exits even if a test
 * failed. It never touches a server someone else started.
 *
 * @example
 * ```ts
 * const server = await startPostgresServer();
 * try {
 *   const ledger = new PostgresLedger({ connectionString: server.connectionString, ledgerId: "t" });
 * } finally {
 *   await server.stop();
 * }
 * ```
 */
export async function startPostgresServer(
  options: PostgresServerOptions = {},
): Promise<PostgresServerHandle> {
  return createAndServe("ect-pg-", options, (binDir, dataDir) =>
    initDataDir(binDir, dataDir, options.walSegmentSizeMb),
  );
}

/** Makes a private folder, fills its `data/` with `fill`, and starts a server on it. */
async function createAndServe(
  prefix: string,
  options: PostgresServerOptions,
  fill: (binDir: string, dataDir: string) => void,
): Promise<PostgresServerHandle> {
  const binDir = findPostgresBinDir();
  const dir = makeServerFolder(prefix);
  const dataDir = join(dir, "data");
  try {
    fill(binDir, dataDir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return serve(binDir, {
    dir,
    dataDir,
    port: SOCKET_PORT,
    settings: options.settings ?? {},
    startTimeoutMs: options.startTimeoutMs ?? 60_000,
    fileSizeLimitBytes: options.fileSizeLimitBytes,
  });
}

/** Options of {@link startPostgresStandby}. */
export interface PostgresStandbyOptions extends PostgresServerOptions {
  /** The `application_name` it connects with: what `synchronous_standby_names` names (default `standby1`). */
  readonly applicationName?: string;
}

/**
 * Starts a streaming-replication standby of `primary` in its own private folder: `pg_basebackup`
 * from the primary's socket with `-R` (standby mode, `primary_conninfo`), then a hot standby.
 * Name it in the primary's `synchronous_standby_names` to make commits wait for it.
 */
export async function startPostgresStandby(
  primary: PostgresServerHandle,
  options: PostgresStandbyOptions = {},
): Promise<PostgresServerHandle> {
  const applicationName = options.applicationName ?? "standby1";
  const settings = {
    primary_conninfo: `host=${primary.socketDir} port=${primary.port} user=${primary.user} application_name=${applicationName}`,
    ...(options.settings ?? {}),
  };
  return createAndServe("ect-pg-standby-", { ...options, settings }, (binDir, dataDir) =>
    runProgram(join(binDir, "pg_basebackup"), [
      "-D",
      dataDir,
      "-h",
      primary.socketDir,
      "-p",
      String(primary.port),
      "-U",
      primary.user,
      "-X",
      "stream",
      "-R",
      "--no-sync",
    ]),
  );
}

/**
 * Stops every server recorded in a registry folder whose postmaster is still running (a test file
 * that crashed before its `afterAll`) and removes their folders: the package's vitest global
 * teardown. Only a process whose command line names the recorded data folder is signalled.
 */
export async function stopRegisteredPostgresServers(registry: string): Promise<void> {
  let names: string[] = [];
  try {
    names = readdirSync(registry);
  } catch {
    return;
  }
  for (const name of names) {
    const dir = readFileSync(join(registry, name), "utf8");
    const dataDir = join(dir, "data");
    const state = readPidFile(dataDir);
    if (state !== undefined && alive(state.pid) && isPostmasterOf(state.pid, dataDir)) {
      const backends = childrenOf(state.pid);
      signal(state.pid, "SIGQUIT");
      await allGone([state.pid, ...backends], 10_000);
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(registry, name), { force: true });
  }
}
