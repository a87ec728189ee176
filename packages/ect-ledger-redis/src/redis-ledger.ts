import {
  type AppendOptions,
  type AppendResult,
  type Clock,
  type ConflictRecord,
  type DagRuleOptions,
  decodeEct,
  EctError,
  EctErrorCodes,
  type Ledger,
  type LedgerEntry,
  type LedgerReceipt,
  type StoredEct,
} from "ect-core";
import {
  type ChainVerification,
  chainHash,
  ectKey,
  GENESIS_CHAIN_HASH,
  type ImportResult,
  issueReceipt,
  type JwsSigner,
  type LedgerHead,
  leafHash,
  parseStrictJsonValue,
  type RangeOptions,
  type ResolvedDagRuleOptions,
  resolveDagRuleOptions,
  validateClaims,
} from "ect-core/internal";
import { ErrorReply } from "redis";
import { checkRedisDurability, type RedisDurabilityReport } from "./durability-check.js";
import { HeadPredictor } from "./head-predictor.js";
import { assertLedgerId, type RedisLedgerKeys, redisLedgerKeys } from "./ledger-keys.js";
import {
  parseConflict,
  parseHead,
  parseRawEntry,
  type RawEntry,
  toLedgerEntry,
  toRecord,
} from "./ledger-records.js";
import { APPEND_SCRIPT, IMPORT_SCRIPT, READ_SCRIPT } from "./lua-scripts.js";
import {
  type CommandTarget,
  type RedisClientLike,
  RedisConnection,
  type RedisConnectionOptions,
} from "./redis-connection.js";

/** What the startup configuration check does with a problem it finds. */
export type StartupCheckMode = "warn" | "refuse" | "off";

/** Options of {@link RedisLedger}. Give exactly one of `url`, `cluster` or `client`. */
export interface RedisLedgerOptions extends RedisConnectionOptions {
  /**
   * The ledger's name, chosen by you: its keys are `ect:{<ledgerId>}:...` (1-200 printable ASCII
   * characters without spaces or braces). Two ledgers with the same id are the same ledger.
   */
  readonly ledgerId: string;
  /**
   * Run the DAG rules (SPEC 6 rules 2-6) inside the append script, atomically with the append.
   * Without it no DAG rule runs.
   */
  readonly dag?: DagRuleOptions;
  /** The clock for `ingestedAt` when an append passes no `now` (default `Date.now`). */
  readonly clock?: Clock;
  /** Signs receipts (SPEC 7, `typ: ect-receipt+jwt`); `ect-crypto`'s `createJwsSigner` makes one. */
  readonly receiptSigner?: JwsSigner;
  /**
   * At the first call, check that Redis keeps the data (AOF on, no eviction of ledger keys, see
   * {@link checkRedisDurability}): `"warn"` (default) reports each problem to `onWarning`,
   * `"refuse"` fails every call with `ECT_CONFIG_INVALID` while a problem remains, `"off"` skips it.
   */
  readonly startupCheck?: StartupCheckMode;
  /** Receives the startup check's warnings (default: `process.emitWarning`). */
  readonly onWarning?: (message: string) => void;
}

/** Entries read per script call (bounds the time one read blocks the server). */
const PAGE = 500;
/** Entries written per import script call. */
const IMPORT_BATCH = 200;

const RECORD_KEYS = ["seq", "token", "jti", "wid", "iss", "ingestedAt", "leafHash", "chainHash"] as const;

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return String(value);
}

function importError(line: number, message: string, cause?: unknown): EctError {
  return new EctError(
    EctErrorCodes.LEDGER_IMPORT_INVALID,
    `import line ${line}: ${message}`,
    cause === undefined ? {} : { cause },
  );
}

/** The fields the append script needs from a token, checked and extracted once. */
interface AppendInput {
  readonly token: string;
  readonly jti: string;
  readonly wid: string | null;
  readonly iss: string;
  readonly iat: number;
  readonly pred: readonly string[];
  readonly policyDecision: string;
  /** Length of `header.payload.`: what "byte-identical decoded header and claims" compares. */
  readonly contentLength: number;
  /** The decoded claims (reused for the entry when the stored token is this one). */
  readonly claims: LedgerEntry["claims"];
}

