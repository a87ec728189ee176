import { EctError, EctErrorCodes } from "ect-core";

/**
 * The Redis keys of one ledger. Every key starts with `ect:{<ledgerId>}:`, so they all share one
 * hash tag, live in one Cluster slot, and one server-side script can touch them atomically
 * (SPEC 7: "all keys of one ledger share one hash tag").
 *
 * | key | type | content |
 * |---|---|---|
 * | `head` | hash | `s`: last sequence number, `c`: last chain hash |
 * | `e:<seq>` | hash | one entry (`t` token, `j` jti, `w` wid, `i` iss, `a` ingestedAt, `l` leafHash, `c` chainHash, `n` append nonce, `ia` iat, `p` pred, `pd` policy decision, `u` unresolved predecessors) |
 * | `k` | hash | identity `(wid or "", jti)` lower-cased (`ectKey`) -> seq |
 * | `j` | hash | jti lower-cased -> seq of the earliest entry with it, in any workflow |
 * | `w:<wid>` | list | seqs of one workflow in order (`w:` for tokens without `wid`) |
 * | `x` | list | conflict evidence records (JSON), id = position + 1 |
 * | `xn` | hash | append nonce -> conflict id (a retried conflicting append records once) |
 */
export interface RedisLedgerKeys {
  /** The common prefix `ect:{<ledgerId>}:`. */
  readonly prefix: string;
  /** The head hash (the key every script is routed by). */
  readonly head: string;
  /** The identity index. */
  readonly identity: string;
  /** The jti index (any workflow). */
  readonly jti: string;
  /** The conflict evidence list. */
  readonly conflicts: string;
  /** The conflict nonce index. */
  readonly conflictNonces: string;
  /** The hash of entry `seq`. */
  entry(seq: number): string;
  /** The list of one workflow's seqs (`null`/`undefined`: tokens without `wid`). */
  workflow(wid: string | null | undefined): string;
}

const LEDGER_ID = /^[\x21-\x7a\x7c\x7e]{1,200}$/; // printable ASCII without space, `{` and `}`

/**
 * Checks a ledger id: 1-200 printable ASCII characters without spaces or braces (a brace would
 * break the hash tag that keeps the ledger in one Cluster slot).
 *
 * @throws {@link EctError} `ECT_CONFIG_INVALID`
 */
export function assertLedgerId(ledgerId: unknown): asserts ledgerId is string {
  if (typeof ledgerId !== "string" || !LEDGER_ID.test(ledgerId)) {
    throw new EctError(
      EctErrorCodes.CONFIG_INVALID,
      "ledgerId must be 1-200 printable ASCII characters without spaces, '{' or '}'",
      { member: "ledgerId" },
    );
  }
}

/**
 * The keys of the ledger `ledgerId` (see {@link RedisLedgerKeys} for the layout). Useful to
 * inspect, back up or (in tests) tamper with a ledger with raw Redis commands.
 *
 * @example
 * ```ts
 * const keys = redisLedgerKeys("orders");
 * keys.head; // "ect:{orders}:head"
 * keys.entry(7); // "ect:{orders}:e:7"
 * ```
 * @throws {@link EctError} `ECT_CONFIG_INVALID` for an invalid ledger id.
 */
export function redisLedgerKeys(ledgerId: string): RedisLedgerKeys {
  assertLedgerId(ledgerId);
  const prefix = `ect:{${ledgerId}}:`;
  return Object.freeze({
    prefix,
    head: `${prefix}head`,
    identity: `${prefix}k`,
    jti: `${prefix}j`,
    conflicts: `${prefix}x`,
    conflictNonces: `${prefix}xn`,
    entry: (seq: number) => `${prefix}e:${seq}`,
    workflow: (wid: string | null | undefined) => `${prefix}w:${(wid ?? "").toLowerCase()}`,
  });
}
