/**
 * Turning script replies into frozen ledger values.
 *
 * @internal
 */
import { type ConflictRecord, decodeEct, EctError, EctErrorCodes, type LedgerEntry } from "ect-core";
import type { LedgerEntryRecord, LedgerHead } from "ect-core/internal";

/** An entry as stored, before its token is decoded. */
export interface RawEntry extends LedgerEntryRecord {
  /** Predecessors the DAG rules allowed while unresolved when it was appended. */
  readonly unresolved: readonly string[];
  /**
   * The copies of claims the append script's DAG rules read (`iat`, `pred` comma-joined,
   * `ect_ext.pol_decision`), as stored; `verifyChain` checks them against the token.
   */
  readonly dagFields: { readonly iat: string; readonly pred: string; readonly policyDecision: string };
}

function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (typeof value === "number") return String(value);
  return undefined;
}

/**
 * Parses the `HMGET s t j w i a l c u ia p pd` array of one entry; `undefined` when the entry does not
 * exist. Fields that are missing (storage tampered with) come back as empty strings / NaN, which
 * `verifyChain` then reports.
 */
export function parseRawEntry(reply: unknown): RawEntry | undefined {
  if (!Array.isArray(reply) || reply.length < 9) return undefined;
  const [s, t, j, w, i, a, l, c, u, ia, p, pd] = reply.map(text);
  if (s === undefined && t === undefined) return undefined;
  return Object.freeze({
    seq: Number(s),
    token: t ?? "",
    jti: j ?? "",
    wid: w === undefined || w === "" ? null : w,
    iss: i ?? "",
    ingestedAt: Number(a),
    leafHash: l ?? "",
    chainHash: c ?? "",
    unresolved: Object.freeze(u === undefined || u === "" ? [] : u.split(",")),
    dagFields: Object.freeze({ iat: ia ?? "", pred: p ?? "", policyDecision: pd ?? "" }),
  });
}

/** Parses a `{seq, chain}` pair. */
export function parseHead(seq: unknown, chain: unknown): LedgerHead {
  return Object.freeze({ seq: Number(text(seq) ?? "0"), chainHash: text(chain) ?? "" });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * The public, deep-frozen {@link LedgerEntry} of a stored entry: its claims are decoded from the
 * stored token (never stored separately, so they cannot disagree with it).
 *
 * @param decodedClaims - The claims of `raw.token` when the caller decoded it already.
 * @throws {@link EctError} `ECT_LEDGER_CHAIN_BROKEN` when the stored token no longer decodes
 *   (storage altered behind the ledger's back).
 */
export function toLedgerEntry(raw: RawEntry, decodedClaims?: LedgerEntry["claims"]): LedgerEntry {
  let claims: LedgerEntry["claims"];
  try {
    claims = decodedClaims ?? (decodeEct(raw.token).claims as unknown as LedgerEntry["claims"]);
  } catch (error) {
    throw new EctError(
      EctErrorCodes.LEDGER_CHAIN_BROKEN,
      `the token stored at seq ${raw.seq} does not decode: the storage was altered`,
      { cause: error },
    );
  }
  return Object.freeze({
    seq: raw.seq,
    token: raw.token,
    claims: deepFreeze(claims),
    jti: raw.jti,
    wid: raw.wid,
    iss: raw.iss,
    ingestedAt: raw.ingestedAt,
    leafHash: raw.leafHash,
    chainHash: raw.chainHash,
  });
}

/** The export form of an entry, members in the order of {@link LedgerEntryRecord}. */
export function toRecord(raw: RawEntry): LedgerEntryRecord {
  return {
    seq: raw.seq,
    token: raw.token,
    jti: raw.jti,
    wid: raw.wid,
    iss: raw.iss,
    ingestedAt: raw.ingestedAt,
    leafHash: raw.leafHash,
    chainHash: raw.chainHash,
  };
}

/** Parses one conflict evidence record (stored as JSON with string values) with its id. */
export function parseConflict(id: number, json: unknown): ConflictRecord {
  const source = text(json);
  const record = JSON.parse(source ?? "{}") as Record<string, unknown>;
  const wid = typeof record["wid"] === "string" && record["wid"] !== "" ? record["wid"] : null;
  return Object.freeze({
    id,
    wid,
    jti: String(record["jti"] ?? ""),
    token: String(record["token"] ?? ""),
    existingSeq: Number(record["existingSeq"]),
    receivedAt: Number(record["receivedAt"]),
  });
}
