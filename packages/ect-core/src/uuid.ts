const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True when `value` is a UUID in the RFC 9562 textual form (8-4-4-4-12 hex digits,
 * case-insensitive) (SPEC 3: `jti`, `wid`, `pred` entries).
 */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && value.length === 36 && UUID_RE.test(value);
}

/**
 * The identity key of an ECT: `(wid or "", jti)` with both UUIDs lower-cased, since UUIDs compare
 * case-insensitively (SPEC 3, 5.10, 7). Ledgers, replay caches and DAG stores all key on this.
 */
export function ectKey(wid: string | undefined | null, jti: string): string {
  return `${(wid ?? "").toLowerCase()}|${jti.toLowerCase()}`;
}
