import {
  type ConflictRecord,
  decodeEct,
  type EctClaims,
  EctError,
  EctErrorCodes,
  type Ledger,
  type LedgerEntry,
  type StoredEct,
} from "ect-core";
import {
  type ChainVerification,
  chainHash,
  ectKey,
  GENESIS_CHAIN_HASH,
  type ImportResult,
  type LedgerHead,
  leafHash,
  ledgerEntryRecord,
  parseStrictJsonValue,
  type RangeOptions,
} from "ect-core/internal";

/** A line of a ledger file that is not a well-formed entry record. */
export interface JsonlLineProblem {
  /** 1-based line number in the file. */
  readonly line: number;
  /** The position (sequence number) the line takes in the ledger. */
  readonly seq: number;
  /** The record's `jti`, when it has one. */
  readonly jti: string;
  /** What is wrong with the line, e.g. `is not strict JSON (...)`. */
  readonly message: string;
  /** The line is not a JSON object at all: the entry at `seq` is only a placeholder. */
  readonly unreadable: boolean;
}

const MEMBERS = ["seq", "token", "jti", "wid", "iss", "ingestedAt", "leafHash", "chainHash"] as const;

function readOnly(): never {
  throw new EctError(EctErrorCodes.CONFIG_INVALID, "an audit view of a ledger file is read-only");
}

/**
 * A read-only `Ledger` over the records of a JSON Lines ledger file **as they are on disk**, for
 * audits. Unlike `MemoryLedger.importJsonl`, which refuses a file at its first bad line, it keeps
 * every line (a malformed one as a placeholder at its position), so `auditLedger` can report every
 * tampered entry by its sequence number. Entries are positional: the n-th record is entry n,
 * whatever `seq` it claims (a wrong `seq` is reported as a problem of its line).
 */
export class JsonlLedgerView implements Ledger {
  readonly #entries: LedgerEntry[];
  readonly #byKey = new Map<string, LedgerEntry>();
  readonly #byJti = new Map<string, LedgerEntry>();

