import type { Clock } from "ect-core";

/** A settable clock (milliseconds since the epoch) for deterministic ledger tests. */
export interface TestClock extends Clock {
  /** Sets the time, milliseconds since the epoch. */
  set(ms: number): void;
  /** Moves the time forward by `ms`. */
  advance(ms: number): void;
}

/** Creates a {@link TestClock} starting at `startMs` (default 2026-01-01T00:00:00Z). */
export function createTestClock(startMs = 1_767_225_600_000): TestClock {
  let now = startMs;
  const clock = (() => now) as TestClock;
  clock.set = (ms: number) => {
    now = ms;
  };
  clock.advance = (ms: number) => {
    now += ms;
  };
  return clock;
}
