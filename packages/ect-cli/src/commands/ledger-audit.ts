import type { Ledger } from "ect-core";
import { type AuditProblem, type AuditTokenVerifier, auditLedger } from "ect-core/internal";
import { ExitCode, type ExitStatus, usageError } from "../cli-error.js";
import { type Command, type CommandContext, flagOption, listOption } from "../command-context.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { fileLines } from "../input-files.js";
import { JsonlLedgerView } from "../jsonl-ledger-view.js";
import { type LedgerLocation, openRedisLedger } from "../ledger-location.js";
import { createProgress, type Progress } from "../progress.js";
import { displayText, safeJson, shortHash } from "../terminal-text.js";
import { KEY_BINDING_SECTION, loadTrust, TRUST_OPTIONS } from "../trust-options.js";
import { LEDGER_OPTIONS, ledgerLocationOf } from "./ledger-options.js";

const spec: CommandSpec = {
  name: "ledger audit",
  summary: "audit a ledger and report every broken entry",
  usage: ["--ledger LEDGER --trust ISS=FILE... [--json]", "--ledger LEDGER --no-verify [--json]"],
  description:
    "Checks the whole ledger and reports every problem with its entry (seq, jti), not just the first (profile §7): " +
    "the hash chain recomputed from the tokens, each entry against its token, each token re-verified in audit mode " +
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

/** A problem of the report: an audit problem, or a line of the file that is not an entry record. */
type ReportedProblem = AuditProblem & { readonly line?: number };

/** Counts the entries the audit reads (it reads them page by page through `range`). */
function counting(ledger: Ledger, progress: Progress): Ledger {
  return new Proxy(ledger, {
    get(target, property) {
      if (property === "range") {
        return async (...args: Parameters<Ledger["range"]>) => {
          const page = await target.range(...args);
          progress.tick(page.length);
          return page;
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function openForAudit(
  context: CommandContext,
  location: LedgerLocation,
): Promise<{
  ledger: Ledger;
  lineProblems: (ReportedProblem & { readonly unreadable: boolean })[];
  close(): Promise<void>;
}> {
  if (location.kind === "redis") {
    const ledger = await openRedisLedger(location, context.warn, false);
    return { ledger, lineProblems: [], close: () => ledger.close() };
  }
  const progress = createProgress({
    stream: context.io.stderr,
    label: "reading",
    unit: "lines",
    clock: context.now,
  });
  try {
    const { view, problems } = await JsonlLedgerView.load(
      fileLines(context.io, location.path, "ledger file"),
      () => progress.tick(),
    );
    const lineProblems = problems.map((p) => ({
      seq: p.seq,
      jti: p.jti,
      wid: null,
      code: "ECT_LEDGER_IMPORT_INVALID" as const,
      message: `line ${p.line} ${p.message}`,
      line: p.line,
      unreadable: p.unreadable,
    }));
    return { ledger: view, lineProblems, close: async () => {} };
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
    const head = await opened.ledger.head();
    const progress = createProgress({
      stream: context.io.stderr,
      clock: context.now,
      label: "auditing",
      unit: "entries",
      total: head.seq,
    });
    let report: Awaited<ReturnType<typeof auditLedger>>;
    try {
      report = await auditLedger({
        ledger: counting(opened.ledger, progress),
        ...(verifyToken === undefined ? {} : { verifyToken }),
        claimRules: { maxPredLength: config.maxPredLength },
      });
    } finally {
      progress.done();
    }
    // An unreadable line is one problem, not also every check its placeholder entry fails.
    const placeholders = new Set(opened.lineProblems.filter((p) => p.unreadable).map((p) => p.seq));
    const problems: ReportedProblem[] = [
      ...opened.lineProblems.map(({ unreadable: _, ...p }) => p),
      ...report.problems.filter((p) => !placeholders.has(p.seq)),
    ].sort((a, b) => a.seq - b.seq);
    const valid = problems.length === 0;
    if (flagOption(parsed, "json")) {
      context.out(
        `${safeJson({
          valid,
          ledger: location.display,
          entries: report.entries,
          head: report.head,
          signaturesVerified: report.signaturesVerified,
          dagChecked: report.dagChecked,
          conflicts: report.conflicts,
          unresolvedPredecessors: report.unresolvedPredecessors,
          problems,
        })}\n`,
      );
    } else {
      const lines = [
        `audit of ${location.display}: ${report.entries} entries, head seq ${report.head.seq}, chain ${shortHash(report.head.chainHash)}`,
        report.signaturesVerified
          ? `  signatures: re-verified with the trusted keys (${displayText(bindings.join("; "))})`
          : "  signatures: NOT verified (--no-verify): header and claim rules only",
        `  hash chain, entries against their tokens, DAG rules: checked`,
      ];
      if (report.conflicts > 0) lines.push(`  conflicting tokens kept as evidence: ${report.conflicts}`);
      if (valid) lines.push("OK: no problem found");
      else {
        lines.push(`FAILED: ${problems.length} problem${problems.length === 1 ? "" : "s"}`);
        for (const p of problems) {
          const jti = p.jti ? ` jti ${displayText(p.jti)}` : "";
          const member = p.member === undefined ? "" : ` (${displayText(p.member)})`;
          lines.push(`  seq ${p.seq}${jti}: ${p.code}${member}: ${displayText(p.message)}`);
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
