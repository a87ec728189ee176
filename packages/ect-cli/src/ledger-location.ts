import { stat } from "node:fs/promises";
import { isEctError, type NoteSigner } from "ect-core";
import type { TransparencyLedger } from "ect-ledger";
import { failure, usageError } from "./cli-error.js";
import type { CliIo } from "./cli-io.js";
import { lockFile, replaceFileAtomically } from "./file-writes.js";
import { fileLines, resolvePath } from "./input-files.js";
import type { Progress } from "./progress.js";

/** Where a ledger lives, from `--ledger`. */
export type LedgerLocation =
  | {
      /** A JSON Lines file loaded into a `MemoryLedger`. */
      readonly kind: "memory";
      /** Absolute path of the JSON Lines file. */
      readonly path: string;
      /** The path as given. */
      readonly display: string;
    }
  | {
      /** A `RedisLedger`. */
      readonly kind: "redis";
      /** The URL as given (with its password, if any: never print it). */
      readonly url: string;
      /** The ledger's name on that server. */
      readonly ledgerId: string;
      /** The URL without its password, and the ledger id. */
      readonly display: string;
    }
  | {
      /** A `PostgresLedger`. */
      readonly kind: "postgres";
      /** The URL as given (with its password, if any: never print it). */
      readonly url: string;
      /** The ledger's id in its schema. */
      readonly ledgerId: string;
      /** The URL without its password, and the ledger id. */
      readonly display: string;
    };

/** The URL as given, its password (if any) replaced by `mask`. */
function withoutPassword(value: string, url: URL, mask: string): string {
  if (!url.password) return value;
  const masked = new URL(value);
  masked.password = mask;
  return masked.href;
}

/** The `--ledger ...` (and `--ledger-id ...`) arguments that name this ledger again, for hints. */
export function ledgerArguments(location: LedgerLocation): string {
  if (location.kind === "memory") return `--ledger ${location.display}`;
  const url = withoutPassword(location.url, new URL(location.url), "PASSWORD");
  return `--ledger ${url}${location.ledgerId === DEFAULT_LEDGER_ID ? "" : ` --ledger-id ${location.ledgerId}`}`;
}

/** The `--ledger` help text, shared by every command that takes it. */
export const LEDGER_OPTION_HELP =
  "a file path, e.g. ledger.jsonl (a JSON Lines file, loaded at start and rewritten atomically; memory:PATH says the same) " +
  "or redis://[user:password@]HOST:PORT[/DB] (or rediss://) " +
  "or postgres://[user:password@]HOST[:PORT]/DB (or postgresql://; the tables come from an idempotent migration run at open)";

/**
 * The origin (checkpoint first line, profile §7) of the ledgers the CLI opens: one name, so an
 * export moves between a file and Redis.
 */
export const CLI_LEDGER_ORIGIN = "ect-cli.invalid/ledger";

/** The ledger id used on Redis and PostgreSQL when `--ledger-id` is not given. */
export const DEFAULT_LEDGER_ID = "default";

/** What a server ledger's `--ledger` URL and `--ledger-id` must look like. */
interface ServerLedgerRules {
  /** An example URL for the usage hint. */
  readonly example: string;
  /** The ledger ids this server takes. */
  readonly idPattern: RegExp;
  /** The id rule, said in words. */
  readonly idRule: string;
}

/** A Redis or PostgreSQL `--ledger` URL and its `--ledger-id` (default {@link DEFAULT_LEDGER_ID}). */
function serverLedgerLocation(
  kind: "redis" | "postgres",
  value: string,
  ledgerId: string | undefined,
  rules: ServerLedgerRules,
): LedgerLocation {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(
      `--ledger ${JSON.stringify(value)} is not a valid URL`,
      `e.g. --ledger ${rules.example}`,
    );
  }
  const id = ledgerId ?? DEFAULT_LEDGER_ID;
  if (!rules.idPattern.test(id)) {
    throw usageError(`--ledger-id ${JSON.stringify(id)} is not a valid ledger id`, rules.idRule);
  }
  return {
    kind,
    url: value,
    ledgerId: id,
    display: `${withoutPassword(value, url, "***")} (ledger id ${id})`,
  };
}

