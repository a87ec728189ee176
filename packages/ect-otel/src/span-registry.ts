import type { SpanContext } from "@opentelemetry/api";
import type { EctConfigError } from "ect-core";
import { assertKnownOptions, ectKey, integerOption } from "ect-core/internal";

/** Options of {@link EctSpanRegistry}. */
export interface EctSpanRegistryOptions {
  /** Most span contexts kept; the least recently used goes first (default 10000). */
  readonly maxEntries?: number;
}

/**
 * The span context of each ECT task this process traced, keyed by `(wid, jti)` like the ledger and
 * the DAG rules (profile §6, §10), so a later task's `pred` entries become span links. Bounded:
 * past `maxEntries` the least recently used entry is dropped (a predecessor that old simply gets
 * no link).
 *
 * @example
 * ```ts
 * const registry = new EctSpanRegistry({ maxEntries: 1000 });
 * const span = startEctSpan(tracer, verified, { registry });
 * ```
 */
export class EctSpanRegistry {
  /** The bound given at construction. */
  readonly maxEntries: number;
  // A Map iterates in insertion order; re-inserting on use makes the first key the least recent.
  readonly #entries = new Map<string, SpanContext>();

  /**
   * Creates an empty registry.
   *
   * @param options - the bound.
   * @throws {@link EctConfigError} (`ECT_CONFIG_INVALID`) for an unknown option or a `maxEntries`
   *   that is not a positive safe integer.
   */
  constructor(options: EctSpanRegistryOptions = {}) {
    assertKnownOptions(options, ["maxEntries"]);
    this.maxEntries = integerOption(options.maxEntries, 10_000, "maxEntries", 1);
  }

  /** Number of span contexts held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Records the span context of the task `(wid, jti)`. */
  set(wid: string | null | undefined, jti: string, spanContext: SpanContext): void {
    const key = ectKey(wid, jti);
    this.#entries.delete(key);
    this.#entries.set(key, spanContext);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /** The span context of the task `(wid, jti)`, or `undefined` when it is not known. */
  get(wid: string | null | undefined, jti: string): SpanContext | undefined {
    const key = ectKey(wid, jti);
    const found = this.#entries.get(key);
    if (found !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, found);
    }
    return found;
  }
}
