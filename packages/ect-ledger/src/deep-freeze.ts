/**
 * Freezes `value` and every object reachable from it, so nothing a ledger hands out can change
 * what it stores (SPEC 7: append-only). Returns `value`.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
