import { EctConfigError, EctError, EctErrorCodes } from "ect-core";
import { assertKnownOptions, fromHex, toHex } from "ect-core/internal";
import {
  type IntegrationCommit,
  type LedgerBackend,
  type LedgerBackendConflict,
  type LedgerBackendEntry,
  type LedgerConflictDraft,
  type LedgerEntryDraft,
  type LedgerImportBatch,
  type SequenceCheck,
  type SequenceOutcome,
  type StoredCheckpoint,
  splitLedgerOptions,
  TransparencyLedger,
  type TransparencyLedgerOptions,
  type TreeNodeId,
} from "ect-ledger";
import {
  checkOnWarning,
  resolveStartupCheckMode,
  runRedisStartupCheck,
  type StartupCheckMode,
} from "./durability-check.js";
import { assertLedgerId, type RedisLedgerKeys, redisLedgerKeys } from "./ledger-keys.js";
import {
  COMMIT_SCRIPT,
  CONFLICT_SCRIPT,
  IMPORT_SCRIPT,
  READ_SCRIPT,
  SEQUENCE_SCRIPT,
  UNLOCK_SCRIPT,
} from "./lua-scripts.js";
import {
  CONNECTION_OPTIONS,
  type RedisClientLike,
  RedisConnection,
  type RedisConnectionOptions,
} from "./redis-connection.js";

/** Options of {@link RedisLedgerBackend}. Give exactly one of `url`, `cluster` or `client`. */
export interface RedisLedgerBackendOptions extends RedisConnectionOptions {
  /**
   * The ledger's name, chosen by you: its keys are `ect:{<ledgerId>}:...` (1-200 printable ASCII
   * characters without spaces or braces). Two ledgers with the same id are the same ledger.
   */
  readonly ledgerId: string;
  /**
   * At the first call, check that Redis keeps the data (AOF on, no eviction of ledger keys, see
   * `checkRedisDurability`): `"warn"` (default) reports each problem to `onWarning`, `"refuse"`
   * fails every call with `ECT_CONFIG_INVALID` while a problem remains, `"off"` skips it.
   */
  readonly startupCheck?: StartupCheckMode;
  /** Receives the startup check's warnings (default: `process.emitWarning`). */
  readonly onWarning?: (message: string) => void;
}

/** Options of {@link RedisLedger}: the backend's and every `TransparencyLedger` option but `backend`. */
export type RedisLedgerOptions = RedisLedgerBackendOptions & Omit<TransparencyLedgerOptions, "backend">;

/** Entries read per script call (bounds the time one read blocks the server). */
const PAGE = 500;
/** Entries written per import script call. */
const IMPORT_BATCH = 200;
/** How long the ledger lock (`unresolvedPredecessors: "allow"` appends) is held at most, ms. */
const LOCK_TTL_MS = 10_000;

const BACKEND_OPTIONS: readonly string[] = ["ledgerId", "startupCheck", "onWarning", ...CONNECTION_OPTIONS];

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return value === null || value === undefined ? "" : String(value);
}

/** An `HMGET x t j w i a v l n` reply as an entry. */
function entryOf(reply: unknown): LedgerBackendEntry {
  const [x, t, j, w, i, a, v, l] = (Array.isArray(reply) ? reply : []).map(text);
  return Object.freeze({
    index: Number(x),
    token: t ?? "",
    jti: j ?? "",
    wid: w ? w : null,
    iss: i ?? "",
    ingestedAt: Number(a),
    wit: v ? v : null,
    leafHash: l ?? "",
  });
}

function nonceOf(reply: unknown): string {
  return Array.isArray(reply) ? text(reply[8]) : "";
}

/** An entry's fields in the order the sequence and import scripts read them (lua-scripts.ts). */
function entryScriptArgs(e: LedgerEntryDraft): string[] {
  return [
    e.key,
    e.jti.toLowerCase(),
    (e.wid ?? "").toLowerCase(),
    e.token,
    e.jti,
    e.wid ?? "",
    e.iss,
    String(e.ingestedAt),
    e.wit ?? "",
    e.leafHash,
  ];
}

function checkpointOf(json: unknown): StoredCheckpoint {
  const c = JSON.parse(text(json)) as { size: number; root: string; note: string };
  return Object.freeze({ size: c.size, root: fromHex(c.root), note: c.note });
}

function checkpointJson(c: StoredCheckpoint): string {
  return JSON.stringify({ size: c.size, root: toHex(c.root), note: c.note });
}

