/**
 * Text from tokens and ledgers is attacker-controlled: printed raw, control characters could move
 * the cursor, rewrite earlier lines or change the terminal's title, and bidi overrides could make
 * a claim read differently from what it is. Everything this command prints from a token goes
 * through these functions.
 */

/** C0 controls, DEL, C1 controls, zero-width and bidi formatting characters, separators, BOM. */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/gu;
/** The same without C0 controls: `JSON.stringify` escapes those inside strings, and its own line breaks are layout. */
const UNSAFE_IN_JSON =
  /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/gu;

function escapeChar(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** One line of attacker-controlled text made safe for a terminal: every unsafe character as `\uXXXX`. */
export function displayText(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/**
 * JSON for a terminal or a pipe: `JSON.stringify` already escapes C0 controls; this also escapes
 * C1 controls and bidi/zero-width characters (they can only occur inside strings, where `\uXXXX`
 * is the same value), so the output is still the same JSON. `indent` 0 prints one line.
 */
export function safeJson(value: unknown, indent = 2): string {
  return (JSON.stringify(value, null, indent) ?? "null").replace(UNSAFE_IN_JSON, escapeChar);
}

/** `2023-11-14T22:13:20Z` (no milliseconds when there are none), or undefined for an impossible time. */
export function isoTime(ms: number): string | undefined {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return undefined;
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

function unit(value: number, name: string): string {
  return `${value} ${name}${value === 1 ? "" : "s"}`;
}

/** A duration in words, rounded down to its two largest units: `3 minutes 5 seconds`, `2 days 4 hours` (a year is 365 days). */
export function durationText(seconds: number): string {
  let s = Math.floor(Math.abs(seconds));
  if (s < 60) return unit(s, "second");
  const parts: [number, string][] = [];
  const years = Math.floor(s / 31_536_000);
  s -= years * 31_536_000;
  const days = Math.floor(s / 86_400);
  s -= days * 86_400;
  const hours = Math.floor(s / 3_600);
  s -= hours * 3_600;
  const minutes = Math.floor(s / 60);
  s -= minutes * 60;
  if (years > 0) parts.push([years, "year"], [days, "day"]);
  else if (days > 0) parts.push([days, "day"], [hours, "hour"]);
  else if (hours > 0) parts.push([hours, "hour"], [minutes, "minute"]);
  else parts.push([minutes, "minute"], [s, "second"]);
  return parts
    .filter(([value], i) => i === 0 || value > 0)
    .map(([value, name]) => unit(value, name))
    .join(" ");
}

/** `in 5 minutes`, `3 seconds ago`, `now`, relative to `nowSec`. */
export function relativeTime(atSec: number, nowSec: number): string {
  const delta = atSec - nowSec;
  if (Math.abs(delta) < 1) return "now";
  return delta > 0 ? `in ${durationText(delta)}` : `${durationText(delta)} ago`;
}

/** A time claim for people: `1700000000 = 2023-11-14T22:13:20Z (5 minutes ago)`. */
export function humanTime(value: unknown, nowSec: number): string {
  if (value === undefined) return "(absent)";
  if (typeof value !== "number" || !Number.isFinite(value))
    return `${displayText(JSON.stringify(value) ?? String(value))} (not a time)`;
  const iso = isoTime(value * 1000);
  if (iso === undefined) return `${value} (out of range)`;
  return `${value} = ${iso} (${relativeTime(value, nowSec)})`;
}

/** The first 12 hex digits of a hash followed by `…`, for tables. */
export function shortHash(hex: string): string {
  return hex.length > 12 ? `${hex.slice(0, 12)}…` : hex;
}
