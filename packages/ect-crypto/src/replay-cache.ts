import {
  type EctConfig,
  EctConfigError,
  EctError,
  EctErrorCodes,
  type ReplayCache,
  type ReplayRecord,
  resolveConfig,
} from "ect-core";
import { assertKnownOptions, ectKey } from "ect-core/internal";
import { settledPromise } from "./settled-answers.js";

/**
 * What a full {@link MemoryReplayCache} does when every entry is still live:
 * - `"refuse"` (default): the new token is refused with `ECT_REPLAY_CACHE_UNAVAILABLE`. Nothing
 *   is forgotten, so no replay window opens; availability suffers until entries expire.
 * - `"evict-oldest"`: the entry recorded first is forgotten to make room. Availability is kept, but
 *   the evicted token could be replayed until it expires: choose it only with a capacity well above
 *   the number of tokens accepted per replay lifetime.
 */
export type ReplayCacheFullPolicy = "refuse" | "evict-oldest";

/** Options of {@link MemoryReplayCache}. */
export interface MemoryReplayCacheOptions {
  /** Most entries kept; defaults to the config's `jtiReplayCacheSize` (SPEC 4, 100000). */
  readonly capacity?: number;
  /** SPEC 4 settings; only `jtiReplayCacheSize` is read, as the default capacity. */
  readonly config?: Partial<EctConfig>;
  /** What to do when full of live entries (default `"refuse"`). */
  readonly whenFull?: ReplayCacheFullPolicy;
}

const OPTIONS: readonly (keyof MemoryReplayCacheOptions)[] = ["capacity", "config", "whenFull"];

/** One record, held by the map under its key and by the expiry heap (the same object). */
interface Entry {
  readonly expiresAt: number;
  readonly key: string;
}

/**
 * The answers of {@link MemoryReplayCache.checkAndRecord}: settled once, shared by every call, and
 * known as settled so the verifier reads them without a microtask hop.
 */
const RECORDED: Promise<boolean> = settledPromise(true);
const REPLAYED: Promise<boolean> = settledPromise(false);

/**
 * An in-memory replay cache (SPEC 4, 5.10): records `(wid or "", jti)` pairs, keyed with `ectKey`
 * (UUIDs compare case-insensitively), until the record's `expiresAt` inclusive (the verifier
 * computes it with `replayRecordExpiry`, so a record never expires while its token could still be
 * accepted).
 *
 * - Atomic: `checkAndRecord` checks and records without yielding, so of two concurrent calls with
 *   one pair exactly one returns `true`.
 * - Bounded: at capacity, expired entries are dropped first (earliest expiry first, O(log n) each).
 *   If every entry is still live, the {@link ReplayCacheFullPolicy} decides: by default the new
 *   token is refused with `ECT_REPLAY_CACHE_UNAVAILABLE` rather than silently forgetting a live
 *   entry, which would re-open a replay window for it.
 * - Per process: verifier instances behind a load balancer need a shared cache (e.g. Redis).
 */
export class MemoryReplayCache implements ReplayCache {
  /** Most entries kept. */
  readonly capacity: number;
  /** What happens when full of live entries. */
  readonly whenFull: ReplayCacheFullPolicy;
  // Insertion order is recording order: the first key is the oldest record ("evict-oldest").
  readonly #entries = new Map<string, Entry>();
  // A min-heap by expiry; a node the map no longer holds (released or replaced) is skipped.
  #heap: Entry[] = [];

  /**
   * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) for an unknown option,
   *   a capacity that is not a positive integer or an unknown policy.
   */
  constructor(options: MemoryReplayCacheOptions = {}) {
    assertKnownOptions(options, OPTIONS);
    const capacity =
      options.capacity ?? resolveConfig(options.config, { path: "config." }).jtiReplayCacheSize;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      const option = options.capacity === undefined ? "config.jtiReplayCacheSize" : "capacity";
      throw new EctConfigError(option, "must be a positive integer", { received: capacity });
    }
    const whenFull = options.whenFull ?? "refuse";
    if (whenFull !== "refuse" && whenFull !== "evict-oldest") {
      throw new EctConfigError("whenFull", 'must be "refuse" or "evict-oldest"', { received: whenFull });
    }
    this.capacity = capacity;
    this.whenFull = whenFull;
  }

  /** Number of entries held (live or expired but not yet dropped). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Records the pair unless it is recorded and live; returns `false` for a replay (SPEC 5.10).
   *
   * @throws {@link EctError} `ECT_REPLAY_CACHE_UNAVAILABLE` when full of live entries under the
   *   `"refuse"` policy.
   */
  checkAndRecord(record: ReplayRecord): Promise<boolean> {
    try {
      return this.#checkAndRecordNow(record) ? RECORDED : REPLAYED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The synchronous body of {@link checkAndRecord}: no `await` between check and record. */
  #checkAndRecordNow(record: ReplayRecord): boolean {
    const { wid, jti, expiresAt, now } = record;
    if (typeof jti !== "string" || !Number.isFinite(expiresAt) || !Number.isFinite(now)) {
      throw new TypeError("a replay record needs a string jti and finite expiresAt and now");
    }
    const key = ectKey(wid, jti);
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      if (existing.expiresAt >= now) return false; // kept until expiresAt, inclusive
      this.#entries.delete(key);
    }
    if (this.#entries.size >= this.capacity) this.#dropExpired(now);
    if (this.#entries.size >= this.capacity) {
      if (this.whenFull === "refuse") {
        throw new EctError(
          EctErrorCodes.REPLAY_CACHE_UNAVAILABLE,
          `the replay cache is full: ${this.capacity} entries are all still live; the token is refused rather than forgetting one (raise jtiReplayCacheSize)`,
        );
      }
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    const entry: Entry = { expiresAt, key };
    this.#entries.set(key, entry);
    this.#push(entry);
    if (this.#heap.length > 2 * this.capacity + 64) this.#rebuildHeap();
    return true;
  }

  /** Forgets a record, so a token refused after it was recorded (SPEC 5.12) does not burn its `jti`. */
  async release(key: { readonly wid: string | null | undefined; readonly jti: string }): Promise<void> {
    this.#entries.delete(ectKey(key.wid, key.jti));
  }

  /** Drops every entry whose record expired before `now` (seconds). Returns how many. */
  prune(now: number): number {
    const before = this.#entries.size;
    this.#dropExpired(now);
    return before - this.#entries.size;
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
    this.#heap = [];
  }

  #dropExpired(now: number): void {
    const heap = this.#heap;
    while (heap.length > 0 && heap[0]!.expiresAt < now) {
      const node = this.#pop()!;
      if (this.#entries.get(node.key) === node) this.#entries.delete(node.key);
    }
  }

  #rebuildHeap(): void {
    this.#heap = [];
    for (const entry of this.#entries.values()) this.#push(entry);
  }

  #push(node: Entry): void {
    const heap = this.#heap;
    heap.push(node);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.expiresAt <= node.expiresAt) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = node;
  }

  #pop(): Entry | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.expiresAt < heap[left]!.expiresAt ? right : left;
      if (heap[child]!.expiresAt >= last.expiresAt) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
