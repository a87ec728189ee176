import {
  type AppendOptions,
  type AppendResult,
  type Clock,
  type ConflictRecord,
  type DagValidator,
  type DecodedEct,
  decodeEct,
  type EctClaims,
  EctError,
  EctErrorCodes,
  isEctError,
  type Ledger,
  type LedgerEntry,
  type LedgerReceipt,
  type StoredEct,
} from "ect-core";
import {
  type ChainVerification,
  chainHash,
  Defaults,
  ectKey,
  GENESIS_CHAIN_HASH,
  type ImportResult,
  issueReceipt,
  type JwsSigner,
  type LedgerEntryRecord,
  type LedgerHead,
  leafHash,
  ledgerEntryRecord,
  parseStrictJsonValue,
  type RangeOptions,
  unsignedReceipt,
  validateClaims,
} from "ect-core/internal";
import { deepFreeze } from "./deep-freeze.js";

/** Options of {@link MemoryLedger}. */
export interface MemoryLedgerOptions {
  /** Clock for `ingestedAt` when an append passes no `now` (default `Date.now`). */
  readonly clock?: Clock;
  /**
   * DAG rules (SPEC 6) to run atomically with every append, e.g. `ect-dag`'s
   * `createDagValidator()`. A violation makes the append `rejected` and writes nothing.
   */
  readonly dag?: DagValidator;
  /** Signs every receipt as a JWS with `typ: ect-receipt+jwt` (SPEC 7), e.g. `ect-crypto`'s `createJwsSigner`. */
  readonly receiptSigner?: JwsSigner;
  /** Longest token accepted, in characters (default 16384, SPEC 4). */
  readonly maxTokenLength?: number;
  /** Longest `pred` accepted; 0 = unlimited (default 100, SPEC 3). Match your verifier's setting. */
  readonly maxPredLength?: number;
}

/** A change {@link tamperMemoryLedger} makes to a stored entry. */
export type MemoryLedgerTamperMutation = Partial<Pick<LedgerEntryRecord, "token" | "leafHash" | "chainHash">>;

const HEX64 = /^[0-9a-f]{64}$/;
const RECORD_MEMBERS = ["seq", "token", "jti", "wid", "iss", "ingestedAt", "leafHash", "chainHash"] as const;

function configError(option: string, message: string): EctError {
  return new EctError(EctErrorCodes.CONFIG_INVALID, `${option} ${message}`, { member: option });
}

function importError(line: number, message: string, cause?: unknown): EctError {
  return new EctError(
    EctErrorCodes.LEDGER_IMPORT_INVALID,
    `import line ${line}: ${message}`,
    cause === undefined ? {} : { cause },
  );
}

/** The header and claims segments: equal for two canonical tokens iff their decoded bytes are equal. */
function signingInputOf(token: string): string {
  return token.slice(0, token.lastIndexOf("."));
}

/** The widest scope key for `listWorkflow`: the lower-cased `wid`, `""` for none. */
function workflowKey(wid: string | null | undefined): string {
  return (wid ?? "").toLowerCase();
}

function checkNonNegativeInteger(value: unknown, option: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw configError(option, "must be a non-negative integer");
  }
  return value;
}

/** A token decoded and checked far enough to be keyed and stored. */
interface Ingested {
  readonly decoded: DecodedEct;
  readonly claims: EctClaims;
  readonly key: string;
  readonly leaf: string;
}

/** Entries hashed in parallel by `verifyChain`. */
const VERIFY_BATCH = 512;

/** What is wrong with one stored entry (SPEC 7 hashes), or `undefined`. */
async function checkEntry(
  entry: LedgerEntry,
  seq: number,
  previousChain: string,
): Promise<string | undefined> {
  if (entry.seq !== seq) return `sequence number ${entry.seq} where ${seq} was expected`;
  if ((await leafHash(entry.token)) !== entry.leafHash) return "leafHash does not match the stored token";
  try {
    if ((await chainHash(previousChain, entry.leafHash)) === entry.chainHash) return undefined;
  } catch {
    // A stored hash that is not 32 bytes of hex.
  }
  return "chainHash does not follow from the previous entry";
}

