/** The server settings an acknowledged write depends on (profile §7 "Backends", PostgreSQL). */
export interface PostgresDurabilitySettings {
  /** `fsync`: off lets the operating system lose committed data in a crash. */
  readonly fsync: string;
  /** `synchronous_commit` as this session sees it: off acknowledges commits before they are flushed. */
  readonly synchronousCommit: string;
  /** `full_page_writes`: off lets a crash during a page write leave a torn, unrecoverable page. */
  readonly fullPageWrites: string;
}

/** What {@link checkPostgresDurability} found. */
export interface PostgresDurabilityReport {
  /** The settings as the server reported them. */
  readonly settings: PostgresDurabilitySettings;
  /** One sentence per setting that can lose an acknowledged write; empty when none. */
  readonly problems: readonly string[];
}

/** The one query method the check needs (a `pg` `Client`, `PoolClient` or `Pool`). */
export interface PostgresQueryable {
  /** Runs one SQL statement and resolves with its rows. */
  query(text: string): Promise<PostgresRows>;
}

/** The part of a `pg` query result the check reads. */
export interface PostgresRows {
  /** The result rows, one object per row keyed by column name. */
  readonly rows: Record<string, unknown>[];
}

/**
 * Reads `fsync`, `synchronous_commit` and `full_page_writes` as the connected session sees them
 * (a role's or database's own `synchronous_commit` counts) and names every one that lets the
 * server acknowledge a commit it can lose in a crash (profile §7: an acknowledged append must
 * survive a crash of the server). `synchronous_commit` values other than `off` (`local`,
 * `remote_write`, `on`, `remote_apply`) all flush the local WAL before acknowledging.
 */
export async function checkPostgresDurability(client: PostgresQueryable): Promise<PostgresDurabilityReport> {
  const { rows } = await client.query(
    "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit, " +
      "current_setting('full_page_writes') AS full_page_writes",
  );
  const row = rows[0] ?? {};
  const settings: PostgresDurabilitySettings = {
    fsync: String(row["fsync"]),
    synchronousCommit: String(row["synchronous_commit"]),
    fullPageWrites: String(row["full_page_writes"]),
  };
  const problems: string[] = [];
  if (settings.fsync !== "on") {
    problems.push("fsync is off: a crash of the machine can lose or corrupt committed appends");
  }
  if (settings.synchronousCommit === "off") {
    problems.push(
      "synchronous_commit is off: commits are acknowledged before they reach disk, so a server crash loses the latest acknowledged appends",
    );
  }
  if (settings.fullPageWrites !== "on") {
    problems.push("full_page_writes is off: a crash during a page write can leave the ledger unrecoverable");
  }
  return { settings, problems };
}
