// Runs the whole demo and returns the report: setup, the happy path, its checks, the attacks, the
// audit. Every expected outcome is recorded with what actually happened.
import { decodeEct, type LedgerEntry } from "ect-core";
import { createAuditVerifier, generateNoteKey } from "ect-crypto";
import { buildGraph, leaves, roots, toAscii, toMermaid } from "ect-dag";
import { auditLedger } from "ect-ledger";
import { runAttacks } from "./attacks.js";
import type { AuditRow, DagInfo, DemoReport, DemoStep, OutcomeCheck } from "./demo-report.js";
import { StepLog } from "./demo-report.js";
import {
  type LedgerBackend,
  memoryBackend,
  postgresBackend,
  redisBackend,
  verifyLog,
} from "./ledger-backend.js";
import { AGENT_SPECS, LoanWorkflow, SAMPLE_APPLICATION, type WorkflowResult } from "./loan-workflow.js";

/** Options of {@link runDemo}. */
export interface RunDemoOptions {
  /** `redis://host:port` or `postgres://user@host/db` for a server ledger; in memory when absent. */
  readonly ledgerUrl?: string | undefined;
  /** Told about every step as it happens. */
  readonly onStep?: (step: DemoStep) => void;
}

function check(name: string, expected: unknown, actual: unknown): OutcomeCheck {
  const e = typeof expected === "string" ? expected : JSON.stringify(expected);
  const a = typeof actual === "string" ? actual : JSON.stringify(actual);
  return { name, expected: e, actual: a, passed: e === a };
}

function agentOf(iss: string): string {
  return Object.values(AGENT_SPECS).find((s) => s.id === iss)?.name ?? iss;
}

function dagInfo(entries: readonly LedgerEntry[]): DagInfo {
  const graph = buildGraph(entries);
  return {
    nodes: graph.nodes.map((n) => ({ jti: n.jti, agent: agentOf(n.iss ?? ""), execAct: n.execAct ?? "?" })),
    edges: graph.nodes.flatMap((n) => graph.parents(n).map((p) => ({ from: p.jti, to: n.jti }))),
    ascii: toAscii(graph, { width: 100 }),
    mermaid: toMermaid(graph),
  };
}

