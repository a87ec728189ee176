// The attacks a reviewer asks about, each run against the live agents (or, for the last one, the
// ledger) and each expected to be refused with a precise error code.
import { randomUUID } from "node:crypto";
import { decodeEct } from "ect-core";
import { base64urlDecode, base64urlEncodeText } from "ect-core/internal";
import { createAuditVerifier, createEct } from "ect-crypto";
import { prepareBody, withExecutionContext } from "ect-http";
import { auditLedger, formatEntryTlogProof, verifyTlogProof } from "ect-ledger";
import type { Agent } from "./agent-node.js";
import type { AttackOutcome, StepLog } from "./demo-report.js";
import { short } from "./demo-report.js";
import { type LedgerBackend, verifyLog } from "./ledger-backend.js";
import type { LoanWorkflow } from "./loan-workflow.js";

interface Attempt {
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly detail: string;
}

/** Sends a request like an attacker with loopback access would, and reads the problem document. */
async function attempt(
  target: Agent,
  tokens: readonly string[] | undefined,
  body: Uint8Array,
): Promise<Attempt> {
  const init = { method: "POST", body: body as Uint8Array<ArrayBuffer> };
  const res = await fetch(
    `${target.url}/tasks`,
    tokens === undefined ? init : withExecutionContext(init, tokens),
  );
  const text = await res.text();
  if ((res.headers.get("content-type") ?? "").startsWith("application/problem+json")) {
    const problem = JSON.parse(text) as { code?: string; detail?: string };
    return { status: res.status, code: problem.code, detail: problem.detail ?? "" };
  }
  return { status: res.status, code: undefined, detail: text.slice(0, 200) };
}

interface AttackDefinition {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly target: string;
  readonly expected: { readonly status: number | undefined; readonly code: string };
  readonly run: () => Promise<Attempt>;
  /** Extra condition besides status and code (e.g. where the chain breaks). */
  readonly alsoRequire?: (actual: Attempt) => boolean;
}

/** What the tampering attack left behind, for the audit section of the report. */
export interface TamperResult {
  /** The entry that was altered. */
  readonly seq: number;
  /** The log check (Merkle tree and checkpoints) after it. */
  readonly chain: {
    readonly valid: boolean;
    readonly brokenAt: number | undefined;
    readonly code: string | undefined;
  };
  /**
   * A third party's offline receipt checks with the ledger's vkey alone (profile §7): the receipt
   * taken before the tampering (`"verified"`), and the one the ledger hands out after it (the
   * refusal code).
   */
  readonly receipts: { readonly before: string; readonly after: string };
  /** What a full audit reports. */
  readonly problems: readonly {
    readonly seq: number | undefined;
    readonly code: string;
    readonly message: string;
  }[];
}

