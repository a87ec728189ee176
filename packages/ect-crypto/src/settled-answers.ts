/**
 * Promises made already settled, with their value: a verification step that receives one goes on
 * synchronously instead of waiting a microtask for a value it already has (the in-memory replay
 * cache's and the static key resolver's answers). Only promises fulfilled at creation are marked,
 * so a known one's value is its value.
 *
 * @internal
 */
const settledValues = new WeakMap<Promise<unknown>, unknown>();

/**
 * A promise fulfilled with `value` whose value the verification steps can read at once. A thenable
 * `value` is not marked: `Promise.resolve` adopts its eventual state, which is not `value` itself.
 */
export function settledPromise<T>(value: T): Promise<T> {
  const promise = Promise.resolve(value);
  if (!isThenable(value)) settledValues.set(promise, value);
  return promise;
}

function isThenable(value: unknown): boolean {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/** Whether `answer` is a promise made by {@link settledPromise} (its value is then {@link settledValue}). */
export function isSettledPromise(answer: unknown): answer is Promise<unknown> {
  return typeof answer === "object" && answer !== null && settledValues.has(answer as Promise<unknown>);
}

/** The value of a promise {@link isSettledPromise} recognised. */
export function settledValue<T>(promise: Promise<T>): T {
  return settledValues.get(promise) as T;
}