/** Runs the demo end to end. Throws only when the setup itself fails (e.g. Redis unreachable). */
export async function runDemo(options: RunDemoOptions = {}): Promise<DemoReport> {
  const log = new StepLog(options.onStep);
  // The ledger's checkpoint note key (profile §7); its vkey is what a third party trusts.
  const noteKey = await generateNoteKey({ name: "ect-demo.invalid/ledger" });
  const backend: LedgerBackend =
    options.ledgerUrl === undefined
      ? memoryBackend(noteKey.signer)
      : /^postgres(ql)?:/.test(options.ledgerUrl)
        ? await postgresBackend(
            options.ledgerUrl,
            (message) => log.add("ledger", "info", `PostgreSQL: ${message}`),
            noteKey.signer,
          )
        : await redisBackend(
            options.ledgerUrl,
            (message) => log.add("ledger", "info", `Redis: ${message}`),
            noteKey.signer,
          );
  log.add("ledger", "info", `${backend.kind} ledger ${backend.location}, DAG rules atomic with each append`);
  let workflow: LoanWorkflow | undefined;
  try {
    workflow = await LoanWorkflow.start(backend, log);
    const ledger = backend.ledger;
    const checks: OutcomeCheck[] = [];

    // 1. The happy path.
    log.phase = "workflow";
    const result: WorkflowResult = await workflow.submit(SAMPLE_APPLICATION);
    const wid = result.wid;
    log.add(
      "portal",
      "info",
      `result: ${result.decision.decision}, transfer ${result.disbursement?.transferId ?? "none"}`,
    );

    const entries = await ledger.listWorkflow(wid);
    const graph = buildGraph(entries);
    const intake = entries.find((e) => e.claims.exec_act === "intake_application");
    const decision = entries.find((e) => e.claims.exec_act === "underwrite_decision");
    checks.push(
      check("loan decision", "approved", result.decision.decision),
      check("disbursement", "sent", result.disbursement?.status ?? "none"),
      check("ledger entries for the workflow", 5, entries.length),
      check(
        "tasks in the ledger (sorted)",
        ["credit_check", "disburse_funds", "fraud_screen", "intake_application", "underwrite_decision"],
        entries.map((e) => e.claims.exec_act).sort(),
      ),
      check("first entry is the root", "intake_application", entries[0]?.claims.exec_act),
      check("last entry is the action", "disburse_funds", entries[entries.length - 1]?.claims.exec_act),
      check(
        "DAG roots",
        ["intake_application"],
        roots(graph).map((n) => n.execAct),
      ),
      check("DAG fork: children of intake", 2, intake === undefined ? 0 : graph.children(intake.jti).length),
      check(
        "DAG join: parents of underwriting",
        2,
        decision === undefined ? 0 : graph.parents(decision.jti).length,
      ),
      check(
        "DAG leaves",
        ["disburse_funds"],
        leaves(graph).map((n) => n.execAct),
      ),
      check(
        "every ECT shares the workflow id",
        true,
        entries.every((e) => e.wid === wid),
      ),
      check(
        "ECTs verified by their receivers (2 for the fork, 1 each after, 1 response)",
        6,
        log.steps.filter((s) => s.kind === "verify").length,
      ),
    );
    const dag = dagInfo(entries);

    const chainBefore = await verifyLog(ledger);
    const auditBefore = await auditLedger({
      ledger,
      verifyToken: createAuditVerifier({ keys: workflow.keys }),
      dag: {},
    });
    checks.push(
      check(
        "log check (Merkle tree and checkpoints) after the workflow",
        "valid",
        chainBefore.valid ? "valid" : "broken",
      ),
      check("full audit after the workflow: problems", 0, auditBefore.problems.length),
    );
    log.phase = "audit";
    log.add(
      "auditor",
      "verify",
      `log check valid over ${chainBefore.valid ? chainBefore.entries : "?"} entries; full audit (signatures at ingestion time, DAG): ${auditBefore.problems.length} problems`,
    );

    // 2. The attacks.
    log.phase = "attack";
    const { outcomes, tamper } = await runAttacks({
      workflow,
      backend,
      wid,
      log,
      beforeTamper: async () => {
        checks.push(
          check("ledger entries after the HTTP attacks (nothing forged got in)", 5, await ledger.size()),
        );
      },
    });

    // 3. The audit trail, as stored after the tampering.
    log.phase = "audit";
    const stored = await ledger.range();
    const rows: AuditRow[] = stored.map((e) => {
      let claims: Readonly<Record<string, unknown>> = e.claims;
      try {
        claims = decodeEct(e.token).claims;
      } catch {
        // keep the entry's own claims
      }
      return {
        seq: e.index + 1,
        agent: agentOf(e.iss),
        execAct: String(claims.exec_act),
        jti: e.jti,
        pred: Array.isArray(claims.pred) ? claims.pred.map(String) : [],
        leafHash: e.leafHash,
        tampered: tamper?.seq === e.index + 1,
      };
    });

    const report: DemoReport = {
      version: 1,
      ok: checks.every((c) => c.passed) && outcomes.every((o) => o.passed),
      ledger: { kind: backend.kind, location: backend.location },
      workflow: { wid, application: SAMPLE_APPLICATION, result },
      agents: Object.values(workflow.agents).map((a) => ({
        name: a.spec.name,
        id: a.spec.id,
        role: a.spec.role,
        url: a.url,
        kid: a.key.kid,
        alg: a.key.alg,
      })),
      steps: log.steps,
      checks,
      attacks: outcomes,
      audit: {
        entries: rows,
        chainBefore: { valid: chainBefore.valid, entries: chainBefore.valid ? chainBefore.entries : 0 },
        chainAfter: tamper?.chain ?? { valid: true, brokenAt: undefined, code: undefined },
        fullAudit: tamper?.problems ?? [],
      },
      dag,
      durationMs: log.elapsed(),
    };
    return report;
  } finally {
    await workflow?.close();
    await backend.close();
  }
}
