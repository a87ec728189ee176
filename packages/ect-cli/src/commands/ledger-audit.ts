import type { AuditTokenVerifier } from "ect-core/internal";
import { type AuditProblem, auditLedger, type TransparencyLedger } from "ect-ledger";
import { ExitCode, type ExitStatus, usageError } from "../cli-error.js";
import { type Command, type CommandContext, flagOption, listOption } from "../command-context.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { fileLines } from "../input-files.js";
import { CLI_LEDGER_ORIGIN, type LedgerLocation, openServerLedger } from "../ledger-location.js";
import { createProgress } from "../progress.js";
import { displayText, safeJson } from "../terminal-text.js";
import { KEY_BINDING_SECTION, loadTrust, TRUST_OPTIONS } from "../trust-options.js";
import { LEDGER_OPTIONS, ledgerLocationOf } from "./ledger-options.js";

const spec: CommandSpec = {
  name: "ledger audit",
  summary: "audit a ledger and report every broken entry",
  usage: ["--ledger LEDGER --trust ISS=FILE... [--json]", "--ledger LEDGER --no-verify [--json]"],
  description:
    "Checks the whole ledger and reports every problem with its entry (seq, jti), not just the first (profile §7): " +
    "every leaf recomputed from its token, time and WIT, the Merkle tree against every stored checkpoint, each entry against its token, each token re-verified in audit mode " +
    "(profile §5 step 11: the signature with the key trusted for its issuer, header and claim rules), and the DAG rules (profile §6). " +
    "A memory ledger file is audited as it is on disk, line by line, so a tampered file is reported entry by entry. " +
    "Exit 0 when nothing is wrong, 1 when anything is.\n" +
    "--no-verify skips the signatures (say so explicitly: an audit that checks no signature cannot see a forged token); " +
    "the report then says they were not verified.",
  options: {
    ...LEDGER_OPTIONS,
    ...TRUST_OPTIONS,
    "no-verify": {
      type: "boolean",
      description: "audit without checking signatures (hash chain, claim and DAG rules only)",
    },
    json: { type: "boolean", description: "print the report as one JSON document on stdout" },
  },
  positionals: { min: 0, max: 0, name: "" },
  sections: [KEY_BINDING_SECTION],
  examples: [
    "ect ledger audit --ledger ledger.jsonl --trust spiffe://example.org/a=a.jwks.json --trust spiffe://example.org/b=b.pem",
    "ect ledger audit --ledger redis://127.0.0.1:6379 --ledger-id loans --no-verify --json",
  ],
};

/** A problem of the report: an audit problem, or the line of the file that cannot be read. */
type ReportedProblem = AuditProblem & { readonly line?: number };

async function openForAudit(
  context: CommandContext,
  location: LedgerLocation,
): Promise<{
  ledger: TransparencyLedger;
  lineProblems: ReportedProblem[];
  close(): Promise<void>;
}> {
  if (location.kind === "redis" || location.kind === "postgres") {
    const ledger = await openServerLedger(location, context.warn, false);
    return { ledger, lineProblems: [], close: () => ledger.close() };
  }
  const progress = createProgress({
    stream: context.io.stderr,
    label: "reading",
    unit: "lines",
    clock: context.now,
  });
  const [{ MemoryLedger }, { importLedgerJsonl }, { isEctError }] = await Promise.all([
    import("ect-ledger-memory"),
    import("ect-ledger"),
    import("ect-core"),
  ]);
  // The file as it is on disk, unverified, so the audit can name every damaged entry.
  const ledger = new MemoryLedger({ origin: CLI_LEDGER_ORIGIN, dag: false });
  try {
    const lines = fileLines(context.io, location.path, "ledger file");
    const counted = (async function* () {
      for await (const line of lines) {
        progress.tick();
        yield line;
      }
    })();
    const loaded = await importLedgerJsonl(ledger, counted, { unverified: true });
    const entries = await ledger.backend.getEntries(0, loaded.entries);
    const lineProblems: ReportedProblem[] = loaded.unreadable.map((u) => ({
      index: u.position,
      jti: entries[u.position]?.jti ?? "",
      wid: null,
      code: "ECT_LEDGER_IMPORT_INVALID",
      message: u.message.replace(/^import line/, "line"),
      line: u.line,
    }));
    return { ledger, lineProblems, close: async () => {} };
  } catch (error) {
    if (!isEctError(error)) throw error;
    const line = Number(/import line (\d+)/.exec(error.message)?.[1] ?? 0);
    return {
      ledger,
      lineProblems: [
        {
          index: Math.max(0, line - 2),
          jti: "",
          wid: null,
          code: "ECT_LEDGER_IMPORT_INVALID",
          message: error.message,
          line,
        },
      ],
      close: async () => {},
    };
  } finally {
    progress.done();
  }
}