let tamperEntry: (ledger: MemoryLedger, seq: number, mutation: MemoryLedgerTamperMutation) => void;

/**
 * An in-memory, append-only, hash-chained ECT audit ledger (SPEC 7) that is also an `EctStore`
 * for the DAG rules (SPEC 6). Appends are serialised, so the identity check, the DAG rules and the
 * append are one atomic step. Memory grows linearly with the entries (arrays and maps, no copy of
 * the log per append). Runs in any JavaScript runtime.
 *
 * @example
 * ```ts
 * import { createDagValidator } from "ect-dag";
 * import { MemoryLedger } from "ect-ledger-memory";
 *
 * const ledger = new MemoryLedger({ dag: createDagValidator() });
 * const result = await ledger.append(token); // after verifying the token
 * if (result.status === "appended") console.log(result.receipt.seq, result.receipt.chainHash);
 * ```
 */
export class MemoryLedger implements Ledger {
  readonly #clock: Clock;
  readonly #dag: DagValidator | undefined;
  readonly #signer: JwsSigner | undefined;
  readonly #maxTokenLength: number;
  readonly #maxPredLength: number;

  /** Entry `seq` is at index `seq - 1`. */
  #entries: LedgerEntry[] = [];
  /** Receipt of entry `seq` at index `seq - 1`. */
  #receipts: LedgerReceipt[] = [];
  /** `ectKey(wid, jti)` -> entry. */
  #byKey = new Map<string, LedgerEntry>();
  /** Lower-cased `jti` -> the earliest entry with it, in any scope (`findEctByJti`). */
  #byJti = new Map<string, LedgerEntry>();
  /** Lower-cased `wid` (`""` for none) -> that workflow's entries in seq order. */
  #byWorkflow = new Map<string, LedgerEntry[]>();
  #conflicts: ConflictRecord[] = [];
  /** Conflicting token -> its evidence, so a re-sent conflicting token is recorded once. */
  #conflictByToken = new Map<string, ConflictRecord>();
  #head: LedgerHead = Object.freeze({ seq: 0, chainHash: GENESIS_CHAIN_HASH });
  /** Tail of the queue that serialises appends and imports. */
  #queue: Promise<unknown> = Promise.resolve();

  static {
    tamperEntry = (ledger, seq, mutation) => ledger.#tamper(seq, mutation);
  }

