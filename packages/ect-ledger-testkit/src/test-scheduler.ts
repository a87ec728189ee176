import type { CheckpointScheduler } from "ect-ledger";

/** A checkpoint timer the suite fires by hand: checks drive time by progress, never by wall clock. */
export interface TestScheduler extends CheckpointScheduler {
  /** Tasks scheduled and not yet fired or cancelled, with their delays. */
  readonly pending: readonly {
    /** The delay it was scheduled with. */
    readonly ms: number;
  }[];
  /** Fires every pending task (as if their delays had passed) and returns how many ran. */
  fire(): number;
}

/** Creates a {@link TestScheduler}. */
export function createTestScheduler(): TestScheduler {
  let tasks: { task: () => void; ms: number }[] = [];
  return {
    get pending() {
      return tasks.map(({ ms }) => ({ ms }));
    },
    schedule(task, ms) {
      const handle = { task, ms };
      tasks.push(handle);
      return handle;
    },
    cancel(handle) {
      tasks = tasks.filter((t) => t !== handle);
    },
    fire() {
      const due = tasks;
      tasks = [];
      for (const { task } of due) task();
      return due.length;
    },
  };
}
