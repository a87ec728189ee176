import { sha256Base64url } from "ect-core";

/** The most body bytes read by default before answering 413: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** A body encoded once, with the hash of exactly those bytes (SPEC 3 hash helper). */
export interface PreparedBody {
  /**
   * The bytes to send: send these, not a re-serialisation. Backed by an `ArrayBuffer`, so they are a
   * valid fetch `BodyInit` under TypeScript's DOM library.
   */
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** SHA-256 of `bytes`, unpadded base64url: the value for `inp_hash` / `out_hash`. */
  readonly hash: string;
}

const encoder = new TextEncoder();

/**
 * Encodes a body once (a string as UTF-8) and hashes exactly those bytes, so the `out_hash` of the
 * ECT you sign and the body you send cannot drift apart (SPEC 3: "nothing hashes a
 * re-serialisation").
 *
 * @example
 * ```ts
 * const body = await prepareBody(JSON.stringify({ approved: true }));
 * const ect = await createEct({ ...claims, out_hash: body.hash }, key);
 * await fetch(url, withExecutionContext({ method: "POST", body: body.bytes }, ect));
 * ```
 */
export async function prepareBody(body: string | Uint8Array): Promise<PreparedBody> {
  // Bytes over a SharedArrayBuffer are copied: fetch cannot send them (not a BodyInit).
  const bytes =
    typeof body === "string"
      ? encoder.encode(body)
      : body.buffer instanceof ArrayBuffer
        ? (body as Uint8Array<ArrayBuffer>)
        : new Uint8Array(body);
  return { bytes, hash: await sha256Base64url(bytes) };
}

/** Thrown internally when a body exceeds its limit; turned into a 413 refusal. */
export class BodyTooLargeError extends Error {
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;
  /** @param limit the limit that was exceeded, in bytes */
  constructor(limit: number) {
    super(`the body is larger than ${limit} bytes`);
    this.name = "BodyTooLargeError";
    this.limit = limit;
  }
}

/** Concatenates chunks into one array. */
export function concatChunks(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.byteLength === total) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** Rejects early when a declared `Content-Length` already exceeds the limit. */
export function checkDeclaredLength(contentLength: string | null | undefined, maxBytes: number): void {
  if (contentLength === null || contentLength === undefined) return;
  if (/^[0-9]+$/.test(contentLength) && Number(contentLength) > maxBytes) {
    throw new BodyTooLargeError(maxBytes);
  }
}

/**
 * Reads a web stream to its end, at most `maxBytes` bytes; cancels the stream and throws
 * {@link BodyTooLargeError} past the limit.
 */
export async function readStreamLimited(
  stream: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array> {
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return concatChunks(chunks, total);
}
