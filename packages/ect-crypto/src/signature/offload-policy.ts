/**
 * Where a signature primitive's work runs: synchronously on the main thread (Node: fastest for one
 * operation at a time, no hand-off) or on the backend's thread pool (Node: libuv's), which frees
 * the main thread for the other tokens or requests waiting for it. Which one pays depends on
 * whether anything else is waiting, and that is decided from progress only (counts, never the
 * clock):
 *
 * - another operation of the same kind is in progress: the pool (they overlap);
 * - "pooled" mode, entered when an operation on the pool saw another one begin while it waited (an
 *   HTTP server's requests can only overlap when the main thread is free to read them, so a server
 *   working synchronously never sees overlap: the pool is how it finds out), and left after
 *   {@link POOLED_EXIT} pool operations in a row saw none;
 * - otherwise synchronously, except for probes: the {@link PROBE_INTERVAL}-th operation goes to the
 *   pool to find out whether others arrive meanwhile. A probe that finds none doubles the distance
 *   to the next one, up to {@link MAX_PROBE_INTERVAL} (one token at a time, a probe only costs: the
 *   main thread waits for the pool, and the verifications after it run slower for a while: measured
 *   ~2 µs per token over a sequential run at one probe in 256); seeing overlap brings it back to
 *   {@link PROBE_INTERVAL}. Concurrent callers that start after a long quiet stretch are found by
 *   the next probe, at most {@link MAX_PROBE_INTERVAL} synchronous verifications later.
 *
 * The WebCrypto backend is always asynchronous and ignores the answer.
 *
 * @internal
 */

/** Operations made synchronously before the first probe, and after one that saw overlap. */
export const PROBE_INTERVAL = 32;
/** The most operations made synchronously between two probes, after quiet ones. */
export const MAX_PROBE_INTERVAL = 2048;
/** Quiet pool operations in a row that end pooled mode. */
export const POOLED_EXIT = 8;

/** The policy for one kind of operation (verifying tokens, creating tokens). */
export class OffloadPolicy {
  /** Operations between {@link begin} and {@link end}. */
  #active = 0;
  /** Operations begun so far: a pool round trip that saw it move overlapped another operation. */
  #begun = 0;
  /** Pool operations left before pooled mode ends (0: not in pooled mode). */
  #pooled = 0;
  #sinceProbe = 0;
  /** Operations between probes now: doubled by each quiet probe, reset by overlap. */
  #probeInterval = PROBE_INTERVAL;

  /** Marks the start of one operation (a whole token verification, say); pair with {@link end}. */
  begin(): void {
    this.#active++;
    this.#begun++;
  }

  /** Marks the end of one operation. */
  end(): void {
    this.#active--;
  }

  /** Whether the next primitive call goes to the pool; if so, run it through {@link onPool}. */
  offloadNext(): boolean {
    if (this.#pooled > 0 || this.#active > 1) return true;
    if (++this.#sinceProbe < this.#probeInterval) return false;
    this.#sinceProbe = 0;
    return true;
  }

  /**
   * Runs `work` on the pool and learns from what happened meanwhile. One `then` on the backend's
   * own promise, no further promise or microtask hop: this runs once per pooled operation.
   */
  onPool<T>(work: () => Promise<T>): Promise<T> {
    const begun = this.#begun;
    return work().then(
      (value) => {
        this.#learn(begun);
        return value;
      },
      (error: unknown) => {
        this.#learn(begun);
        throw error;
      },
    );
  }

  /** After a pool operation begun when {@link begin} had been called `begun` times. */
  #learn(begun: number): void {
    if (this.#begun !== begun || this.#active > 1) {
      this.#pooled = POOLED_EXIT;
      this.#probeInterval = PROBE_INTERVAL;
    } else if (this.#pooled > 0) this.#pooled--;
    else this.#probeInterval = Math.min(2 * this.#probeInterval, MAX_PROBE_INTERVAL); // a quiet probe
  }
}