/** Runs every attack in order and reports each outcome; the ledger tampering comes last. */
export async function runAttacks(options: {
  readonly workflow: LoanWorkflow;
  readonly backend: LedgerBackend;
  readonly wid: string;
  readonly log: StepLog;
  /** Called after the HTTP attacks, before the ledger is tampered with. */
  readonly beforeTamper?: () => Promise<void>;
}): Promise<{ outcomes: AttackOutcome[]; tamper: TamperResult | undefined }> {
  const { workflow, backend, wid, log } = options;
  const a = workflow.agents;
  const ledger = backend.ledger;
  const captured = a.intake.sent.find((s) => s.to === a.credit.spec.name);
  if (captured === undefined) throw new Error("intake sent nothing to credit-check");
  const intakeToken = captured.tokens[0]!;
  const intakeJti = String(decodeEct(intakeToken).claims.jti);
  const say = (text: string) => log.add("attacker", "send", text);
  // A glowing credit report claiming to come from credit-check, signed with whatever key is given.
  const forgeCreditReport = async (key: Parameters<typeof createEct>[1]) => {
    const body = await prepareBody(JSON.stringify({ applicationId: "A-1042", score: 850 }));
    const token = await createEct(
      {
        iss: a.credit.spec.id,
        aud: a.underwriting.spec.id,
        wid,
        exec_act: "credit_check",
        pred: [intakeJti],
        out_hash: body.hash,
      },
      key,
    );
    return { body, token };
  };

  let tamper: TamperResult | undefined;
  const definitions: AttackDefinition[] = [
    {
      id: "replay",
      title: "Replayed token",
      description:
        "Re-sends intake's request to credit-check exactly as captured on the wire: same ECT, same bytes.",
      target: a.credit.spec.name,
      expected: { status: 403, code: "ECT_REPLAY" },
      run: async () => {
        say(`replays intake's captured request (ECT ${short(intakeJti)}) to credit-check`);
        return attempt(a.credit, captured.tokens, captured.body);
      },
    },
    {
      id: "body-tampered",
      title: "Body altered in transit",
      description: "Keeps intake's valid ECT but raises the amount in the body from 25000 to 250000.",
      target: a.credit.spec.name,
      expected: { status: 403, code: "ECT_BODY_HASH_MISMATCH" },
      run: async () => {
        say("sends intake's ECT with a body whose amount is changed to 250000");
        const text = new TextDecoder().decode(captured.body).replace('"amount":25000', '"amount":250000');
        return attempt(a.credit, captured.tokens, new TextEncoder().encode(text));
      },
    },
    {
      id: "skip-checks",
      title: "Checks skipped",
      description: "Sends intake's ECT straight to underwriting, bypassing the credit and fraud checks.",
      target: a.underwriting.spec.name,
      expected: { status: 403, code: "ECT_AUD_MISMATCH" },
      run: async () => {
        say("sends intake's ECT directly to underwriting");
        return attempt(a.underwriting, captured.tokens, captured.body);
      },
    },
    {
      id: "impersonation-own-kid",
      title: "Wrong agent's key (own kid)",
      description:
        "A compromised fraud-check signs a glowing credit report as iss=credit-check with its own key and kid. The resolver binds that kid to fraud-check only.",
      target: a.underwriting.spec.name,
      expected: { status: 403, code: "ECT_KEY_NOT_FOUND" },
      run: async () => {
        const { body, token } = await forgeCreditReport(a.fraud.key);
        say(`forges a credit-check ECT signed with fraud-check's key (kid ${a.fraud.key.kid})`);
        return attempt(a.underwriting, [token], body.bytes);
      },
    },
    {
      id: "impersonation-victim-kid",
      title: "Wrong agent's key (victim's kid)",
      description:
        "The same forgery, now naming credit-check's kid in the header: the key resolves, the signature does not verify.",
      target: a.underwriting.spec.name,
      expected: { status: 403, code: "ECT_SIGNATURE_INVALID" },
      run: async () => {
        const { body, token } = await forgeCreditReport({
          privateKey: a.fraud.key.privateKey,
          kid: a.credit.key.kid,
          alg: "ES256",
        });
        say(`forges a credit-check ECT with kid ${a.credit.key.kid} but fraud-check's private key`);
        return attempt(a.underwriting, [token], body.bytes);
      },
    },
    {
      id: "forged-predecessor",
      title: "Forged predecessor",
      description:
        "fraud-check, with its own valid key, asks disbursement to pay 250000 citing an underwriting approval that was never recorded.",
      target: a.disbursement.spec.name,
      expected: { status: 403, code: "ECT_DAG_PRED_MISSING" },
      run: async () => {
        const ghost = randomUUID();
        const body = await prepareBody(
          JSON.stringify({ applicationId: "A-1042", amount: 250000, currency: "EUR", decision: "approved" }),
        );
        const token = await createEct(
          {
            iss: a.fraud.spec.id,
            aud: a.disbursement.spec.id,
            wid,
            exec_act: "underwrite_decision",
            pred: [ghost],
            out_hash: body.hash,
            ect_ext: { pol: "lending-policy-v3", pol_decision: "approved" },
          },
          a.fraud.key,
        );
        say(`asks disbursement to pay, citing a decision ${short(ghost)} that is not in the ledger`);
        return attempt(a.disbursement, [token], body.bytes);
      },
    },
    {
      id: "expired",
      title: "Expired token",
      description: "An intake ECT issued 11 minutes ago (10-minute lifetime) is presented to credit-check.",
      target: a.credit.spec.name,
      expected: { status: 403, code: "ECT_EXPIRED" },
      run: async () => {
        const issuedAt = Date.now() - 11 * 60_000;
        const token = await createEct(
          {
            iss: a.intake.spec.id,
            aud: [a.credit.spec.id, a.fraud.spec.id],
            wid,
            exec_act: "intake_application",
            pred: [],
            out_hash: (await prepareBody(captured.body)).hash,
          },
          a.intake.key,
          { clock: () => issuedAt },
        );
        say("presents an intake ECT that expired a minute ago");
        return attempt(a.credit, [token], captured.body);
      },
    },
    {
      id: "missing-header",
      title: "No Execution-Context",
      description: "Calls disbursement with a payout request and no ECT at all.",
      target: a.disbursement.spec.name,
      expected: { status: 400, code: "ECT_HEADER_MISSING" },
      run: async () => {
        say("calls disbursement without an Execution-Context header");
        return attempt(a.disbursement, undefined, new TextEncoder().encode('{"amount":250000}'));
      },
    },
    {
      id: "ledger-tampered",
      title: "Ledger entry tampered",
      description:
        "An insider rewrites the stored credit-check ECT so its out_hash points at a score of 850. The audit recomputes its leaf and compares the Merkle tree with the signed checkpoint.",
      target: "auditor",
      expected: { status: undefined, code: "ECT_LEDGER_TREE_MISMATCH" },
      run: async () => {
        await options.beforeTamper?.();
        const entries = await ledger.listWorkflow(wid);
        const victim = entries.find((e) => e.claims.exec_act === "credit_check");
        if (victim === undefined) throw new Error("no credit_check entry to tamper with");
        // A third party that never saw the ledger holds the entry's receipt and the ledger's vkey.
        const receiptOf = async () => {
          await ledger.integrate();
          const entry = await ledger.get(victim.wid, victim.jti);
          const inclusion = await ledger.inclusionOf(victim.wid, victim.jti);
          if (entry === undefined || inclusion === undefined) throw new Error("no receipt for the entry");
          return formatEntryTlogProof({
            entry,
            proof: inclusion.proof,
            checkpoint: inclusion.checkpoint.note,
          });
        };
        const checkOffline = async (receipt: string): Promise<string> => {
          try {
            const r = await verifyTlogProof(receipt, { vkeys: [backend.vkey] });
            return r.token === victim.token ? "verified" : "verified another token";
          } catch (error) {
            return (error as { code?: string }).code ?? String(error);
          }
        };
        const receiptBefore = await checkOffline(await receiptOf());
        log.add(
          "third party",
          receiptBefore === "verified" ? "verify" : "refuse",
          `checks the receipt of entry #${victim.index + 1} offline with the ledger's vkey only: ${receiptBefore}`,
        );
        const [h, p, s] = victim.token.split(".") as [string, string, string];
        const claims = JSON.parse(new TextDecoder().decode(base64urlDecode(p))) as Record<string, unknown>;
        claims.out_hash = (await prepareBody(JSON.stringify({ applicationId: "A-1042", score: 850 }))).hash;
        await backend.tamperToken(
          victim.index + 1,
          `${h}.${base64urlEncodeText(JSON.stringify(claims))}.${s}`,
        );
        log.add(
          "attacker",
          "send",
          `rewrites ledger entry #${victim.index + 1} (credit_check ${short(victim.jti)}) in storage`,
        );
        const receiptAfter = await checkOffline(await receiptOf());
        log.add(
          "third party",
          receiptAfter === "verified" ? "verify" : "refuse",
          `checks the receipt the ledger now gives for entry #${victim.index + 1}: ${receiptAfter} (its leaf no longer leads to the signed checkpoint)`,
        );
        const receipts = { before: receiptBefore, after: receiptAfter };
        const chain = await verifyLog(ledger);
        const full = await auditLedger({
          ledger,
          verifyToken: createAuditVerifier({ keys: workflow.keys }),
          dag: {},
        });
        const problems = full.problems.map((pr) => ({
          seq: pr.index + 1,
          code: pr.code,
          message: pr.message,
        }));
        tamper = chain.valid
          ? {
              seq: victim.index + 1,
              chain: { valid: true, brokenAt: undefined, code: undefined },
              receipts,
              problems,
            }
          : {
              seq: victim.index + 1,
              chain: { valid: false, brokenAt: chain.brokenAt, code: chain.error.code },
              receipts,
              problems,
            };
        if (chain.valid) {
          log.add("auditor", "info", "log check: valid — the tampering went unnoticed");
          return { status: undefined, code: undefined, detail: "the log check reported a valid log" };
        }
        log.add(
          "auditor",
          "refuse",
          `log check: broken at #${chain.brokenAt} ${chain.error.code}: ${chain.error.message}`,
        );
        for (const pr of problems)
          log.add("auditor", "refuse", `full audit: #${pr.seq} ${pr.code}: ${pr.message}`);
        return {
          status: undefined,
          code: chain.error.code,
          detail: `broken at #${chain.brokenAt}: ${chain.error.message}`,
        };
      },
      alsoRequire: () =>
        tamper !== undefined &&
        tamper.chain.brokenAt === tamper.seq &&
        tamper.receipts.before === "verified" &&
        tamper.receipts.after === "ECT_LEDGER_PROOF_INVALID",
    },
  ];

  const outcomes: AttackOutcome[] = [];
  for (const d of definitions) {
    let actual: Attempt;
    try {
      actual = await d.run();
    } catch (error) {
      actual = { status: undefined, code: undefined, detail: `the attack itself failed: ${String(error)}` };
    }
    const passed =
      actual.status === d.expected.status &&
      actual.code === d.expected.code &&
      (d.alsoRequire?.(actual) ?? true);
    outcomes.push({
      id: d.id,
      title: d.title,
      description: d.description,
      target: d.target,
      expected: d.expected,
      actual,
      passed,
    });
  }
  return { outcomes, tamper };
}
