import { usageError } from "./cli-error.js";

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * Parses a `--now` value: seconds since the epoch (`1700000000`, fractions allowed) or an ISO 8601
 * date-time with a zone (`2023-11-14T22:13:20Z`, `2023-11-14T23:13:20+01:00`) or a date
 * (`2023-11-14`, midnight UTC). Returns milliseconds since the epoch. A time without a zone is
 * refused: it would depend on the machine's time zone.
 */
export function parseTimeInput(value: string, option: string): number {
  const text = value.trim();
  if (/^\d{1,12}(?:\.\d{1,9})?$/.test(text)) return Math.round(Number(text) * 1000);
  const match = ISO_8601.exec(text);
  if (match) {
    const [, , month, day, hour, , , , zone] = match;
    const ms = Date.parse(hour === undefined ? `${text}T00:00:00Z` : text.replace(" ", "T"));
    // Date.parse rolls 2023-02-30 over to March: check the fields it read back.
    const valid =
      Number.isFinite(ms) &&
      Number(month) >= 1 &&
      Number(month) <= 12 &&
      Number(day) >= 1 &&
      (zone !== undefined || hour === undefined) &&
      new Date(ms + (zone && zone !== "Z" ? zoneOffsetMs(zone) : 0)).getUTCDate() === Number(day);
    if (valid) return ms;
  }
  throw usageError(
    `${option} ${JSON.stringify(value)} is not a time`,
    `give seconds since the epoch (${option} 1700000000) or ISO 8601 with a zone (${option} 2023-11-14T22:13:20Z)`,
  );
}

function zoneOffsetMs(zone: string): number {
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/** Parses a positive whole number of seconds (`--exp-in`). */
export function parsePositiveSeconds(value: string, option: string): number {
  if (!/^\d{1,9}$/.test(value.trim()) || Number(value) < 1) {
    throw usageError(
      `${option} ${JSON.stringify(value)} is not a positive whole number of seconds`,
      `e.g. ${option} 300`,
    );
  }
  return Number(value);
}
