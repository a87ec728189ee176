import { EctConfigError } from "ect-core";
import type { TransparencyLedgerOptions } from "./transparency-ledger.js";

/** The options of a ledger that builds its own backend, split between the backend and the ledger. */
export interface SplitLedgerOptions {
  /** The members the backend takes (named in `backendOptionNames`), for its constructor to check. */
  readonly backend: Record<string, unknown>;
  /** Every other member, for {@link TransparencyLedger}'s constructor to check. */
  readonly ledger: Omit<TransparencyLedgerOptions, "backend">;
}

/**
 * Splits the one options object of a ledger class that builds its own backend (`RedisLedger`,
 * `PostgresLedger`): the members named in `backendOptionNames` go to the backend, the rest to
 * {@link TransparencyLedger}, each of which refuses what it does not know. A `backend` member is
 * refused: such a ledger builds its own.
 *
 * @example
 * ```ts
 * const { backend, ledger } = splitLedgerOptions(options, ["url", "ledgerId"], "SqlLedger");
 * super({ ...ledger, backend: new SqlBackend(backend as SqlBackendOptions) });
 * ```
 *
 * @throws {@link EctConfigError} option `options` for a non-object, `backend` when one is given.
 */
export function splitLedgerOptions(
  options: object,
  backendOptionNames: readonly string[],
  ledgerName: string,
): SplitLedgerOptions {
  if (options === null || typeof options !== "object") {
    throw new EctConfigError("options", "must be an object", { received: options });
  }
  if ("backend" in options) {
    throw new EctConfigError("backend", `is not a ${ledgerName} option: the ledger builds its own backend`);
  }
  const backend: Record<string, unknown> = {};
  const ledger: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    (backendOptionNames.includes(name) ? backend : ledger)[name] = value;
  }
  return { backend, ledger: ledger as Omit<TransparencyLedgerOptions, "backend"> };
}
