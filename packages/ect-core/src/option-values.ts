/**
 * The checks of single option values (integers in a range, one of a few strings, booleans), each
 * throwing the one {@link EctConfigError} format with the option's path. Every package's option
 * parser uses these rather than its own copy, so a mistake reads the same everywhere (issue 14).
 */
import { EctConfigError } from "./errors.js";

function integerRequirement(min: number, max: number): string {
  if (max < Number.MAX_SAFE_INTEGER) return `must be an integer from ${min} to ${max}`;
  if (min === 0) return "must be a non-negative integer";
  if (min === 1) return "must be a positive integer";
  return `must be an integer >= ${min}`;
}

/**
 * An integer option from `min` to `max` (safe integers only; `NaN`, fractions and strings are
 * refused), or `fallback` when it is absent.
 *
 * @throws {@link EctConfigError} naming `option`.
 */
export function integerOption<F extends number | undefined>(
  value: unknown,
  fallback: F,
  option: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number | F {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new EctConfigError(option, integerRequirement(min, max), { received: value });
  }
  return value;
}

/**
 * An option that is one of `allowed`, or the first of them when it is absent.
 *
 * @throws {@link EctConfigError} naming `option`.
 */
export function choiceOption<T extends string>(value: unknown, allowed: readonly T[], option: string): T {
  if (value === undefined) return allowed[0]!;
  if (!(allowed as readonly unknown[]).includes(value)) {
    throw new EctConfigError(option, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`, {
      received: value,
    });
  }
  return value as T;
}

/**
 * A boolean option, or `fallback` when it is absent (`"false"` or `0` are refused, never read as
 * a boolean).
 *
 * @throws {@link EctConfigError} naming `option`.
 */
export function booleanOption(value: unknown, fallback: boolean, option: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new EctConfigError(option, "must be a boolean", { received: value });
  return value;
}