/** Decodes and checks a token the way every ledger must before storing it (SPEC 5 steps 1-3, SPEC 3). */
function appendInput(token: string): AppendInput {
  const decoded = decodeEct(token);
  const errors = validateClaims(decoded.claims);
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new EctError(first.code, first.message, {
      ...(first.member === undefined ? {} : { member: first.member }),
      details: errors,
    });
  }
  const claims = decoded.claims as Record<string, unknown>;
  const ext = claims["ect_ext"] as Record<string, unknown> | undefined;
  const decision = ext?.["pol_decision"];
  return {
    token,
    jti: claims["jti"] as string,
    wid: (claims["wid"] as string | undefined) ?? null,
    iss: claims["iss"] as string,
    iat: claims["iat"] as number,
    pred: claims["pred"] as string[],
    policyDecision: typeof decision === "string" ? decision : "",
    contentLength: token.lastIndexOf(".") + 1,
    claims: decoded.claims as unknown as LedgerEntry["claims"],
  };
}

/** Messages of the DAG violations the script reports as `{code, member, id, kind, extra}`. */
function violationOf(
  tuple: unknown,
  iat: number,
  options: ResolvedDagRuleOptions,
  wid: string | null,
): EctError {
  const [code, member, id, kind, extra] = (Array.isArray(tuple) ? tuple : []).map((v) => text(v ?? ""));
  const scope = wid === null ? "the scope without wid" : `workflow ${show(wid)}`;
  let message: string;
  switch (code) {
    case EctErrorCodes.DAG_PRED_MISSING:
      message =
        kind === "malformed"
          ? `${member} ${show(id)}: the store returned a malformed ECT`
          : `${member} ${show(id)} is not stored in ${scope}`;
      break;
    case EctErrorCodes.DAG_WORKFLOW_MISMATCH:
      message =
        kind === "other"
          ? `${member} ${show(id)} belongs to ${extra === "" ? "no workflow" : `workflow ${show(extra)}`}, not ${scope}`
          : `${member} ${show(id)} has wid ${show(extra === "" ? undefined : extra)}, not ${show(wid ?? undefined)}`;
      break;
    case EctErrorCodes.DAG_TEMPORAL_ORDER:
      message = `${member} ${show(id)} was issued at ${extra || kind}, after the child's iat ${iat} + ${options.clockSkewSec}s skew`;
      break;
    case EctErrorCodes.DAG_CYCLE:
      message =
        kind === "self"
          ? `${member} names the token's own jti: a cycle`
          : kind === "stored"
            ? `the stored ancestors of ${member} already contain a cycle`
            : `${member} leads to ${show(id)}, which names this token as a predecessor: a cycle`;
      break;
    case EctErrorCodes.DAG_TRAVERSAL_LIMIT:
      message =
        kind === "limit"
          ? `the ancestor walk reached more than maxTraversal (${options.maxTraversal}) nodes`
          : `the ancestor walk from ${member} cannot complete: stored ECT ${show(id)} is malformed`;
      break;
    case EctErrorCodes.DAG_PRED_POLICY:
      message = `${member} ${show(id)} has policy decision ${show(kind)}`;
      break;
    default:
      return new EctError(
        EctErrorCodes.LEDGER_APPEND_FAILED,
        `unexpected violation ${show(code)} from the append script`,
      );
  }
  return new EctError(code as typeof EctErrorCodes.DAG_CYCLE, message, { member: member ?? "pred" });
}

/**
 * An ECT audit ledger on Redis (SPEC 7) that is also an `EctStore` for the DAG rules (SPEC 6).
 *
 * Every append is **one server-side Lua script**: identity check (duplicate / conflict), the DAG
 * rules when configured, and the writes of entry, identity index, workflow list, sequence number
 * and chain head happen in one atomic step, so concurrent appends from any number of processes
 * get one total order and can never jointly break a rule. All keys of a ledger share one hash tag
 * (`ect:{<ledgerId>}:...`), so it runs unchanged on Redis Cluster.
 *
 * Appends are idempotent: a call whose reply was lost is retried with the same nonce and resolves
 * to `appended` (or `duplicate` when you re-send the token in a new call); no call outlives its
 * retry budget, past which it fails with `ECT_LEDGER_UNAVAILABLE`.
 *
 * @example
 * ```ts
 * import { RedisLedger } from "ect-ledger-redis";
 *
 * const ledger = new RedisLedger({ url: "redis://127.0.0.1:6379", ledgerId: "orders", dag: {} });
 * const result = await ledger.append(token); // token verified by the caller first
 * if (result.status === "appended") console.log(result.receipt.seq, result.receipt.chainHash);
 * console.log(await ledger.verifyChain());
 * await ledger.close();
 * ```
 */
