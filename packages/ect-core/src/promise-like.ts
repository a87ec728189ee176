/**
 * True when `value` is a promise or another thenable: an answer that must be awaited. Lookups that
 * may answer synchronously (an in-memory store, `EctStore`) are checked once with it, so a
 * synchronous answer costs no promise.
 */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
