import { integerOption } from "ect-core/internal";

/**
 * Making attacker-controlled text (`exec_act`, `jti`, ...) safe to show. Every renderer first
 * cleans a label here, then escapes it for its own syntax; node ids are never derived from claims.
 */

/** Line breaks and tabs: shown as one space. */
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/gu;
/**
 * Controls, format characters (bidi overrides, zero-width joiners), lone surrogates, private use
 * and unassigned code points: shown as U+FFFD so nothing invisible reaches a renderer or terminal.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]/gu;

/**
 * The text with line breaks as spaces, invisible and control characters replaced by U+FFFD, and
 * cut to `maxLength` code points (the last one then an ellipsis). Internal.
 */
export function cleanLabel(text: string, maxLength: number): string {
  const cleaned = text.replace(BREAKS, " ").replace(INVISIBLE, "\uFFFD");
  const points = Array.from(cleaned);
  if (points.length <= maxLength) return cleaned;
  return maxLength <= 1 ? "…".slice(0, maxLength) : `${points.slice(0, maxLength - 1).join("")}…`;
}

/**
 * The last `length` code points of an id such as a `jti`, cleaned, after `mark` when cut. The end
 * rather than the start: a time-ordered UUID (v7) shares its first characters with every UUID made
 * in the same minute, while the last ones are random in v4 and v7 alike. Internal.
 */
export function shortId(id: string, length = 8, mark = "…"): string {
  const points = Array.from(cleanLabel(id, Number.MAX_SAFE_INTEGER));
  return points.length <= length ? points.join("") : mark + points.slice(-length).join("");
}

/** Checks a label length option: a positive integer. Internal. */
export function checkLabelLength(value: number | undefined, fallback: number, name: string): number {
  return integerOption(value, fallback, name, 1);
}