  /**
   * @param options - Clock, DAG rules, receipt signer and decoding limits.
   * @throws {@link EctError} `ECT_CONFIG_INVALID` for invalid options.
   */
  constructor(options: MemoryLedgerOptions = {}) {
    if (options.clock !== undefined && typeof options.clock !== "function") {
      throw configError("clock", "must be a function");
    }
    if (options.dag !== undefined && typeof options.dag !== "function") {
      throw configError("dag", "must be a DagValidator function");
    }
    if (options.receiptSigner !== undefined && typeof options.receiptSigner?.sign !== "function") {
      throw configError("receiptSigner", "must be a JwsSigner");
    }
    this.#clock = options.clock ?? Date.now;
    this.#dag = options.dag;
    this.#signer = options.receiptSigner;
    this.#maxTokenLength = checkNonNegativeInteger(
      options.maxTokenLength ?? Defaults.MAX_TOKEN_LENGTH,
      "maxTokenLength",
    );
    this.#maxPredLength = checkNonNegativeInteger(
      options.maxPredLength ?? Defaults.MAX_PRED_LENGTH,
      "maxPredLength",
    );
  }

  /** Number of entries (the head's `seq`), synchronously. */
  get size(): number {
    return this.#entries.length;
  }

  /**
   * Appends a token the caller has verified (SPEC 7). The token is decoded (SPEC 5 steps 1-3) and
   * its claims checked (SPEC 3) so it can be keyed by `(wid or "", jti)`; then, in one atomic
   * step: an existing identity gives `duplicate` (byte-identical decoded header and claims) or
   * `conflict` (kept as evidence, nothing overwritten); otherwise the DAG rules run, if configured
   * (`rejected` on a violation, nothing written), and the entry is chained and stored.
   *
   * @throws {@link EctError} the decoding or claim rule's code (`ECT_MALFORMED`, `ECT_JTI_INVALID`,
   *   ...); `ECT_CONFIG_INVALID` for an invalid `now`; `ECT_LEDGER_APPEND_FAILED` when the DAG
   *   validator or the receipt signer fails (nothing is written then).
   */
  async append(token: string, options: AppendOptions = {}): Promise<AppendResult> {
    const now = checkNonNegativeInteger(options.now ?? this.#clock(), "now");
    const ingested = await this.#ingest(token);
    return this.#exclusive(() => this.#appendLocked(ingested, now));
  }

  /** Decodes and checks a token outside the lock (pure work that needs no ledger state). */
  async #ingest(token: string): Promise<Ingested> {
    const decoded = decodeEct(token, { maxTokenLength: this.#maxTokenLength });
    const violations = validateClaims(decoded.claims, { maxPredLength: this.#maxPredLength });
    if (violations.length > 0) {
      const [first] = violations as [EctError, ...EctError[]];
      throw new EctError(first.code, first.message, {
        ...(first.member === undefined ? {} : { member: first.member }),
        details: violations,
      });
    }
    const claims = decoded.claims as EctClaims;
    return { decoded, claims, key: ectKey(claims.wid, claims.jti), leaf: await leafHash(token) };
  }

  async #appendLocked({ decoded, claims, key, leaf }: Ingested, now: number): Promise<AppendResult> {
    const existing = this.#byKey.get(key);
    if (existing) {
      if (signingInputOf(existing.token) === decoded.signingInput) {
        // SPEC 7: a re-send or a re-encoded (e.g. ECDSA s -> n - s) signature.
        return Object.freeze({
          status: "duplicate",
          entry: existing,
          receipt: await this.#receiptOf(existing),
        });
      }
      return Object.freeze({
        status: "conflict",
        existing,
        evidence: this.#recordConflict(existing, decoded.token, now),
      });
    }

    let unresolved: readonly string[] = [];
    if (this.#dag) {
      let outcome: Awaited<ReturnType<DagValidator>>;
      try {
        outcome = await this.#dag(claims, this);
      } catch (e) {
        throw isEctError(e)
          ? e
          : new EctError(EctErrorCodes.LEDGER_APPEND_FAILED, "the DAG validator failed", { cause: e });
      }
      if (!outcome.valid) {
        return Object.freeze({ status: "rejected", violations: Object.freeze([...outcome.violations]) });
      }
      unresolved = Object.freeze([...outcome.unresolvedPredecessors]);
    }

    const seq = this.#entries.length + 1;
    const chain = await chainHash(this.#head.chainHash, leaf);
    const entry: LedgerEntry = deepFreeze({
      seq,
      token: decoded.token,
      jti: claims.jti,
      wid: claims.wid ?? null,
      iss: claims.iss,
      ingestedAt: now,
      leafHash: leaf,
      chainHash: chain,
      claims,
    });
    const receipt = await this.#signReceipt(entry);
    this.#commit(entry, receipt);
    return Object.freeze({ status: "appended", entry, receipt, unresolvedPredecessors: unresolved });
  }

  #signReceipt(entry: LedgerEntry): Promise<LedgerReceipt> {
    return issueReceipt(entry, this.#signer);
  }

  /** The stored receipt; imported entries get theirs (signed, if the ledger signs) on first request. */
  async #receiptOf(entry: LedgerEntry): Promise<LedgerReceipt> {
    const stored = this.#receipts[entry.seq - 1];
    if (stored && (stored.jws !== undefined || !this.#signer)) return stored;
    const receipt = await this.#signReceipt(entry);
    this.#receipts[entry.seq - 1] = receipt;
    return receipt;
  }

  #recordConflict(existing: LedgerEntry, token: string, now: number): ConflictRecord {
    const known = this.#conflictByToken.get(token);
    if (known) return known;
    const record: ConflictRecord = Object.freeze({
      id: this.#conflicts.length + 1,
      wid: existing.wid,
      jti: existing.jti,
      token,
      existingSeq: existing.seq,
      receivedAt: now,
    });
    this.#conflicts.push(record);
    this.#conflictByToken.set(token, record);
    return record;
  }

  /** Stores an entry; synchronous, so nothing can observe half of it. */
  #commit(entry: LedgerEntry, receipt: LedgerReceipt | undefined): void {
    this.#entries.push(entry);
    if (receipt) this.#receipts[entry.seq - 1] = receipt;
    this.#byKey.set(ectKey(entry.wid, entry.jti), entry);
    const jtiKey = entry.jti.toLowerCase();
    if (!this.#byJti.has(jtiKey)) this.#byJti.set(jtiKey, entry);
    const wk = workflowKey(entry.wid);
    const list = this.#byWorkflow.get(wk);
    if (list) list.push(entry);
    else this.#byWorkflow.set(wk, [entry]);
    this.#head = Object.freeze({ seq: entry.seq, chainHash: entry.chainHash });
  }

  /** Runs `task` after every queued append/import; the queue survives a failed task. */
  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** The stored ECT with this identity (`EctStore.getEct`), or `undefined`; UUIDs compare case-insensitively. */
  async getEct(wid: string | null | undefined, jti: string): Promise<StoredEct | undefined> {
    return this.get(wid, jti);
  }

  /** One stored ECT with this `jti` in any `wid` scope (`EctStore.findEctByJti`), the earliest stored, or `undefined`. */
  async findEctByJti(jti: string): Promise<StoredEct | undefined> {
    return typeof jti === "string" ? this.#byJti.get(jti.toLowerCase()) : undefined;
  }

  /** The entry with this identity (UUIDs compare case-insensitively), or `undefined`. */
  async get(wid: string | null | undefined, jti: string): Promise<LedgerEntry | undefined> {
    if (typeof jti !== "string" || (wid != null && typeof wid !== "string")) return undefined;
    return this.#byKey.get(ectKey(wid, jti));
  }

  /** The entry with this sequence number, or `undefined`. */
  async getBySeq(seq: number): Promise<LedgerEntry | undefined> {
    return Number.isSafeInteger(seq) && seq >= 1 ? this.#entries[seq - 1] : undefined;
  }

  /** All entries of one workflow (`null`/`undefined`: tokens without `wid`), in sequence order. */
  async listWorkflow(wid: string | null | undefined): Promise<readonly LedgerEntry[]> {
    if (wid != null && typeof wid !== "string") return Object.freeze([]);
    return Object.freeze([...(this.#byWorkflow.get(workflowKey(wid)) ?? [])]);
  }

  /**
   * Entries with `fromSeq <= seq <= toSeq` (defaults: 1 and the head), at most `limit`, in order.
   *
   * @throws {@link EctError} `ECT_CONFIG_INVALID` when a bound is not a non-negative integer.
   */
  async range(options: RangeOptions = {}): Promise<readonly LedgerEntry[]> {
    const from = Math.max(1, checkNonNegativeInteger(options.fromSeq ?? 1, "fromSeq"));
    const to = Math.min(
      this.#entries.length,
      checkNonNegativeInteger(options.toSeq ?? this.#entries.length, "toSeq"),
    );
    const limit = checkNonNegativeInteger(options.limit ?? Number.MAX_SAFE_INTEGER, "limit");
    if (to < from) return Object.freeze([]);
    return Object.freeze(this.#entries.slice(from - 1, Math.min(to, from - 1 + limit)));
  }

  /** The last sequence number and chain hash (`0` and `GENESIS_CHAIN_HASH` when empty). */
  async head(): Promise<LedgerHead> {
    return this.#head;
  }

  /**
   * Recomputes every leaf and chain hash from the stored tokens, from the genesis hash on, and
   * reports the first entry where a stored value differs (SPEC 7). Runs over the entries present
   * when it starts; appends may continue meanwhile.
   */
  async verifyChain(): Promise<ChainVerification> {
    const count = this.#entries.length;
    const entries = this.#entries.slice(0, count);
    // Every entry's check reads only stored values (its token, its hashes, the previous stored
    // chain hash), so a batch is hashed in parallel; the first failure in order is reported.
    for (let start = 0; start < count; start += VERIFY_BATCH) {
      const batch = entries.slice(start, start + VERIFY_BATCH);
      const failures = await Promise.all(
        batch.map((entry, j) =>
          checkEntry(entry, start + j + 1, entries[start + j - 1]?.chainHash ?? GENESIS_CHAIN_HASH),
        ),
      );
      const at = failures.findIndex((f) => f !== undefined);
      if (at >= 0) {
        const seq = start + at + 1;
        return Object.freeze({
          valid: false,
          brokenAt: seq,
          error: new EctError(EctErrorCodes.LEDGER_CHAIN_BROKEN, `entry ${seq}: ${failures[at]}`),
        });
      }
    }
    const last = entries[count - 1];
    return Object.freeze({
      valid: true,
      head: Object.freeze({ seq: count, chainHash: last?.chainHash ?? GENESIS_CHAIN_HASH }),
      entries: count,
    });
  }

  /** The conflicting tokens kept as evidence, in the order they were received. */
  async conflicts(): Promise<readonly ConflictRecord[]> {
    return Object.freeze([...this.#conflicts]);
  }

  /**
   * Exports the entries present when it starts as JSON Lines: one `LedgerEntryRecord` JSON object
   * per yielded string (members in the order seq, token, jti, wid, iss, ingestedAt, leafHash,
   * chainHash), no newline characters.
   */
  async *exportJsonl(): AsyncIterable<string> {
    const count = this.#entries.length;
    for (let i = 0; i < count; i++) {
      yield JSON.stringify(ledgerEntryRecord(this.#entries[i]!));
    }
  }

  /**
   * Imports JSON Lines made by `exportJsonl` (of any backend) into this ledger, which must be
   * empty. Every line is checked before anything is stored: strict JSON with exactly the
   * `LedgerEntryRecord` members, contiguous `seq` from 1, a token that decodes with valid claims
   * whose `jti`, `wid` and `iss` match the record, unique identities, and leaf and chain hashes
   * that recompute. Blank lines are skipped; a single string is split into lines. DAG rules are not
   * re-run (use `auditLedger` for that).
   *
   * @throws {@link EctError} `ECT_LEDGER_IMPORT_INVALID` naming the first bad line; nothing is
   *   stored then.
   */
  async importJsonl(lines: AsyncIterable<string> | Iterable<string>): Promise<ImportResult> {
    return this.#exclusive(async () => {
      if (this.#entries.length > 0 || this.#conflicts.length > 0) {
        throw new EctError(EctErrorCodes.LEDGER_IMPORT_INVALID, "import needs an empty ledger");
      }
      const source = typeof lines === "string" ? (lines as string).split("\n") : lines;
      const staged: LedgerEntry[] = [];
      const keys = new Set<string>();
      let previous = GENESIS_CHAIN_HASH;
      let lineNo = 0;
      for await (const raw of source) {
        lineNo++;
        if (typeof raw !== "string") throw importError(lineNo, "is not a string");
        if (raw.trim() === "") continue;
        const entry = await this.#parseImportLine(raw, lineNo, staged.length + 1, previous);
        const key = ectKey(entry.wid, entry.jti);
        if (keys.has(key))
          throw importError(lineNo, `identity (${entry.wid ?? ""}, ${entry.jti}) appears twice`);
        keys.add(key);
        staged.push(entry);
        previous = entry.chainHash;
      }
      for (const entry of staged) this.#commit(entry, undefined);
      for (let i = 0; i < staged.length; i++) {
        const e = staged[i]!;
        // Unsigned until first asked for (a duplicate append signs it then, if the ledger signs).
        this.#receipts[i] = unsignedReceipt(e);
      }
      return Object.freeze({ imported: staged.length, head: this.#head });
    });
  }

  async #parseImportLine(raw: string, lineNo: number, seq: number, previous: string): Promise<LedgerEntry> {
    let value: unknown;
    try {
      value = parseStrictJsonValue(raw);
    } catch (e) {
      throw importError(lineNo, "is not strict JSON", e);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw importError(lineNo, "is not a JSON object");
    }
    const record = value as Record<string, unknown>;
    const members = Object.keys(record);
    if (members.length !== RECORD_MEMBERS.length || !RECORD_MEMBERS.every((m) => Object.hasOwn(record, m))) {
      throw importError(lineNo, `must have exactly the members ${RECORD_MEMBERS.join(", ")}`);
    }
    const { token, jti, wid, iss, ingestedAt, leafHash: leaf, chainHash: chain } = record;
    if (record["seq"] !== seq) throw importError(lineNo, `seq must be ${seq}`);
    if (typeof token !== "string") throw importError(lineNo, "token must be a string");
    if (typeof ingestedAt !== "number" || !Number.isSafeInteger(ingestedAt) || ingestedAt < 0) {
      throw importError(lineNo, "ingestedAt must be a non-negative integer");
    }
    if (typeof leaf !== "string" || !HEX64.test(leaf))
      throw importError(lineNo, "leafHash must be 64 lower-case hex");
    if (typeof chain !== "string" || !HEX64.test(chain))
      throw importError(lineNo, "chainHash must be 64 lower-case hex");
    let ingested: Ingested;
    try {
      ingested = await this.#ingest(token);
    } catch (e) {
      throw importError(lineNo, `token refused: ${e instanceof Error ? e.message : String(e)}`, e);
    }
    const { claims } = ingested;
    if (jti !== claims.jti) throw importError(lineNo, "jti differs from the token's jti claim");
    if (wid !== (claims.wid ?? null)) throw importError(lineNo, "wid differs from the token's wid claim");
    if (iss !== claims.iss) throw importError(lineNo, "iss differs from the token's iss claim");
    if (ingested.leaf !== leaf) throw importError(lineNo, "leafHash does not match the token");
    if ((await chainHash(previous, leaf)) !== chain) {
      throw importError(lineNo, "chainHash does not follow from the previous line");
    }
    return deepFreeze({
      seq,
      token,
      jti: claims.jti,
      wid: claims.wid ?? null,
      iss: claims.iss,
      ingestedAt,
      leafHash: leaf,
      chainHash: chain,
      claims,
    });
  }

  /** Overwrites fields of a stored entry without recomputing anything (see `tamperMemoryLedger`). */
  #tamper(seq: number, mutation: MemoryLedgerTamperMutation): void {
    const old = this.#entries[seq - 1];
    if (!old || !Number.isSafeInteger(seq)) throw new RangeError(`no entry ${seq}`);
    const replaced: LedgerEntry = Object.freeze({ ...old, ...mutation });
    this.#entries[seq - 1] = replaced;
    const key = ectKey(old.wid, old.jti);
    if (this.#byKey.get(key) === old) this.#byKey.set(key, replaced);
    const list = this.#byWorkflow.get(workflowKey(old.wid));
    const at = list?.indexOf(old) ?? -1;
    if (list && at >= 0) list[at] = replaced;
    if (seq === this.#entries.length && mutation.chainHash !== undefined) {
      this.#head = Object.freeze({ seq, chainHash: mutation.chainHash });
    }
  }
}

/**
 * Test hook: overwrites fields of the stored entry at `seq` behind the ledger's back, the way an
 * attacker with access to the storage would, without recomputing any hash. Only for proving that
 * `verifyChain`/`auditLedger` find tampering; exported from `ect-ledger-memory/testing` only.
 *
 * @throws RangeError when there is no entry `seq`.
 */
export function tamperMemoryLedger(
  ledger: MemoryLedger,
  seq: number,
  mutation: MemoryLedgerTamperMutation,
): void {
  tamperEntry(ledger, seq, mutation);
}