export class RedisLedger implements Ledger {
  /** The ledger id given at construction. */
  readonly ledgerId: string;
  /** The Redis keys of this ledger. */
  readonly keys: RedisLedgerKeys;
  readonly #connection: RedisConnection;
  readonly #dag: ResolvedDagRuleOptions | undefined;
  readonly #clock: Clock;
  readonly #signer: JwsSigner | undefined;
  readonly #startupCheck: StartupCheckMode;
  readonly #onWarning: (message: string) => void;

  readonly #predictor = new HeadPredictor();

  /**
   * @throws {@link EctError} `ECT_CONFIG_INVALID` for a bad ledger id, connection option or DAG option.
   */
  constructor(options: RedisLedgerOptions) {
    if (options === null || typeof options !== "object") {
      throw new EctError(EctErrorCodes.CONFIG_INVALID, "RedisLedger needs an options object");
    }
    assertLedgerId(options.ledgerId);
    this.ledgerId = options.ledgerId;
    this.keys = redisLedgerKeys(options.ledgerId);
    this.#dag = options.dag === undefined ? undefined : resolveDagRuleOptions(options.dag);
    this.#clock = options.clock ?? Date.now;
    this.#signer = options.receiptSigner;
    const mode = options.startupCheck ?? "warn";
    if (mode !== "warn" && mode !== "refuse" && mode !== "off") {
      throw new EctError(EctErrorCodes.CONFIG_INVALID, 'startupCheck must be "warn", "refuse" or "off"', {
        member: "startupCheck",
      });
    }
    this.#startupCheck = mode;
    this.#onWarning =
      options.onWarning ?? ((message) => process.emitWarning(message, { code: "ECT_REDIS_DURABILITY" }));
    this.#connection = new RedisConnection(options, {
      preload: [APPEND_SCRIPT, READ_SCRIPT],
      ...(mode === "off" ? {} : { check: (client: RedisClientLike) => this.#check(client) }),
    });
  }