function conflictOf(json: unknown): LedgerBackendConflict {
  const c = JSON.parse(text(json)) as LedgerBackendConflict;
  return Object.freeze({ ...c });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The Redis {@link LedgerBackend} (profile §7 "Backends"): storage and atomicity only, with
 * node-redis v5. Each sequencing step is one server-side script (identity key, next index, entry
 * and indexes; no hashing), and all keys of a ledger share the hash tag `{<ledgerId>}`, so it runs
 * unchanged on Redis Cluster. The integration compare-and-set is one script too, so any number of
 * processes can share a ledger. A call whose reply was lost is retried with the same nonce: the
 * append it made is recognised and reported once.
 */
export class RedisLedgerBackend implements LedgerBackend {
  /** The ledger id given at construction. */
  readonly ledgerId: string;
  /** The Redis keys of this ledger. */
  readonly keys: RedisLedgerKeys;
  readonly #connection: RedisConnection;
  readonly #startupCheck: StartupCheckMode;
  readonly #onWarning: (message: string) => void;

  /**
   * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for an unknown option,
   *   a bad ledger id or connection option.
   */
  constructor(options: RedisLedgerBackendOptions) {
    assertKnownOptions(options, BACKEND_OPTIONS);
    assertLedgerId(options.ledgerId);
    checkOnWarning(options.onWarning);
    this.ledgerId = options.ledgerId;
    this.keys = redisLedgerKeys(options.ledgerId);
    this.#startupCheck = resolveStartupCheckMode(options.startupCheck);
    this.#onWarning =
      options.onWarning ?? ((message) => process.emitWarning(message, { code: "ECT_REDIS_DURABILITY" }));
    this.#connection = new RedisConnection(options, {
      preload: [SEQUENCE_SCRIPT, READ_SCRIPT, COMMIT_SCRIPT],
      ...(this.#startupCheck === "off" ? {} : { check: (client: RedisClientLike) => this.#check(client) }),
    });
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.sequence} */
  async sequence(draft: LedgerEntryDraft, check?: SequenceCheck): Promise<SequenceOutcome> {
    if (check === undefined) return this.#sequenceScript(draft, []);
    if (check.onlyIdentityNeedsAtomicity) {
      // profile §6 note: stored entries never change and append order is topological, so rules
      // 2-6 checked just before the script still hold when it runs; the script checks identity.
      const existing = await this.getByKey(draft.key);
      if (existing !== undefined) return { status: "exists", entry: existing };
      const result = await check.run(this);
      if (!result.valid) return { status: "rejected", result };
      return this.#sequenceScript(draft, result.unresolvedPredecessors);
    }
    // "allow": the cycle check must see what the append commits on: under the ledger lock.
    return this.#withLock(async () => {
      const existing = await this.getByKey(draft.key);
      if (existing !== undefined) return { status: "exists" as const, entry: existing };
      const result = await check.run(this);
      if (!result.valid) return { status: "rejected" as const, result };
      return this.#sequenceScript(draft, result.unresolvedPredecessors);
    });
  }

  async #sequenceScript(draft: LedgerEntryDraft, unresolved: readonly string[]): Promise<SequenceOutcome> {
    // One nonce for every retry of this call: a retried script that finds its own entry knows the
    // earlier attempt appended it (the reply was lost), and reports `appended` once.
    const nonce = globalThis.crypto.randomUUID();
    const args = [this.keys.prefix, ...entryScriptArgs(draft), nonce];
    const reply = (await this.#connection.run(
      (target) => target.evalScript(SEQUENCE_SCRIPT, [this.keys.head], args, false),
      {
        what: "append",
        definiteCode: EctErrorCodes.LEDGER_APPEND_FAILED,
        writes: true,
        unknownOutcomeHint: ": appending the same token again is safe (it resolves to appended or duplicate)",
      },
    )) as unknown[];
    const status = text(reply[0]);
    const entry = entryOf(reply[1]);
    if (status === "appended" || nonceOf(reply[1]) === nonce) {
      return { status: "appended", entry, unresolvedPredecessors: unresolved };
    }
    return { status: "exists", entry };
  }

  /** Runs `task` holding the ledger lock (`SET NX PX`), shared by every process of this ledger. */
  async #withLock<T>(task: () => Promise<T>): Promise<T> {
    const owner = globalThis.crypto.randomUUID();
    for (let tries = 0; ; tries++) {
      const got = await this.#connection.run(
        (target) =>
          target.send(["SET", this.keys.lock, owner, "NX", "PX", String(LOCK_TTL_MS)], {
            firstKey: this.keys.lock,
          }),
        { what: "lock", definiteCode: EctErrorCodes.LEDGER_UNAVAILABLE, writes: true },
      );
      if (got !== null) break;
      if (tries > 2000) throw new EctError(EctErrorCodes.LEDGER_UNAVAILABLE, "the ledger lock stays taken");
      await sleep(Math.min(2 ** Math.min(tries, 6), 50));
    }
    try {
      return await task();
    } finally {
      await this.#connection.run(
        (target) => target.evalScript(UNLOCK_SCRIPT, [this.keys.lock], [this.keys.prefix, owner], false),
        { what: "unlock", definiteCode: EctErrorCodes.LEDGER_UNAVAILABLE, writes: true },
      );
    }
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.recordConflict} */
  async recordConflict(draft: LedgerConflictDraft): Promise<LedgerBackendConflict> {
    const { key, ...fields } = draft;
    const reply = await this.#connection.run(
      (target) =>
        target.evalScript(
          CONFLICT_SCRIPT,
          [this.keys.head],
          [this.keys.prefix, `${key}\u0000${draft.token}`, JSON.stringify(fields)],
          false,
        ),
      { what: "conflict", definiteCode: EctErrorCodes.LEDGER_APPEND_FAILED, writes: true },
    );
    return conflictOf(reply);
  }

  async #read(what: string, args: readonly string[]): Promise<unknown> {
    return this.#connection.run(
      (target) => target.evalScript(READ_SCRIPT, [this.keys.head], [this.keys.prefix, ...args], true),
      { what, definiteCode: EctErrorCodes.LEDGER_UNAVAILABLE, writes: false },
    );
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.getByKey} */
  async getByKey(key: string): Promise<LedgerBackendEntry | undefined> {
    const [found] = (await this.#read("get", ["key", key])) as unknown[];
    return found === undefined ? undefined : entryOf(found);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.findByJti} */
  async findByJti(jti: string): Promise<LedgerBackendEntry | undefined> {
    const [found] = (await this.#read("get", ["jti", jti])) as unknown[];
    return found === undefined ? undefined : entryOf(found);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.getEntries} */
  async getEntries(start: number, end: number): Promise<readonly LedgerBackendEntry[]> {
    const out: LedgerBackendEntry[] = [];
    for (let from = Math.max(0, start); from < end; from += PAGE) {
      const page = (await this.#read("range", [
        "range",
        String(from),
        String(Math.min(end, from + PAGE)),
      ])) as unknown[];
      for (const e of page) out.push(entryOf(e));
    }
    return out;
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.listWorkflow} */
  async listWorkflow(widKey: string): Promise<readonly LedgerBackendEntry[]> {
    const out: LedgerBackendEntry[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = (await this.#read("workflow", [
        "workflow",
        widKey,
        String(offset),
        String(PAGE),
      ])) as unknown[];
      for (const e of page) out.push(entryOf(e));
      if (page.length < PAGE) return out;
    }
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.size} */
  async size(): Promise<number> {
    return Number(await this.#read("size", ["size"]));
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.conflicts} */
  async conflicts(): Promise<readonly LedgerBackendConflict[]> {
    return ((await this.#read("conflicts", ["conflicts"])) as unknown[]).map(conflictOf);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.getNodes} */
  async getNodes(ids: readonly TreeNodeId[]): Promise<readonly (Uint8Array | undefined)[]> {
    if (ids.length === 0) return [];
    const reply = (await this.#read("nodes", [
      "nodes",
      ...ids.map((id) => `${id.level}:${id.index}`),
    ])) as unknown[];
    return reply.map((h) => {
      const hex = text(h);
      return hex.length === 64 ? fromHex(hex) : undefined;
    });
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.latestCheckpoint} */
  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const [latest] = (await this.#read("checkpoints", ["checkpoints", "latest"])) as unknown[];
    return latest === undefined ? undefined : checkpointOf(latest);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.checkpoints} */
  async checkpoints(): Promise<readonly StoredCheckpoint[]> {
    return ((await this.#read("checkpoints", ["checkpoints", "all"])) as unknown[]).map(checkpointOf);
  }

  /** {@inheritDoc ect-ledger!LedgerBackend.commitIntegration} */
  async commitIntegration(commit: IntegrationCommit): Promise<boolean> {
    const args = [
      this.keys.prefix,
      String(commit.fromSize),
      String(commit.checkpoint.size),
      checkpointJson(commit.checkpoint),
      ...commit.nodes.flatMap((n) => [String(n.level), String(n.index), toHex(n.hash)]),
    ];
    const reply = await this.#connection.run(
      (target) => target.evalScript(COMMIT_SCRIPT, [this.keys.head], args, false),
      { what: "checkpoint", definiteCode: EctErrorCodes.LEDGER_APPEND_FAILED, writes: true },
    );
    // A retried commit whose first attempt succeeded reports 0: the checkpoint is then stored
    // already, which the ledger finds when it re-reads.
    return Number(reply) === 1;
  }

  /**
   * Stores a verified import into an empty ledger. Entries go in chunks of 200 per script run
   * (each atomic); checkpoints and nodes last, so a ledger whose import failed half-way shows
   * entries but no checkpoint.
   *
   * @throws EctError `ECT_LEDGER_IMPORT_INVALID` when the ledger is not empty.
   */
  async importBatch(batch: LedgerImportBatch): Promise<void> {
    const run = (args: string[]) =>
      this.#connection.run((target) => target.evalScript(IMPORT_SCRIPT, [this.keys.head], args, false), {
        what: "import",
        definiteCode: EctErrorCodes.LEDGER_IMPORT_INVALID,
        writes: true,
      });
    for (let start = 0; start === 0 || start < batch.entries.length; start += IMPORT_BATCH) {
      const chunk = batch.entries.slice(start, start + IMPORT_BATCH);
      await run([
        this.keys.prefix,
        start === 0 ? "first" : "next",
        String(chunk.length),
        ...chunk.flatMap(entryScriptArgs),
      ]);
    }
    for (const c of batch.conflicts) await this.recordConflict(c);
    let fromSize = 0;
    const nodes = [...batch.nodes];
    for (const checkpoint of batch.checkpoints) {
      // Every node goes with the first commit; the later ones only add their checkpoint.
      await this.commitIntegration({ fromSize, checkpoint, nodes: nodes.splice(0) });
      fromSize = checkpoint.size;
    }
  }

  /** Closes the connection the backend owns (a borrowed client is left open). Later calls fail. */
  async close(): Promise<void> {
    await this.#connection.close();
  }

  /** The startup configuration check (run by the connection before the first command). */
  async #check(client: RedisClientLike): Promise<void> {
    await runRedisStartupCheck(client, {
      purpose: "ledger",
      keeps: "the ledger",
      mode: this.#startupCheck,
      onWarning: this.#onWarning,
    });
  }
}

