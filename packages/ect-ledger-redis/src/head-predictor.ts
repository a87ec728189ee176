import { chainHash, type LedgerHead } from "ect-core/internal";

/** What one append was sent with. */
export interface PredictionTicket {
  /** The prediction epoch it belongs to (`-1`: sent without a prediction). */
  readonly epoch: number;
  /** Script arguments: predicted head seq, predicted head chain, the chain hash for it (or three ""). */
  readonly args: readonly [string, string, string];
}

/** Appends in a row whose prediction failed before predicting is paused. */
const MISSES_BEFORE_PAUSE = 4;
/** Appends sent without a prediction during a pause (another writer is busy on this ledger). */
const PAUSE_LENGTH = 64;

/**
 * Predicts the head each append of one ledger instance will land on, so the client computes the
 * chain hash with ect-core's shared `chainHash` and the script only has to check the prediction
 * (SPEC 7). Appends are sent in the order they were predicted (one queue), each expecting the head
 * the previous one produces, so pipelined appends all take the fast path.
 *
 * A wrong prediction costs nothing in correctness: the script then computes the hash itself from
 * the real head. After a miss (a duplicate, a conflict, a rejection, another writer) the next
 * append re-reads the head; when other writers keep moving the head, predicting pauses for a while.
 *
 * @internal
 */
export class HeadPredictor {
  #predicted: LedgerHead | undefined;
  #epoch = 0;
  #misses = 0;
  #sent = 0;
  #pausedUntil = 0;
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * Runs `send` in prediction order with the arguments for `leaf`. `readHead` is called (inside
   * the queue, so after every append sent before it) when there is no valid prediction.
   * Resolves with `send`'s result wrapped, so the caller can await the reply outside the queue.
   */
  async sendInOrder<T>(
    leaf: string,
    readHead: () => Promise<LedgerHead>,
    send: (ticket: PredictionTicket) => T,
  ): Promise<{ readonly result: T; readonly ticket: PredictionTicket }> {
    const turn = this.#queue.then(async () => {
      this.#sent++;
      let expected = this.#predicted;
      if (expected === undefined && this.#sent > this.#pausedUntil) {
        expected = await readHead();
        this.#epoch++;
      }
      if (expected === undefined) {
        const ticket: PredictionTicket = { epoch: -1, args: ["", "", ""] };
        return { result: send(ticket), ticket };
      }
      const proposed = await chainHash(expected.chainHash, leaf);
      this.#predicted = { seq: expected.seq + 1, chainHash: proposed };
      const ticket: PredictionTicket = {
        epoch: this.#epoch,
        args: [String(expected.seq), expected.chainHash, proposed],
      };
      return { result: send(ticket), ticket };
    });
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** Records the outcome of an append: `landed` is true when the script took the predicted hash. */
  settle(ticket: PredictionTicket, landed: boolean): void {
    if (ticket.epoch < 0) return;
    if (landed) {
      if (ticket.epoch === this.#epoch) this.#misses = 0;
      return;
    }
    this.miss(ticket);
  }

  /** Invalidates the prediction chain `ticket` belongs to (an error, or a miss). */
  miss(ticket: PredictionTicket): void {
    if (ticket.epoch < 0 || ticket.epoch !== this.#epoch) return; // an older chain, already dropped
    this.#predicted = undefined;
    this.#epoch++;
    if (++this.#misses >= MISSES_BEFORE_PAUSE) {
      this.#misses = 0;
      this.#pausedUntil = this.#sent + PAUSE_LENGTH;
    }
  }

  /** Forgets the prediction (e.g. after an import wrote entries). */
  reset(): void {
    this.#predicted = undefined;
    this.#epoch++;
  }
}
