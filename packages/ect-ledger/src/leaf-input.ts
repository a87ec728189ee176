import { EctError, EctErrorCodes } from "ect-core";
import { toHex } from "ect-core/internal";
import { hashAsciiLeaf } from "./merkle-hash.js";

/** What a leaf commits to (profile §7 "Leaf input"). */
export interface LeafInputFields {
  /** The token exactly as received. */
  readonly token: string;
  /** Ingestion time, integer milliseconds since the epoch. */
  readonly ingestedAt: number;
  /** The WIT the token was accepted on (profile §9), or `null`/absent. */
  readonly wit?: string | null;
}

/** Compact JWS/JWT characters: base64url and dots, so the JSON below needs no escaping (profile §7). */
const COMPACT = /^[A-Za-z0-9_.-]+$/;

const encoder = new TextEncoder();

/**
 * The leaf input of profile §7: the UTF-8 bytes of `{"ect":"<token>","ingested_at":<ms>}`, with a
 * third member `"wit":"<WIT>"` when the entry was accepted on a WIT; exactly these members, in this
 * order, no whitespace. The only writer of this format.
 *
 * @throws {@link EctError} `ECT_LEDGER_APPEND_FAILED` when the token or WIT holds a character
 *   outside base64url and `.`, or `ingestedAt` is not a non-negative safe integer.
 */
export function leafInput(fields: LeafInputFields): Uint8Array {
  return encoder.encode(leafInputText(fields));
}

/** {@link leafInput} as a string (what the tlog-proof receipt's `extra` line base64-encodes). */
export function leafInputText({ token, ingestedAt, wit }: LeafInputFields): string {
  if (typeof token !== "string" || !COMPACT.test(token)) {
    throw new EctError(
      EctErrorCodes.LEDGER_APPEND_FAILED,
      "a ledger token must be base64url segments and dots",
    );
  }
  if (typeof ingestedAt !== "number" || !Number.isSafeInteger(ingestedAt) || ingestedAt < 0) {
    throw new EctError(EctErrorCodes.LEDGER_APPEND_FAILED, "ingestedAt must be a non-negative integer (ms)");
  }
  if (wit === undefined || wit === null) return `{"ect":"${token}","ingested_at":${ingestedAt}}`;
  if (typeof wit !== "string" || !COMPACT.test(wit)) {
    throw new EctError(EctErrorCodes.LEDGER_APPEND_FAILED, "a WIT must be base64url segments and dots");
  }
  return `{"ect":"${token}","ingested_at":${ingestedAt},"wit":"${wit}"}`;
}

/** The leaf hash of an entry (profile §7) as lower-case hex: what entries and receipts carry. */
export function entryLeafHash(fields: LeafInputFields): string {
  // The leaf input is ASCII (checked by leafInputText): hashed without encoding it separately.
  return toHex(hashAsciiLeaf(leafInputText(fields)));
}

/** The fields read back from a leaf input by {@link parseLeafInput}. */
export interface ParsedLeafInput {
  /** The token exactly as appended. */
  readonly token: string;
  /** Ingestion time, integer milliseconds since the epoch. */
  readonly ingestedAt: number;
  /** The WIT the token was accepted on, or `null`. */
  readonly wit: string | null;
}

const LEAF_INPUT_SHAPE = /^\{"ect":"([^"]*)","ingested_at":([0-9]+)(?:,"wit":"([^"]*)")?\}$/;

/**
 * Reads a leaf input back (a receipt's `extra` line, profile §7), strictly: the fields are taken
 * apart, written again by {@link leafInputText} (the one writer of the format) and the bytes must be
 * identical, so exactly one byte string is accepted for given fields.
 *
 * @returns the fields, or `undefined` when `bytes` is not a leaf input.
 */
export function parseLeafInput(bytes: Uint8Array): ParsedLeafInput | undefined {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const match = LEAF_INPUT_SHAPE.exec(text);
  if (match === null) return undefined;
  const fields: ParsedLeafInput = { token: match[1]!, ingestedAt: Number(match[2]), wit: match[3] ?? null };
  try {
    if (leafInputText(fields) !== text) return undefined;
  } catch {
    return undefined;
  }
  return fields;
}