  private constructor(entries: LedgerEntry[]) {
    this.#entries = entries;
    for (const entry of entries) {
      if (typeof entry.jti !== "string" || entry.jti === "") continue;
      const key = ectKey(entry.wid, entry.jti);
      if (!this.#byKey.has(key)) this.#byKey.set(key, entry);
      const jti = entry.jti.toLowerCase();
      if (!this.#byJti.has(jti)) this.#byJti.set(jti, entry);
    }
  }

  /** Reads the lines of a ledger file; blank lines are skipped, as `importJsonl` does. */
  static async load(
    lines: AsyncIterable<string>,
    onLine?: () => void,
  ): Promise<{ readonly view: JsonlLedgerView; readonly problems: readonly JsonlLineProblem[] }> {
    const entries: LedgerEntry[] = [];
    const problems: JsonlLineProblem[] = [];
    let lineNo = 0;
    for await (const raw of lines) {
      lineNo++;
      onLine?.();
      if (raw.trim() === "") continue;
      const position = entries.length + 1;
      const problemsBefore = problems.length;
      const report = (message: string, unreadable = false) =>
        problems.push({ line: lineNo, seq: position, jti: "", message, unreadable });
      let record: Record<string, unknown> = {};
      try {
        const value = parseStrictJsonValue(raw);
        if (value !== null && typeof value === "object" && !Array.isArray(value)) record = value;
        else report("is not a JSON object", true);
      } catch (error) {
        report(`is not strict JSON (${error instanceof Error ? error.message : String(error)})`, true);
      }
      const extra = Object.keys(record).filter((m) => !(MEMBERS as readonly string[]).includes(m));
      const missing = MEMBERS.filter((m) => !Object.hasOwn(record, m));
      if (Object.keys(record).length > 0 && (extra.length > 0 || missing.length > 0)) {
        report(
          `must have exactly the members ${MEMBERS.join(", ")}` +
            (missing.length > 0 ? `; missing ${missing.join(", ")}` : "") +
            (extra.length > 0 ? `; unexpected ${extra.join(", ")}` : ""),
        );
      }
      const text = (member: string): string => {
        const value = record[member];
        if (typeof value === "string") return value;
        if (Object.hasOwn(record, member)) report(`${member} is not a string`);
        return "";
      };
      const token = text("token");
      const wid = record["wid"] === null || record["wid"] === undefined ? null : text("wid");
      const ingestedAt = record["ingestedAt"];
      if (Object.hasOwn(record, "ingestedAt") && typeof ingestedAt !== "number")
        report("ingestedAt is not a number");
      const seq = record["seq"];
      if (Object.hasOwn(record, "seq") && typeof seq !== "number") report("seq is not a number");
      else if (typeof seq === "number" && seq !== position) {
        report(`has seq ${seq} but is entry ${position} of the file: an entry was removed, added or moved`);
      }
      let claims: Record<string, unknown> = {};
      try {
        claims = { ...decodeEct(token, { minLevel: 1 }).claims };
      } catch {
        // The audit reports an undecodable token for this entry.
      }
      const jti = typeof record["jti"] === "string" ? record["jti"] : "";
      for (let i = problemsBefore; i < problems.length; i++) problems[i] = { ...problems[i]!, jti };
      entries.push(
        Object.freeze({
          // Positional: the n-th record is entry n (a wrong seq is reported above), so the audit
          // reads every line exactly once whatever the lines claim.
          seq: position,
          token,
          jti: text("jti"),
          wid,
          iss: text("iss"),
          ingestedAt: typeof ingestedAt === "number" ? ingestedAt : -1,
          leafHash: text("leafHash"),
          chainHash: text("chainHash"),
          claims: claims as unknown as EctClaims,
        }),
      );
    }
    return { view: new JsonlLedgerView(entries), problems };
  }

  /** Number of entries (lines with content). */
  get size(): number {
    return this.#entries.length;
  }

  /** Refused: the view is read-only. */
  async append(): Promise<never> {
    return readOnly();
  }

  /** Refused: the view is read-only. */
  async importJsonl(): Promise<ImportResult> {
    return readOnly();
  }

  /** The first entry with this identity, as the file has it. */
  async getEct(wid: string | null | undefined, jti: string): Promise<StoredEct | undefined> {
    return this.get(wid, jti);
  }

  /** The first entry with this `jti` in any workflow. */
  async findEctByJti(jti: string): Promise<StoredEct | undefined> {
    return this.#byJti.get(jti.toLowerCase());
  }

  /** The first entry with this identity, as the file has it. */
  async get(wid: string | null | undefined, jti: string): Promise<LedgerEntry | undefined> {
    return this.#byKey.get(ectKey(wid, jti));
  }

  /** The entry at this position. */
  async getBySeq(seq: number): Promise<LedgerEntry | undefined> {
    return Number.isSafeInteger(seq) && seq >= 1 ? this.#entries[seq - 1] : undefined;
  }

  /** The entries of one workflow (`null`: without `wid`), in file order. */
  async listWorkflow(wid: string | null | undefined): Promise<readonly LedgerEntry[]> {
    const scope = (wid ?? "").toLowerCase();
    return this.#entries.filter((e) => (e.wid ?? "").toLowerCase() === scope);
  }

  /** Entries by position, `fromSeq` to `toSeq` (inclusive), at most `limit`. */
  async range(options: RangeOptions = {}): Promise<readonly LedgerEntry[]> {
    const from = Math.max(1, options.fromSeq ?? 1);
    const to = Math.min(this.#entries.length, options.toSeq ?? this.#entries.length);
    if (to < from) return [];
    return this.#entries.slice(from - 1, Math.min(to, from - 1 + (options.limit ?? Number.MAX_SAFE_INTEGER)));
  }

  /** The last position and the chain hash the last record claims. */
  async head(): Promise<LedgerHead> {
    const last = this.#entries.at(-1);
    return { seq: this.#entries.length, chainHash: last?.chainHash ?? GENESIS_CHAIN_HASH };
  }

  /** Recomputes every hash from the genesis hash on and reports the first broken entry. */
  async verifyChain(): Promise<ChainVerification> {
    let previous = GENESIS_CHAIN_HASH;
    for (const [i, entry] of this.#entries.entries()) {
      const broken = (message: string): ChainVerification => ({
        valid: false,
        brokenAt: i + 1,
        error: new EctError(EctErrorCodes.LEDGER_CHAIN_BROKEN, `entry ${i + 1}: ${message}`),
      });
      if (entry.seq !== i + 1) return broken(`sequence number ${entry.seq} where ${i + 1} was expected`);
      if ((await leafHash(entry.token)) !== entry.leafHash)
        return broken("leafHash does not match the stored token");
      let expected: string | undefined;
      try {
        expected = await chainHash(previous, entry.leafHash);
      } catch {
        expected = undefined;
      }
      if (expected !== entry.chainHash) return broken("chainHash does not follow from the previous entry");
      previous = entry.chainHash;
    }
    return {
      valid: true,
      head: { seq: this.#entries.length, chainHash: previous },
      entries: this.#entries.length,
    };
  }

  /** None: a ledger file keeps no conflict evidence. */
  async conflicts(): Promise<readonly ConflictRecord[]> {
    return [];
  }

  /** The records as the view holds them (positional `seq`). */
  async *exportJsonl(): AsyncIterable<string> {
    for (const e of this.#entries) yield JSON.stringify(ledgerEntryRecord(e));
  }
}