/** Parses `--ledger` (and `--ledger-id` for Redis and PostgreSQL). */
export function parseLedgerLocation(
  io: CliIo,
  value: string | undefined,
  ledgerId: string | undefined,
): LedgerLocation {
  if (value === undefined) {
    throw usageError("missing --ledger", "give --ledger FILE.jsonl or --ledger redis://HOST:PORT");
  }
  if (value.startsWith("memory:")) {
    const file = value.slice("memory:".length);
    if (file === "")
      throw usageError("--ledger memory: needs a file name", "e.g. --ledger memory:ledger.jsonl");
    if (ledgerId !== undefined) throw usageError("--ledger-id applies to Redis and PostgreSQL ledgers only");
    return { kind: "memory", path: resolvePath(io, file), display: `memory:${file}` };
  }
  if (value.startsWith("redis://") || value.startsWith("rediss://")) {
    return serverLedgerLocation("redis", value, ledgerId, {
      example: "redis://127.0.0.1:6379",
      // It becomes the Redis hash tag: no braces.
      idPattern: /^[\x21-\x7a\x7c\x7e]{1,200}$/,
      idRule:
        "use 1-200 printable ASCII characters without spaces, '{' or '}' (it becomes the Redis hash tag)",
    });
  }
  if (value.startsWith("postgres://") || value.startsWith("postgresql://")) {
    return serverLedgerLocation("postgres", value, ledgerId, {
      example: "postgres://ect@127.0.0.1/ect",
      idPattern: /^[\x21-\x7e]{1,200}$/,
      idRule: "use 1-200 printable ASCII characters without spaces",
    });
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) {
    throw usageError(
      `--ledger ${JSON.stringify(value)}: unknown kind of ledger URL`,
      "give a file path (ledger.jsonl), memory:FILE, redis://HOST:PORT or postgres://HOST/DB",
    );
  }
  // A plain path is a JSON Lines file, as memory:PATH is (the explicit form stays for paths that
  // look like URLs).
  if (value === "") throw usageError("--ledger needs a value", "e.g. --ledger ledger.jsonl");
  if (ledgerId !== undefined) throw usageError("--ledger-id applies to Redis and PostgreSQL ledgers only");
  return { kind: "memory", path: resolvePath(io, value), display: value };
}

/** Most time to wait for another `ect` process writing the same ledger file. */
const LOCK_WAIT_MS = 5_000;

/** Most time a Redis or PostgreSQL call may take, retries included: a command line should not hang for long. */
const REDIS_RETRY_BUDGET_MS = 5_000;

/**
 * The options the CLI gives a Redis or PostgreSQL ledger whatever the server: its id, the origin
 * (the note key's name, profile §7), the DAG rules on or off, a short retry budget, warnings on
 * stderr.
 */
function serverLedgerOptions(
  location: Extract<LedgerLocation, { kind: "redis" | "postgres" }>,
  warn: (message: string) => void,
  dag: boolean,
  noteSigner: NoteSigner | undefined,
) {
  return {
    ledgerId: location.ledgerId,
    origin: noteSigner?.name ?? CLI_LEDGER_ORIGIN,
    ...(noteSigner === undefined ? {} : { noteSigner }),
    dag: dag ? {} : (false as const),
    retryBudgetMs: REDIS_RETRY_BUDGET_MS,
    onWarning: warn,
  };
}

type ServerLedgerOptions = ReturnType<typeof serverLedgerOptions>;

/**
 * A Redis ledger (node-redis is loaded only now, so the other commands start faster). With `dag`,
 * the profile §6 rules run in its atomic sequencing step.
 */
async function openRedisLedger(url: string, options: ServerLedgerOptions): Promise<TransparencyLedger> {
  const { RedisLedger } = await import("ect-ledger-redis");
  return new RedisLedger({ url, ...options, connectTimeoutMs: 2_000, startupCheck: "warn" });
}

/**
 * A PostgreSQL ledger (pg is loaded only now). Its tables come from its explicit, idempotent
 * migration, run here so that `--ledger postgres://…` works on an empty database. With `dag`, the
 * profile §6 rules run inside its append transaction.
 */
async function openPostgresLedger(url: string, options: ServerLedgerOptions): Promise<TransparencyLedger> {
  const { PostgresLedger } = await import("ect-ledger-postgres");
  const ledger = new PostgresLedger({ connectionString: url, ...options });
  try {
    await ledger.migrate();
  } catch (error) {
    await ledger.close().catch(() => undefined);
    throw error;
  }
  return ledger;
}

/** The Redis or PostgreSQL ledger `location` names. */
export function openServerLedger(
  location: Extract<LedgerLocation, { kind: "redis" | "postgres" }>,
  warn: (message: string) => void,
  dag: boolean,
  noteSigner?: NoteSigner,
): Promise<TransparencyLedger> {
  const options = serverLedgerOptions(location, warn, dag, noteSigner);
  return location.kind === "postgres"
    ? openPostgresLedger(location.url, options)
    : openRedisLedger(location.url, options);
}

/** An opened ledger: use it, `save` what was written (memory files), then `close`. */
export interface OpenLedger {
  /** The ledger. */
  readonly ledger: TransparencyLedger;
  /** Where it lives. */
  readonly location: LedgerLocation;
  /** Writes a memory ledger back to its file (atomically); nothing for Redis. */
  save(): Promise<void>;
  /** Releases the file lock or closes the Redis connection. */
  close(): Promise<void>;
}

/** Options of {@link openLedger}. */
export interface OpenLedgerOptions {
  /** The command will write (append, import): a memory file is locked, and may not exist yet. */
  readonly write: boolean;
  /** Prints a warning on stderr. */
  readonly warn: (message: string) => void;
  /** Counts lines while a memory file loads. */
  readonly progress?: Progress | undefined;
  /**
   * The ledger's checkpoint note key (`--note-key`): checkpoints are signed with it and the origin is
   * its name (profile §7). A file ledger whose header names a verifier key needs it to be written.
   */
  readonly noteSigner?: (NoteSigner & { readonly vkey: string }) | undefined;
}