async function run(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  const location = ledgerLocationOf(context, parsed);
  const config = context.config();
  let verifyToken: AuditTokenVerifier | undefined;
  let bindings: readonly string[] = [];
  const noVerify = flagOption(parsed, "no-verify");
  if (noVerify && listOption(parsed, "trust").length > 0) {
    throw usageError("--no-verify and --trust contradict each other; keep one");
  }
  const keys = noVerify ? undefined : await loadTrust(context, parsed);
  if (keys !== undefined) {
    const { createAuditVerifier } = await import("ect-crypto");
    verifyToken = createAuditVerifier({ keys: keys.resolver, algorithms: keys.algorithms, config });
    bindings = keys.bindings;
  } else if (!noVerify) {
    throw usageError(
      "ledger audit re-verifies every signature: give --trust ISS=FILE for each issuer",
      "or add --no-verify to check the hash chain, claim and DAG rules without signatures",
    );
  }
  const opened = await openForAudit(context, location);
  try {
    const progress = createProgress({
      stream: context.io.stderr,
      clock: context.now,
      label: "auditing",
      unit: "entries",
      total: await opened.ledger.size(),
    });
    let audited = 0;
    let report: Awaited<ReturnType<typeof auditLedger>>;
    try {
      report = await auditLedger({
        ledger: opened.ledger,
        ...(verifyToken === undefined ? {} : { verifyToken }),
        onProgress: (count) => {
          progress.tick(count - audited);
          audited = count;
        },
      });
    } finally {
      progress.done();
    }
    const firstBadIndex = Math.min(
      report.firstBadIndex ?? Number.POSITIVE_INFINITY,
      ...opened.lineProblems.map((p) => p.index),
    );
    const problems: ReportedProblem[] = [...opened.lineProblems, ...report.problems].sort(
      (a, b) => a.index - b.index,
    );
    const valid = problems.length === 0;
    if (flagOption(parsed, "json")) {
      context.out(
        `${safeJson({
          valid,
          ledger: location.display,
          entries: report.entries,
          checkpointSize: report.checkpointSize ?? 0,
          firstBadIndex: Number.isFinite(firstBadIndex) ? firstBadIndex : null,
          signaturesVerified: report.signaturesVerified,
          dagChecked: report.dagChecked,
          conflicts: report.conflicts,
          unresolvedPredecessors: report.unresolvedPredecessors,
          problems,
        })}\n`,
      );
    } else {
      const lines = [
        `audit of ${location.display}: ${report.entries} entries, latest checkpoint covers ${report.checkpointSize ?? 0}`,
        report.signaturesVerified
          ? `  signatures: re-verified with the trusted keys (${displayText(bindings.join("; "))})`
          : "  signatures: NOT verified (--no-verify): header and claim rules only",
        `  leaves, Merkle tree and checkpoints, entries against their tokens, DAG rules: checked`,
      ];
      if (report.conflicts > 0) lines.push(`  conflicting tokens kept as evidence: ${report.conflicts}`);
      if (valid) lines.push("OK: no problem found");
      else {
        lines.push(`FAILED: ${problems.length} problem${problems.length === 1 ? "" : "s"}`);
        for (const p of problems) {
          const jti = p.jti ? ` jti ${displayText(p.jti)}` : "";
          const member = p.member === undefined ? "" : ` (${displayText(p.member)})`;
          lines.push(`  seq ${p.index + 1}${jti}: ${p.code}${member}: ${displayText(p.message)}`);
        }
      }
      context.out(`${lines.join("\n")}\n`);
    }
    return valid ? ExitCode.OK : ExitCode.FAILED;
  } finally {
    await opened.close();
  }
}

/** `ect ledger audit`. */
export const ledgerAuditCommand: Command = { spec, run };