/**
 * An ECT audit ledger on Redis (profile §7): `ect-ledger`'s transparency log over a
 * {@link RedisLedgerBackend}. It enforces the DAG rules of profile §6 by default (`dag: false`
 * turns them off), integrates and signs checkpoints in the client, and shares the ledger safely with
 * other processes using the same `ledgerId`.
 *
 * @example
 * ```ts
 * import { RedisLedger } from "ect-ledger-redis";
 *
 * const ledger = new RedisLedger({ url: "redis://127.0.0.1:6379", ledgerId: "orders" });
 * const result = await ledger.append(token, { waitForCheckpoint: true }); // verified token
 * if (result.status === "appended") console.log(result.receipt.index, result.inclusion?.proof.length);
 * await ledger.close();
 * ```
 */
export class RedisLedger extends TransparencyLedger {
  /** The ledger id given at construction. */
  readonly ledgerId: string;
  /** The Redis keys of this ledger. */
  readonly keys: RedisLedgerKeys;
  readonly #backend: RedisLedgerBackend;

  /**
   * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for an unknown option
   *   (`backend` included: the ledger builds its own), a bad ledger id, connection, ledger or DAG option.
   */
  constructor(options: RedisLedgerOptions) {
    const split = splitLedgerOptions(options, BACKEND_OPTIONS, "RedisLedger");
    const backend = new RedisLedgerBackend(split.backend as unknown as RedisLedgerBackendOptions);
    super({ ...split.ledger, backend });
    this.#backend = backend;
    this.ledgerId = backend.ledgerId;
    this.keys = backend.keys;
  }

  /** Integrates what is pending, then closes the connection the ledger owns. Later calls fail. */
  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      await this.#backend.close();
    }
  }
}
