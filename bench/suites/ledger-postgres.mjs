// PostgresLedger.append (one transaction per batch of appends under the ledger's advisory lock:
// identity, DAG rules, index, insert, commit with synchronous_commit on) against a raw single-row
// INSERT of the same token bytes in one transaction, from the same pg pool to the same private
// PostgreSQL server (fsync on: both sides wait for the WAL flush), interleaved.
import { randomUUID } from "node:crypto";
import { compare } from "../lib/measure.mjs";
import { importPackage } from "../lib/suite.mjs";
import { consecutiveSlices, workflowTokens } from "../lib/tokens.mjs";

export default {
  title: "PostgresLedger.append vs a raw single-row INSERT of the same bytes (same pool, same server)",
  async run(ctx) {
    const { PostgresLedger } = await importPackage("ect-ledger-postgres", ["PostgresLedger"]);
    const { startPostgresServer } = await importPackage("ect-ledger-postgres/testing", [
      "startPostgresServer",
    ]);
    const { default: pg } = await importPackage("pg");
    const server = await startPostgresServer();
    // Stop our server (by its PID) on Ctrl-C too: Node's default SIGINT exit skips exit hooks.
    const onSignal = () => {
      server.stop().finally(() => process.exit(130));
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const pool = new pg.Pool({ connectionString: server.connectionString, max: 16 });
    pool.on("error", (error) => ctx.log(`pg pool error: ${error.message}`));
    const version = (await pool.query("SHOW server_version")).rows[0].server_version;
    ctx.log(`PostgreSQL ${version} pid ${server.pid}, unix socket ${server.socketDir}, fsync on`);
    const ledger = new PostgresLedger({ pool, ledgerId: `bench-${randomUUID()}` });
    try {
      await ledger.migrate();
      await pool.query("CREATE TABLE bench_raw (id bigserial PRIMARY KEY, token text NOT NULL)");
      // Counts are multiples of 16, the length of the bench's workflows: a slice never starts in
      // the middle of a chain whose earlier tasks were not appended (the DAG rules are on).
      const plan = ctx.quick
        ? [
            { inflight: 1, count: 96, rounds: 3 },
            { inflight: 64, count: 1024, rounds: 3 },
          ]
        : [
            { inflight: 1, count: 304, rounds: 6 },
            { inflight: 64, count: 3072, rounds: 6 },
          ];
      for (const { inflight, count, rounds } of plan) {
        const tokens = workflowTokens(count * (rounds + 1));
        const ledgerSlice = consecutiveSlices(count);
        const rawSlice = consecutiveSlices(count);
        const baseline = {
          prepare: () => {
            const from = rawSlice();
            // One statement outside BEGIN/COMMIT is one transaction: the cheapest durable write.
            return (i) =>
              pool.query("INSERT INTO bench_raw (token) VALUES ($1)", [tokens[from + (i % count)]]);
          },
        };
        const subject = {
          prepare: () => {
            const from = ledgerSlice();
            return async (i) => {
              const result = await ledger.append(tokens[from + (i % count)]);
              if (result.status !== "appended") {
                const why = result.violations?.map((v) => `${v.code}: ${v.message}`).join("; ") ?? "";
                throw new Error(`append: ${result.status} ${why}`);
              }
            };
          },
        };
        const r = await compare({ subject, baseline, count, inflight, rounds });
        const mode = inflight === 1 ? "sequential" : `${inflight} in flight`;
        ctx.record({ name: `raw INSERT, ${mode}`, ...r.baseline, inflight });
        ctx.record({
          name: `PostgresLedger.append, ${mode}`,
          ...r.subject,
          inflight,
          ratio: r.ratio,
          p50Ratio: r.baseline.p50Us / r.subject.p50Us,
          ratioTo: "raw INSERT",
          target: { op: ">=", value: 0.5 },
        });
      }
      ctx.log(`ledger size after the run: ${await ledger.size()}`);
    } finally {
      await ledger.close();
      await pool.end();
      await server.stop();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  },
};