  /**
   * Appends a token (SPEC 7). The caller verifies it first; the ledger decodes it and checks the
   * claim rules (SPEC 3), then runs one atomic script.
   *
   * @throws {@link EctError} the decode/claim error (`ECT_MALFORMED`, `ECT_JTI_INVALID`, ...);
   *   `ECT_LEDGER_UNAVAILABLE` when Redis cannot be reached within the retry budget (the message
   *   says whether the append may have happened; re-sending the token is always safe);
   *   `ECT_LEDGER_APPEND_FAILED` when Redis refuses the write (e.g. out of memory): nothing written.
   */
  async append(token: string, options: AppendOptions = {}): Promise<AppendResult> {
    const input = appendInput(token);
    const now = options.now ?? this.#clock();
    if (!Number.isSafeInteger(now)) {
      throw new EctError(EctErrorCodes.CONFIG_INVALID, "now must be integer milliseconds since the epoch", {
        member: "now",
      });
    }
    const leaf = await leafHash(token);
    const widLower = (input.wid ?? "").toLowerCase();
    const nonce = globalThis.crypto.randomUUID();
    const dag = this.#dag;
    const fixed = [
      this.keys.prefix,
      ectKey(input.wid, input.jti),
      input.jti.toLowerCase(),
      widLower,
      token,
      input.jti,
      input.wid ?? "",
      input.iss,
      String(now),
      leaf,
      String(input.contentLength),
      nonce,
      String(input.iat),
      input.pred.join(","),
      input.policyDecision,
    ];
    const dagArgs =
      dag === undefined
        ? ["", "0", "0", "0", "0"]
        : [
            dag.unresolvedPredecessors,
            String(dag.maxTraversal),
            String(dag.clockSkewSec),
            dag.predecessorPolicy ? "1" : "0",
            dag.allowPendingPredecessors ? "1" : "0",
          ];
    const reply = await this.#connection.run((target) => this.#sendAppend(target, leaf, fixed, dagArgs), {
      what: "append",
      definiteCode: EctErrorCodes.LEDGER_APPEND_FAILED,
      writes: true,
      unknownOutcomeHint: ": appending the same token again is safe (it resolves to appended or duplicate)",
    });
    return this.#appendResult(reply, input);
  }

  /**
   * One append attempt, sent in prediction order (see {@link HeadPredictor}): the script takes the
   * chain hash computed here with ect-core's shared `chainHash` when the head is the predicted one.
   */
  async #sendAppend(
    target: CommandTarget,
    leaf: string,
    fixed: string[],
    dagArgs: string[],
  ): Promise<unknown[]> {
    const readHead = async () => {
      const reply = await target.evalScript(READ_SCRIPT, [this.keys.head], [this.keys.prefix, "head"], true);
      return Array.isArray(reply) ? parseHead(reply[0], reply[1]) : parseHead("0", GENESIS_CHAIN_HASH);
    };
    const { result, ticket } = await this.#predictor.sendInOrder(leaf, readHead, (t) =>
      // Not awaited in the queue: the next append may be sent before this reply arrives.
      ({
        reply: target.evalScript(APPEND_SCRIPT, [this.keys.head], [...fixed, ...t.args, ...dagArgs], false),
      }),
    );
    let reply: unknown;
    try {
      reply = await result.reply;
    } catch (error) {
      this.#predictor.miss(ticket);
      throw error;
    }
    if (!Array.isArray(reply) || reply.length < 2) {
      this.#predictor.miss(ticket);
      throw new EctError(EctErrorCodes.LEDGER_APPEND_FAILED, "unexpected reply from the append script");
    }
    const status = text(reply[0]);
    this.#predictor.settle(ticket, status === "appended" && text(reply[4]) === "1");
    return reply;
  }

  async #appendResult(reply: unknown[], input: AppendInput): Promise<AppendResult> {
    const status = text(reply[0]);
    if (status === "rejected") {
      const tuples = Array.isArray(reply[1]) ? reply[1] : [];
      const violations = Object.freeze(tuples.map((t) => violationOf(t, input.iat, this.#dag!, input.wid)));
      return Object.freeze({ status: "rejected", violations });
    }
    const raw = parseRawEntry(reply[1]);
    if (raw === undefined)
      throw new EctError(EctErrorCodes.LEDGER_APPEND_FAILED, "the append script returned no entry");
    const entry = toLedgerEntry(raw, raw.token === input.token ? input.claims : undefined);
    if (status === "appended") {
      return Object.freeze({
        status: "appended",
        entry,
        receipt: await this.#receipt(raw),
        unresolvedPredecessors: raw.unresolved,
      });
    }
    if (status === "duplicate") {
      return Object.freeze({ status: "duplicate", entry, receipt: await this.#receipt(raw) });
    }
    if (status === "conflict") {
      return Object.freeze({
        status: "conflict",
        existing: entry,
        evidence: parseConflict(Number(text(reply[2])), reply[3]),
      });
    }
    throw new EctError(
      EctErrorCodes.LEDGER_APPEND_FAILED,
      `unexpected status ${show(status)} from the append script`,
    );
  }

  #receipt(raw: RawEntry): Promise<LedgerReceipt> {
    return issueReceipt(raw, this.#signer);
  }

  /** The entry with this identity (UUIDs compare case-insensitively), or `undefined`. */
  async get(wid: string | null | undefined, jti: string): Promise<LedgerEntry | undefined> {
    if (typeof jti !== "string" || (wid !== null && wid !== undefined && typeof wid !== "string"))
      return undefined;
    const raw = parseRawEntry(await this.#read("get", ["key", ectKey(wid, jti)]));
    return raw === undefined ? undefined : toLedgerEntry(raw);
  }

  /** {@link RedisLedger.get} for the DAG rules (`EctStore`). */
  async getEct(wid: string | null | undefined, jti: string): Promise<StoredEct | undefined> {
    return this.get(wid, jti);
  }

  /**
   * The earliest entry with this `jti` in any workflow (`EctStore.findEctByJti`), so the DAG rules
   * can tell a predecessor stored in another workflow (SPEC 6.3) from a missing one.
   */
  async findEctByJti(jti: string): Promise<StoredEct | undefined> {
    if (typeof jti !== "string") return undefined;
    const raw = parseRawEntry(await this.#read("findEctByJti", ["jti", jti.toLowerCase()]));
    return raw === undefined ? undefined : toLedgerEntry(raw);
  }

  /** The entry with this sequence number, or `undefined`. */
  async getBySeq(seq: number): Promise<LedgerEntry | undefined> {
    if (!Number.isSafeInteger(seq) || seq < 1) return undefined;
    const raw = parseRawEntry(await this.#read("getBySeq", ["seq", String(seq)]));
    return raw === undefined ? undefined : toLedgerEntry(raw);
  }

  /** Every entry of one workflow (`null`: tokens without `wid`), in sequence order. */
  async listWorkflow(wid: string | null | undefined): Promise<readonly LedgerEntry[]> {
    if (wid !== null && wid !== undefined && typeof wid !== "string") return Object.freeze([]);
    const widLower = (wid ?? "").toLowerCase();
    const out: LedgerEntry[] = [];
    for (let start = 0; ; start += PAGE) {
      const page = await this.#read("listWorkflow", ["workflow", widLower, String(start), String(PAGE)]);
      const items = Array.isArray(page) ? page : [];
      for (const item of items) {
        const raw = parseRawEntry(item);
        if (raw !== undefined) out.push(toLedgerEntry(raw));
      }
      if (items.length < PAGE) break;
    }
    return Object.freeze(out);
  }

  /** Entries by sequence range, in order (`fromSeq` default 1, `toSeq` default the head). */
  async range(options: RangeOptions = {}): Promise<readonly LedgerEntry[]> {
    const out: LedgerEntry[] = [];
    for await (const raw of this.#scan(options)) out.push(toLedgerEntry(raw));
    return Object.freeze(out);
  }

  /** Stored entries in order, page by page, up to the head read at the start. */
  async *#scan(options: RangeOptions = {}): AsyncGenerator<RawEntry> {
    let from = Math.max(1, Math.floor(options.fromSeq ?? 1));
    let to = options.toSeq === undefined ? Number.POSITIVE_INFINITY : Math.floor(options.toSeq);
    let left = options.limit === undefined ? Number.POSITIVE_INFINITY : Math.floor(options.limit);
    if (Number.isNaN(from) || Number.isNaN(to) || Number.isNaN(left)) return;
    while (from <= to && left > 0) {
      const count = Math.min(PAGE, left);
      const upper = Number.isFinite(to) ? to : Number.MAX_SAFE_INTEGER;
      const page = await this.#read("range", ["range", String(from), String(upper), String(count)]);
      if (!Array.isArray(page) || page.length < 2) return;
      const head = parseHead(page[0], page[1]);
      if (!Number.isFinite(to) || to > head.seq) to = head.seq; // stop at the head of the first page
      const items = page.slice(2);
      for (let i = 0; i < items.length; i++) {
        const raw = parseRawEntry(items[i]);
        // A missing entry below the head: storage altered. Report it as an empty record so
        // verifyChain names its seq; range() refuses to decode it.
        yield raw ??
          Object.freeze({
            seq: from + i,
            token: "",
            jti: "",
            wid: null,
            iss: "",
            ingestedAt: Number.NaN,
            leafHash: "",
            chainHash: "",
            unresolved: Object.freeze([]),
            dagFields: Object.freeze({ iat: "", pred: "", policyDecision: "" }),
          });
      }
      if (items.length < count) return;
      from += items.length;
      left -= items.length;
    }
  }

  /** The last sequence number and chain hash (`(0, GENESIS_CHAIN_HASH)` when empty). */
  async head(): Promise<LedgerHead> {
    const reply = await this.#read("head", ["head"]);
    if (!Array.isArray(reply) || reply.length < 2) {
      throw new EctError(EctErrorCodes.LEDGER_UNAVAILABLE, "head: unexpected reply from the read script");
    }
    return parseHead(reply[0], reply[1]);
  }

  /**
   * Recomputes every leaf and chain hash with ect-core's shared functions and reports the first
   * broken entry (SPEC 7): a changed token or hash, a missing entry, a head that does not match, a
   * stored field (`jti`, `wid`, `iss`, or a claim copy the DAG rules read) that is not the token's
   * own, or an identity stored twice.
   */
  async verifyChain(): Promise<ChainVerification> {
    const head = await this.head();
    let previous = GENESIS_CHAIN_HASH;
    let expected = 1;
    const identities = new Set<string>();
    const broken = (seq: number, message: string): ChainVerification =>
      Object.freeze({
        valid: false,
        brokenAt: seq,
        error: new EctError(EctErrorCodes.LEDGER_CHAIN_BROKEN, `seq ${seq}: ${message}`),
      });
    for await (const raw of this.#scan({ toSeq: head.seq })) {
      if (raw.seq !== expected || raw.token === "")
        return broken(expected, "the entry is missing or renumbered");
      const leaf = await leafHash(raw.token);
      if (leaf !== raw.leafHash) return broken(expected, "leafHash does not match the stored token");
      let chain: string;
      try {
        chain = await chainHash(previous, raw.leafHash);
      } catch {
        return broken(expected, "the chain cannot be recomputed");
      }
      if (chain !== raw.chainHash) return broken(expected, "chainHash does not continue the chain");
      // The fields stored beside the token (not covered by the hashes) must be the token's own:
      // the identity index and the DAG rules read them.
      let input: AppendInput;
      try {
        input = appendInput(raw.token);
      } catch {
        return broken(expected, "the stored token does not decode");
      }
      if (
        raw.jti !== input.jti ||
        raw.wid !== input.wid ||
        raw.iss !== input.iss ||
        raw.dagFields.iat !== String(input.iat) ||
        raw.dagFields.pred !== input.pred.join(",") ||
        raw.dagFields.policyDecision !== input.policyDecision
      ) {
        return broken(
          expected,
          "the fields stored beside the token (jti, wid, iss, iat, pred, policy) differ from it",
        );
      }
      const identity = ectKey(input.wid, input.jti);
      if (identities.has(identity)) return broken(expected, `(wid, jti) ${show(identity)} is stored twice`);
      identities.add(identity);
      previous = chain;
      expected++;
    }
    if (expected - 1 !== head.seq)
      return broken(expected, `the head names seq ${head.seq} but the chain ends earlier`);
    if (head.chainHash !== previous) return broken(head.seq, "the head's chainHash is not the last entry's");
    return Object.freeze({ valid: true, head, entries: head.seq });
  }

  /** The conflicting tokens kept as evidence, ids 1, 2, 3, ... */
  async conflicts(): Promise<readonly ConflictRecord[]> {
    const out: ConflictRecord[] = [];
    for (let start = 0; ; start += PAGE) {
      const page = await this.#read("conflicts", ["conflicts", String(start), String(PAGE)]);
      const items = Array.isArray(page) ? page : [];
      items.forEach((json, i) => {
        out.push(parseConflict(start + i + 1, json));
      });
      if (items.length < PAGE) break;
    }
    return Object.freeze(out);
  }

  /** Every entry as JSON Lines (one `LedgerEntryRecord` per line), up to the head at the start. */
  async *exportJsonl(): AsyncIterable<string> {
    for await (const raw of this.#scan()) yield JSON.stringify(toRecord(raw));
  }

  /**
   * Imports the JSON Lines of an export into this empty ledger. Every line is checked first (fields,
   * the token decodes and matches `jti`/`wid`/`iss`, both hashes recompute, the chain continues,
   * identities are unique); only then is anything written, in batches that each continue the head.
   *
   * @throws {@link EctError} `ECT_LEDGER_IMPORT_INVALID`
   */
  async importJsonl(lines: AsyncIterable<string> | Iterable<string>): Promise<ImportResult> {
    const entries: { raw: RawEntry; input: AppendInput; key: string }[] = [];
    const identities = new Set<string>();
    let previous = GENESIS_CHAIN_HASH;
    let lineNo = 0;
    for await (const line of lines as AsyncIterable<string>) {
      lineNo++;
      if (typeof line !== "string") throw importError(lineNo, "not a string");
      if (line.trim() === "") continue;
      let record: Record<string, unknown>;
      try {
        // Strict (SPEC 5.3): JSON.parse keeps the last of two duplicate members, so a line could
        // show one token to a first-wins reader and import another; MemoryLedger refuses it too.
        record = parseStrictJsonValue(line) as Record<string, unknown>;
      } catch (error) {
        throw importError(lineNo, "not JSON", error);
      }
      if (record === null || typeof record !== "object" || Array.isArray(record)) {
        throw importError(lineNo, "not a JSON object");
      }
      const names = Object.keys(record).sort();
      if (names.join() !== [...RECORD_KEYS].sort().join()) {
        throw importError(lineNo, `members must be exactly ${RECORD_KEYS.join(", ")}`);
      }
      const { seq, token, jti, wid, iss, ingestedAt, leafHash: leaf, chainHash: chain } = record;
      if (seq !== entries.length + 1)
        throw importError(lineNo, `seq must be ${entries.length + 1}, got ${show(seq)}`);
      if (typeof token !== "string") throw importError(lineNo, "token must be a string");
      if (!Number.isSafeInteger(ingestedAt) || (ingestedAt as number) < 0) {
        throw importError(lineNo, "ingestedAt must be non-negative integer milliseconds");
      }
      let input: AppendInput;
      try {
        input = appendInput(token);
      } catch (error) {
        throw importError(lineNo, `the token is refused (${(error as Error).message})`, error);
      }
      if (jti !== input.jti || wid !== input.wid || iss !== input.iss) {
        throw importError(lineNo, "jti, wid and iss must be the token's own");
      }
      if (leaf !== (await leafHash(token))) throw importError(lineNo, "leafHash does not match the token");
      if (chain !== (await chainHash(previous, leaf as string))) {
        throw importError(lineNo, "chainHash does not continue the chain");
      }
      const key = ectKey(input.wid, input.jti);
      if (identities.has(key)) throw importError(lineNo, `(wid, jti) ${show(key)} appears twice`);
      identities.add(key);
      previous = chain as string;
      entries.push({
        raw: {
          seq: seq as number,
          token,
          jti: input.jti,
          wid: input.wid,
          iss: input.iss,
          ingestedAt: ingestedAt as number,
          leafHash: leaf as string,
          chainHash: chain as string,
          unresolved: [],
          dagFields: {
            iat: String(input.iat),
            pred: input.pred.join(","),
            policyDecision: input.policyDecision,
          },
        },
        input,
        key,
      });
    }
    const start = await this.head();
    if (start.seq !== 0) throw importError(0, `the ledger is not empty (head seq ${start.seq})`);
    let head: LedgerHead = start;
    for (let i = 0; i < entries.length; i += IMPORT_BATCH) {
      const batch = entries.slice(i, i + IMPORT_BATCH);
      const args = [this.keys.prefix, String(head.seq), head.chainHash, String(batch.length)];
      for (const { raw, input, key } of batch) {
        args.push(
          String(raw.seq),
          raw.token,
          raw.jti,
          raw.wid ?? "",
          raw.iss,
          String(raw.ingestedAt),
          raw.leafHash,
          raw.chainHash,
          key,
          String(input.iat),
          input.pred.join(","),
          input.policyDecision,
        );
      }
      const reply = await this.#connection.run(
        (target) => target.evalScript(IMPORT_SCRIPT, [this.keys.head], args, false),
        { what: "import", definiteCode: EctErrorCodes.LEDGER_IMPORT_INVALID, writes: true },
      );
      const status = Array.isArray(reply) ? text(reply[0]) : "";
      if (status === "moved") throw importError(0, "the ledger changed while importing (another writer)");
      if (status === "exists")
        throw importError(Number(text((reply as unknown[])[1])), "the identity is already stored");
      if (status !== "imported" && status !== "done")
        throw importError(0, "unexpected reply from the import script");
      const last = batch[batch.length - 1]!.raw;
      head = Object.freeze({ seq: last.seq, chainHash: last.chainHash });
    }
    this.#predictor.reset();
    return Object.freeze({ imported: entries.length, head });
  }

  /** Closes the connection the ledger owns (a borrowed client is left open). Later calls fail. */
  async close(): Promise<void> {
    await this.#connection.close();
  }

  async #read(what: string, args: string[]): Promise<unknown> {
    return this.#connection.run(
      (target) => target.evalScript(READ_SCRIPT, [this.keys.head], [this.keys.prefix, ...args], true),
      { what, definiteCode: EctErrorCodes.LEDGER_UNAVAILABLE, writes: false },
    );
  }

  /** The startup configuration check (run by the connection before the first command). */
  async #check(client: RedisClientLike): Promise<void> {
    let report: RedisDurabilityReport;
    try {
      report = await checkRedisDurability(client, { purpose: "ledger" });
    } catch (error) {
      if (!(error instanceof ErrorReply)) throw error;
      // INFO refused (an ACL): nothing to check with; say so once and go on.
      this.#onWarning(
        `could not check the Redis configuration (${error.message}); make sure it keeps the ledger`,
      );
      return;
    }
    if (report.problems.length > 0 && this.#startupCheck === "refuse") {
      throw new EctError(
        EctErrorCodes.CONFIG_INVALID,
        `Redis would not keep the ledger: ${report.problems.join("; ")}`,
      );
    }
    for (const problem of report.problems) this.#onWarning(problem);
  }
}
