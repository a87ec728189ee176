/**
 * The parts of an HTTP request a WPT is checked against (profile §9.3): the target URI and the
 * header fields. Runtime-neutral: a fetch `Headers`, or a record of field values where an array
 * holds one entry per field line (as `ect-http/node` builds it from `rawHeaders`), so a repeated
 * field line can be told from one line containing commas (profile §8).
 */
export interface WorkloadRequest {
  /**
   * The request's target URI as this receiver knows itself to be addressed, e.g.
   * `https://workload.example.com/path?x=1`. Take the scheme and authority from configuration,
   * never from the request's `Host` or `X-Forwarded-Host` (draft-ietf-wimse-wpt, audience
   * validation); query and fragment are ignored.
   */
  readonly url: string;
  /** The request's header fields. Names compare case-insensitively. */
  readonly headers: HeaderFields;
}

/** Header fields: a fetch `Headers`, or a record whose arrays list one value per field line. */
export type HeaderFields = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** The target URI without query and fragment (profile §9.3 `aud`), exactly as given otherwise. */
export function targetUriWithoutQuery(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/**
 * The field lines of one header field (lower-cased name): `[]` when absent. A fetch `Headers` joins
 * repeated lines with `, ` and so always yields one value; a record keeps them apart.
 */
export function fieldLines(headers: HeaderFields, name: string): readonly string[] {
  if (typeof (headers as Headers).get === "function" && typeof (headers as Headers).has === "function") {
    const value = (headers as Headers).get(name);
    return value === null ? [] : [value];
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const lines: string[] = [];
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() !== name) continue;
    const value = record[key];
    if (typeof value === "string") lines.push(value);
    else if (Array.isArray(value)) lines.push(...(value as string[]));
  }
  return lines;
}

/** A token in `Authorization: Bearer <token>`, if the request carries one (RFC 6750). */
export function bearerToken(headers: HeaderFields): string | undefined {
  const lines = fieldLines(headers, "authorization");
  if (lines.length !== 1) return undefined;
  const match = /^\s*Bearer\s+([^\s]+)\s*$/i.exec(lines[0]!);
  return match?.[1];
}
