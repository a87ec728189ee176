import { EctConfigError } from "ect-core";

/**
 * The Redis keys of one ledger. Every key starts with `ect:{<ledgerId>}:`, so they all share one
 * hash tag, live in one Cluster slot, and one server-side script can touch them atomically
 * (profile §7: "all keys of one ledger share one hash tag").
 *
 * | key | type | content |
 * |---|---|---|
 * | `head` | none | the routing key every script is sent with (never written) |
 * | `n` | string | number of sequenced entries (the next index) |
 * | `e:<index>` | hash | one entry (`x` index, `t` token, `j` jti, `w` wid, `i` iss, `a` ingestedAt, `v` WIT, `l` leafHash, `n` append nonce) |
 * | `k` | hash | identity `(wid or "", jti)` lower-cased (`ectKey`) -> index |
 * | `j` | hash | jti lower-cased -> index of the earliest entry with it, in any workflow |
 * | `w:<wid>` | list | indexes of one workflow in order (`w:` for tokens without `wid`) |
 * | `x` | list | conflict evidence records (JSON), id = position |
 * | `xk` | hash | identity key ‖ NUL ‖ token -> conflict id (a conflicting token is recorded once) |
 * | `t:<level>` | hash | tree node index -> hash (hex), level 0 = leaf hashes as integrated |
 * | `c` | list | stored checkpoints (JSON `{size, root, note}`), ascending size |
 * | `cs` | string | integrated size (the latest checkpoint's), the compare-and-set value |
 * | `lock` | string | the ledger lock (appends under `unresolvedPredecessors: "allow"`) |
 */
export interface RedisLedgerKeys {
  /** The common prefix `ect:{<ledgerId>}:`. */
  readonly prefix: string;
  /** The routing key every script is sent with. */
  readonly head: string;
  /** The entry counter. */
  readonly size: string;
  /** The identity index. */
  readonly identity: string;
  /** The jti index (any workflow). */
  readonly jti: string;
  /** The conflict evidence list. */
  readonly conflicts: string;
  /** The checkpoint list. */
  readonly checkpoints: string;
  /** The ledger lock. */
  readonly lock: string;
  /** The hash of entry `index`. */
  entry(index: number): string;
  /** The hash of tree nodes of `level`. */
  nodes(level: number): string;
  /** The list of one workflow's indexes (`null`/`undefined`: tokens without `wid`). */
  workflow(wid: string | null | undefined): string;
}

const LEDGER_ID = /^[\x21-\x7a\x7c\x7e]{1,200}$/; // printable ASCII without space, `{` and `}`

/**
 * Checks a ledger id: 1-200 printable ASCII characters without spaces or braces (a brace would
 * break the hash tag that keeps the ledger in one Cluster slot).
 *
 * @throws {@link EctConfigError} (code `ECT_CONFIG_INVALID`)
 */
export function assertLedgerId(ledgerId: unknown): asserts ledgerId is string {
  if (typeof ledgerId !== "string" || !LEDGER_ID.test(ledgerId)) {
    throw new EctConfigError(
      "ledgerId",
      "must be 1-200 printable ASCII characters without spaces, '{' or '}'",
      {
        received: ledgerId,
      },
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
 * @throws {@link EctConfigError} (code `ECT_CONFIG_INVALID`) for an invalid ledger id.
 */
export function redisLedgerKeys(ledgerId: string): RedisLedgerKeys {
  assertLedgerId(ledgerId);
  const prefix = `ect:{${ledgerId}}:`;
  return Object.freeze({
    prefix,
    head: `${prefix}head`,
    size: `${prefix}n`,
    identity: `${prefix}k`,
    jti: `${prefix}j`,
    conflicts: `${prefix}x`,
    checkpoints: `${prefix}c`,
    lock: `${prefix}lock`,
    entry: (index: number) => `${prefix}e:${index}`,
    nodes: (level: number) => `${prefix}t:${level}`,
    workflow: (wid: string | null | undefined) => `${prefix}w:${(wid ?? "").toLowerCase()}`,
  });
}