/** The header line of a ledger file (`{"format","origin","vkey"}`), or undefined when unreadable. */
async function ledgerFileHeader(
  io: CliIo,
  path: string,
): Promise<{ readonly origin: string; readonly vkey: string | null } | undefined> {
  for await (const line of fileLines(io, path, "ledger file")) {
    try {
      const header = JSON.parse(line) as { origin?: unknown; vkey?: unknown };
      if (typeof header.origin !== "string") return undefined;
      return { origin: header.origin, vkey: typeof header.vkey === "string" ? header.vkey : null };
    } catch {
      return undefined; // the import names what is wrong with it
    }
  }
  return undefined;
}

async function fileExists(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw usageError(`the ledger file ${path} is a directory`);
    return true;
  } catch (error) {
    if ((error as { code?: unknown })?.code === "ENOENT") return false;
    throw error;
  }
}

/**
 * Opens a ledger. A memory ledger is a `MemoryLedger` (profile §6 DAG rules on by default), loaded
 * from its file with `importLedgerJsonl` (which verifies everything, so a tampered file refuses to
 * load: `ect ledger audit` then lists every problem). A Redis ledger runs the same rules.
 */
export async function openLedger(
  io: CliIo,
  location: LedgerLocation,
  options: OpenLedgerOptions,
): Promise<OpenLedger> {
  if (location.kind === "redis" || location.kind === "postgres") {
    const ledger = await openServerLedger(location, options.warn, true, options.noteSigner);
    return { ledger, location, save: async () => {}, close: () => ledger.close() };
  }
  const { path, display } = location;
  const release = options.write
    ? await lockFile(path, {
        waitMs: LOCK_WAIT_MS,
        onWait: (holder) =>
          options.warn(
            `${display} is being written by another ect process${holder === undefined ? "" : ` (pid ${holder})`}; waiting up to ${LOCK_WAIT_MS / 1000} s`,
          ),
      })
    : async () => {};
  try {
    const exists = await fileExists(path);
    if (!exists && !options.write) {
      throw usageError(
        `the ledger file ${display.replace(/^memory:/, "")} does not exist`,
        "check the path; 'ect ledger append' creates it",
      );
    }
    const [{ MemoryLedger }, { importLedgerJsonl }] = await Promise.all([
      import("ect-ledger-memory"),
      import("ect-ledger"),
    ]);
    const signer = options.noteSigner;
    const header = exists ? await ledgerFileHeader(io, path) : undefined;
    const file = display.replace(/^memory:/, "");
    if (signer !== undefined && header !== undefined && header.origin !== signer.name) {
      throw usageError(
        `the ledger ${file} has the origin ${header.origin}; --note-key is the key of ${signer.name}`,
        "give the note key this ledger was created with",
      );
    }
    if (signer !== undefined && header?.vkey != null && header.vkey !== signer.vkey) {
      throw usageError(`--note-key is not the key of the ledger ${file} (its vkey is ${header.vkey})`);
    }
    if (options.write && signer === undefined && header?.vkey != null) {
      throw usageError(
        `the ledger ${file} signs its checkpoints: give its note key to write it`,
        "add --note-key FILE (the private key 'ect ledger keygen' wrote)",
      );
    }
    const origin = signer?.name ?? header?.origin ?? CLI_LEDGER_ORIGIN;
    const ledger = new MemoryLedger({ origin, ...(signer === undefined ? {} : { noteSigner: signer }) });
    if (exists) {
      const lines = fileLines(io, path, "ledger file");
      const counted = options.progress ? tickEach(lines, options.progress) : lines;
      try {
        await importLedgerJsonl(ledger, counted);
      } catch (error) {
        if (isEctError(error)) {
          throw failure(
            `the ledger file ${display.replace(/^memory:/, "")} cannot be loaded: ${error.message}`,
            `it was not changed; run 'ect ledger audit ${ledgerArguments(location)}' to list every problem`,
            error.code,
          );
        }
        throw error;
      } finally {
        options.progress?.done();
      }
    }
    return {
      ledger,
      location,
      save: async () => {
        // The file carries a checkpoint covering every entry (profile §7).
        await ledger.integrate();
        await replaceFileAtomically(path, await jsonlChunks(ledger), { mode: 0o644, keepExistingMode: true });
      },
      close: release,
    };
  } catch (error) {
    await release();
    throw error;
  }
}

async function* tickEach(lines: AsyncIterable<string>, progress: Progress): AsyncGenerator<string> {
  for await (const line of lines) {
    progress.tick();
    yield line;
  }
}

async function jsonlChunks(ledger: TransparencyLedger): Promise<AsyncGenerator<string>> {
  const { exportLedgerJsonl } = await import("ect-ledger");
  return (async function* () {
    for await (const line of exportLedgerJsonl(ledger)) yield `${line}\n`;
  })();
}
