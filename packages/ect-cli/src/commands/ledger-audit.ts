import { type AuditProblem, type AuditTokenVerifier, auditLedger, type Ledger } from "ect-core";
import { ExitCode, type ExitStatus, usageError } from "../cli-error.js";
import { type Command, type CommandContext, flagOption, listOption } from "../command-context.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { fileLines } from "../input-files.js";
import { JsonlLedgerView } from "../jsonl-ledger-view.js";
import { loadTrustedKeys } from "../key-files.js";
import { type LedgerLocation, openRedisLedger } from "../ledger-location.js";
import { createProgress, type Progress } from "../progress.js";
import { displayText, safeJson, shortHash } from "../terminal-text.js";
import { KEY_BINDING_SECTION, TRUST_OPTIONS } from "../trust-options.js";
import { LEDGER_OPTIONS, ledgerLocationOf } from "./ledger-options.js";

const spec: CommandSpec = {
  name: "ledger audit",
  summary: "audit a ledger and report every broken entry",
  usage: ["--ledger LEDGER [--jwks FILE (--iss-key ISS=KID... | --iss ISS)] [--json]"],
  description:
    "Checks the whole ledger and reports every problem with its entry (seq, jti), not just the first (SPEC 7): " +
    "the hash chain recomputed from the tokens, each entry against its token, each token re-verified in audit mode " +
    "(SPEC 5.11: signature with the bound keys when --jwks is given, header and claim rules), and the DAG rules (SPEC 6). " +
    "A memory ledger file is audited as it is on disk, line by line, so a tampered file is reported entry by entry. " +
    "Exit 0 when nothing is wrong, 1 when anything is.\n" +
    "Without --jwks, signatures are not checked and the report says so.",
  options: {
    ...LEDGER_OPTIONS,
    ...TRUST_OPTIONS,
    json: { type: "boolean", description: "print the report as JSON" },
  },
  positionals: { min: 0, max: 0, name: "" },
  sections: [KEY_BINDING_SECTION],
  examples: [
    "ect ledger audit --ledger memory:ledger.jsonl --jwks agents.jwks.json --iss-key spiffe://example.org/a=KID",
    "ect ledger audit --ledger redis://127.0.0.1:6379 --ledger-id loans --json",
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
  const jwksPaths = listOption(parsed, "jwks");
  let verifyToken: AuditTokenVerifier | undefined;
  let bindings: readonly string[] = [];
  if (jwksPaths.length > 0) {
    const keys = await loadTrustedKeys(context.io, {
      jwksPaths,
      issKeys: listOption(parsed, "iss-key"),
      issuers: listOption(parsed, "iss"),
      algorithms: listOption(parsed, "alg"),
      command: spec.name,
    });
    const { createAuditVerifier } = await import("ect-crypto");
    verifyToken = createAuditVerifier({ keys: keys.resolver, algorithms: keys.algorithms, config });
    bindings = keys.bindings;
  } else if (listOption(parsed, "iss-key").length > 0 || listOption(parsed, "iss").length > 0) {
    throw usageError("--iss-key and --iss bind keys of a JWK Set: give --jwks FILE too");
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
          ? `  signatures: re-verified with ${jwksPaths.join(", ")} (${displayText(bindings.join("; "))})`
          : "  signatures: NOT verified (no --jwks given): header and claim rules only",
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
