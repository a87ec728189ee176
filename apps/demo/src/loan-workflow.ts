// The workflow: a loan application reviewed by five agents, each its own HTTP server.
//
//   portal -> intake -> credit-check --> underwriting -> disbursement
//                    \-> fraud-check -/
//
// intake fans out to the two checks (fork); underwriting waits for both (join). Every request
// carries the ECT of the task its sender performed (SPEC 8), bound to the body by `out_hash`;
// disbursement answers with its own ECT in the response.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { KeyResolver, VerifiedEct } from "ect-core";
import { staticKeyResolver } from "ect-crypto";
import {
  type ExecutionContextOptions,
  prepareBody,
  type ReceivedExecutionContext,
  readExecutionContext,
} from "ect-http";
import { readNodeExecutionContext, sendProblem, setExecutionContextHeader } from "ect-http/node";
import { Agent, type AgentSpec } from "./agent-node.js";
import { type StepLog, short } from "./demo-report.js";
import type { LedgerBackend } from "./ledger-backend.js";

/** The five agents. */
export const AGENT_SPECS = {
  intake: {
    name: "intake",
    id: "spiffe://bank.example/agent/intake",
    role: "checks and normalises the application, then fans out to both checks",
  },
  credit: {
    name: "credit-check",
    id: "spiffe://bank.example/agent/credit-check",
    role: "scores the applicant's credit",
  },
  fraud: {
    name: "fraud-check",
    id: "spiffe://bank.example/agent/fraud-check",
    role: "screens the application for fraud signals",
  },
  underwriting: {
    name: "underwriting",
    id: "spiffe://bank.example/agent/underwriting",
    role: "joins both checks and decides under the lending policy",
  },
  disbursement: {
    name: "disbursement",
    id: "spiffe://bank.example/agent/disbursement",
    role: "pays out an approved loan and answers with its own ECT",
  },
} as const satisfies Record<string, AgentSpec>;

/** The agents by role. */
export type AgentName = keyof typeof AGENT_SPECS;

/** A loan application as the portal submits it. */
export interface LoanApplication {
  readonly applicationId: string;
  readonly applicant: string;
  readonly amount: number;
  readonly currency: string;
  readonly termMonths: number;
  readonly annualIncome: number;
  readonly existingDebt: number;
}

/** The application the demo submits. */
export const SAMPLE_APPLICATION: LoanApplication = {
  applicationId: "A-1042",
  applicant: "Ada Lovelace",
  amount: 25000,
  currency: "EUR",
  termMonths: 36,
  annualIncome: 84000,
  existingDebt: 6000,
};

/** What the portal gets back. */
export interface WorkflowResult {
  readonly wid: string;
  readonly decision: { readonly decision: string; readonly rate?: number; readonly policy: string };
  readonly disbursement: {
    readonly transferId: string;
    readonly status: string;
    readonly amount: number;
  } | null;
}

const JOIN_TIMEOUT_MS = 10_000;

function sendJson(res: ServerResponse, status: number, bytes: Uint8Array, ect?: string): void {
  if (ect !== undefined) setExecutionContextHeader(res, ect);
  res.writeHead(status, { "content-type": "application/json", "content-length": bytes.byteLength });
  res.end(bytes);
}

function appError(res: ServerResponse, agent: Agent, status: number, detail: string): void {
  agent.say("refuse", `${status}: ${detail}`);
  sendProblem(res, {
    status,
    code: undefined,
    cause: undefined,
    problem: {
      type: "about:blank",
      title: status === 409 ? "Conflict" : "Unprocessable Content",
      status,
      detail,
    },
  });
}

const decoder = new TextDecoder();
function parseJson<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}

/** The five agents running, wired to one ledger. */
export class LoanWorkflow {
  readonly agents: Record<AgentName, Agent>;
  readonly keys: KeyResolver<CryptoKey>;
  readonly #log: StepLog;
  readonly #joins = new Map<
    string,
    {
      credit?: { ect: VerifiedEct; body: Uint8Array };
      fraud?: { ect: VerifiedEct; body: Uint8Array };
      done: Promise<Uint8Array>;
      resolve: (bytes: Uint8Array) => void;
      reject: (error: unknown) => void;
    }
  >();

  private constructor(agents: Record<AgentName, Agent>, log: StepLog) {
    this.agents = agents;
    this.#log = log;
    // SPEC 5.5: each key resolves only for its own issuer.
    this.keys = staticKeyResolver(Object.values(agents).map((a) => ({ iss: a.spec.id, key: a.key })));
  }

  /** Generates the keys and starts the five servers. */
  static async start(backend: LedgerBackend, log: StepLog): Promise<LoanWorkflow> {
    const entries = await Promise.all(
      (Object.keys(AGENT_SPECS) as AgentName[]).map(
        async (name) => [name, await Agent.create(AGENT_SPECS[name], backend.ledger, log)] as const,
      ),
    );
    const wf = new LoanWorkflow(Object.fromEntries(entries) as Record<AgentName, Agent>, log);
    const a = wf.agents;
    await a.intake.listen(wf.keys, wf.#intakeHandler());
    await a.credit.listen(wf.keys, wf.#checkHandler("credit"));
    await a.fraud.listen(wf.keys, wf.#checkHandler("fraud"));
    await a.underwriting.listen(wf.keys, wf.#underwritingHandler());
    await a.disbursement.listen(wf.keys, wf.#disbursementHandler());
    for (const agent of Object.values(a)) {
      agent.say("info", `listening on ${agent.url} as ${agent.spec.id} (ES256 kid ${agent.key.kid})`);
    }
    return wf;
  }

  /** Stops every server. */
  async close(): Promise<void> {
    await Promise.all(Object.values(this.agents).map((a) => a.close()));
  }

  /** The portal submits an application to intake and waits for the result. */
  async submit(application: LoanApplication): Promise<WorkflowResult> {
    const body = await prepareBody(JSON.stringify(application));
    this.#log.add(
      "portal",
      "send",
      `POST intake /applications: ${application.applicationId}, ${application.amount} ${application.currency} over ${application.termMonths} months`,
    );
    const res = await fetch(`${this.agents.intake.url}/applications`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body.bytes as Uint8Array<ArrayBuffer>,
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`intake answered ${res.status}: ${text}`);
    return JSON.parse(text) as WorkflowResult;
  }

  /**
   * A handler that verifies the `Execution-Context` (SPEC 8) with the agent's verifier and logs
   * what it accepted or refused.
   */
  #verified(
    agent: Agent,
    options: Omit<ExecutionContextOptions, "verifier">,
    handle: (req: IncomingMessage, res: ServerResponse, context: ReceivedExecutionContext) => Promise<void>,
  ): RequestListener {
    return (req, res) => {
      void (async () => {
        const received = await readNodeExecutionContext(req, { ...options, verifier: agent.verifier });
        if (!received.ok) {
          const r = received.error;
          agent.say("refuse", `refused ${r.status} ${r.code ?? ""}: ${r.problem.detail}`);
          sendProblem(res, r);
          return;
        }
        for (const ect of received.value.ects) {
          const from = this.#nameOf(ect.claims.iss);
          agent.say(
            "verify",
            `verified ECT ${short(ect.claims.jti)} from ${from}: signature, aud, time, DAG vs ledger, replay${options.bodyHashClaim ? `, ${options.bodyHashClaim} = body` : ""}`,
            ect.claims.jti,
          );
        }
        await handle(req, res, received.value);
      })().catch((error: unknown) => {
        agent.say("refuse", `failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) {
          sendProblem(res, {
            status: 500,
            code: undefined,
            cause: error,
            problem: {
              type: "about:blank",
              title: "Internal Server Error",
              status: 500,
              detail: "the agent failed",
            },
          });
        } else res.destroy();
      });
    };
  }

  #nameOf(iss: string): string {
    return Object.values(this.agents).find((a) => a.spec.id === iss)?.spec.name ?? iss;
  }

  #intakeHandler(): RequestListener {
    const me = this.agents.intake;
    // The portal is outside the ECT workflow: the header is optional here, intake is the root.
    return this.#verified(me, { required: false }, async (req, res, { body, bodyHash }) => {
      if (req.method !== "POST" || req.url !== "/applications")
        return appError(res, me, 422, "POST /applications only");
      const app = parseJson<LoanApplication>(body);
      if (!(app.amount > 0 && app.termMonths > 0 && app.annualIncome > 0)) {
        return appError(res, me, 422, "amount, term and income must be positive");
      }
      const wid = randomUUID();
      me.say("work", `application ${app.applicationId} complete; workflow ${short(wid)} opened`);
      const out = await prepareBody(JSON.stringify({ ...app, checks: ["credit", "fraud"] }));
      const ect = await me.issue({
        aud: [this.agents.credit.spec.id, this.agents.fraud.spec.id],
        wid,
        exec_act: "intake_application",
        pred: [],
        inp_hash: bodyHash,
        out_hash: out.hash,
      });
      // Fork: both checks run in parallel on the same ECT and bytes.
      const [a, b] = await Promise.all([
        me.send(this.agents.credit, ect.token, out),
        me.send(this.agents.fraud, ect.token, out),
      ]);
      const [ta, tb] = [await a.text(), await b.text()];
      if (a.status !== 200 || b.status !== 200) throw new Error(`checks answered ${a.status}/${b.status}`);
      if (ta !== tb) throw new Error("the two branches report different outcomes");
      const outcome = JSON.parse(ta) as Omit<WorkflowResult, "wid">;
      sendJson(res, 200, new TextEncoder().encode(JSON.stringify({ wid, ...outcome })));
    });
  }

  #checkHandler(which: "credit" | "fraud"): RequestListener {
    const me = this.agents[which];
    return this.#verified(me, { bodyHashClaim: "out_hash" }, async (_req, res, { ects, body, bodyHash }) => {
      const input = ects[0]!;
      if (ects.length !== 1 || input.claims.iss !== this.agents.intake.spec.id) {
        return appError(res, me, 422, "expects exactly the intake's ECT");
      }
      const app = parseJson<LoanApplication>(body);
      let result: Record<string, unknown>;
      if (which === "credit") {
        const yearlyRepayment = (app.amount / app.termMonths) * 12;
        const dti = (app.existingDebt + yearlyRepayment) / app.annualIncome;
        const score = Math.max(300, Math.min(850, Math.round(850 - dti * 400)));
        result = {
          applicationId: app.applicationId,
          amount: app.amount,
          currency: app.currency,
          score,
          debtToIncome: Number(dti.toFixed(3)),
        };
        me.say("work", `debt-to-income ${dti.toFixed(3)} → credit score ${score}`);
      } else {
        const signals = app.amount > app.annualIncome * 2 ? ["amount far above income"] : [];
        result = { applicationId: app.applicationId, risk: signals.length === 0 ? "low" : "high", signals };
        me.say("work", `fraud screen: ${signals.length === 0 ? "no signals, risk low" : signals.join(", ")}`);
      }
      const out = await prepareBody(JSON.stringify(result));
      const ect = await me.issue({
        aud: this.agents.underwriting.spec.id,
        wid: input.claims.wid!,
        exec_act: which === "credit" ? "credit_check" : "fraud_screen",
        pred: [input.claims.jti],
        inp_hash: bodyHash,
        out_hash: out.hash,
      });
      const answer = await me.send(this.agents.underwriting, ect.token, out);
      const bytes = new Uint8Array(await answer.arrayBuffer());
      sendJson(res, answer.status, bytes);
    });
  }

  #underwritingHandler(): RequestListener {
    const me = this.agents.underwriting;
    return this.#verified(me, { bodyHashClaim: "out_hash" }, async (_req, res, { ects, body }) => {
      const input = ects[0]!;
      const iss = input.claims.iss;
      const which =
        iss === this.agents.credit.spec.id
          ? "credit"
          : iss === this.agents.fraud.spec.id
            ? "fraud"
            : undefined;
      if (ects.length !== 1 || which === undefined || input.claims.wid === undefined) {
        return appError(res, me, 422, "expects one ECT from credit-check or fraud-check");
      }
      const wid = input.claims.wid;
      let join = this.#joins.get(wid);
      if (join === undefined) {
        let resolve!: (bytes: Uint8Array) => void;
        let reject!: (error: unknown) => void;
        const done = new Promise<Uint8Array>((y, n) => {
          resolve = y;
          reject = n;
        });
        join = { done, resolve, reject };
        this.#joins.set(wid, join);
      }
      if (join[which] !== undefined) return appError(res, me, 409, `${which} input already received`);
      join[which] = { ect: input, body };
      const j = join;
      if (j.credit !== undefined && j.fraud !== undefined) {
        me.say("work", "join: both checks are in");
        this.#decide(wid, j.credit, j.fraud).then(j.resolve, j.reject);
      } else {
        me.say("wait", `join: waiting for ${which === "credit" ? "fraud-check" : "credit-check"}`);
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, n) => {
        timer = setTimeout(() => n(new Error("join timed out")), JOIN_TIMEOUT_MS);
      });
      try {
        sendJson(res, 200, await Promise.race([j.done, timeout]));
      } finally {
        clearTimeout(timer);
      }
    });
  }

  async #decide(
    wid: string,
    credit: { ect: VerifiedEct; body: Uint8Array },
    fraud: { ect: VerifiedEct; body: Uint8Array },
  ): Promise<Uint8Array> {
    const me = this.agents.underwriting;
    const c = parseJson<{ applicationId: string; amount: number; currency: string; score: number }>(
      credit.body,
    );
    const f = parseJson<{ risk: string }>(fraud.body);
    const approved = c.score >= 650 && f.risk === "low";
    const policy = "lending-policy-v3";
    const base = { applicationId: c.applicationId, amount: c.amount, currency: c.currency, policy };
    const decision = approved
      ? { ...base, decision: "approved", rate: c.score >= 740 ? 4.9 : 6.4 }
      : { ...base, decision: "rejected" };
    me.say("work", `${policy}: score ${c.score}, fraud risk ${f.risk} → ${decision.decision}`);
    // The join's input is both inputs' bytes in `pred` order, joined by a newline.
    const joined = new Uint8Array(credit.body.byteLength + 1 + fraud.body.byteLength);
    joined.set(credit.body, 0);
    joined[credit.body.byteLength] = 0x0a;
    joined.set(fraud.body, credit.body.byteLength + 1);
    const out = await prepareBody(JSON.stringify(decision));
    const ect = await me.issue({
      aud: this.agents.disbursement.spec.id,
      wid,
      exec_act: "underwrite_decision",
      pred: [credit.ect.claims.jti, fraud.ect.claims.jti],
      inp_hash: (await prepareBody(joined)).hash,
      out_hash: out.hash,
      ect_ext: { pol: policy, pol_decision: approved ? "approved" : "rejected" },
    });
    let disbursement: unknown = null;
    if (approved) {
      const response = await me.send(this.agents.disbursement, ect.token, out);
      // SPEC 8: the response carries the callee's ECT; verify it and bind it to the response body.
      const received = await readExecutionContext(response, {
        verifier: me.verifier,
        bodyHashClaim: "out_hash",
      });
      if (!received.ok) {
        throw new Error(`disbursement's answer refused: ${received.error.code ?? received.error.status}`);
      }
      const answerEct = received.value.ects[0]!;
      me.say(
        "verify",
        `verified response ECT ${short(answerEct.claims.jti)} from disbursement: signature, aud, time, DAG vs ledger, replay, out_hash = body`,
        answerEct.claims.jti,
      );
      disbursement = parseJson(received.value.body);
    }
    this.#joins.delete(wid);
    return new TextEncoder().encode(JSON.stringify({ decision, disbursement }));
  }

  #disbursementHandler(): RequestListener {
    const me = this.agents.disbursement;
    return this.#verified(me, { bodyHashClaim: "out_hash" }, async (_req, res, { ects, body, bodyHash }) => {
      const input = ects[0]!;
      const ext = input.claims.ect_ext;
      if (ects.length !== 1 || input.claims.iss !== this.agents.underwriting.spec.id) {
        return appError(res, me, 422, "expects exactly the underwriting ECT");
      }
      if (ext?.["pol_decision"] !== "approved")
        return appError(res, me, 409, "the decision is not an approval");
      const decision = parseJson<{ applicationId: string; amount: number; currency: string }>(body);
      const transfer = {
        applicationId: decision.applicationId,
        transferId: `TX-${short(input.claims.wid ?? "", 8).toUpperCase()}`,
        amount: decision.amount,
        currency: decision.currency,
        status: "sent",
      };
      me.say(
        "work",
        `transfer ${transfer.transferId}: ${transfer.amount} ${transfer.currency} for ${transfer.applicationId}`,
      );
      const out = await prepareBody(JSON.stringify(transfer));
      const ect = await me.issue({
        aud: this.agents.underwriting.spec.id,
        wid: input.claims.wid!,
        exec_act: "disburse_funds",
        pred: [input.claims.jti],
        inp_hash: bodyHash,
        out_hash: out.hash,
      });
      sendJson(res, 200, out.bytes, ect.token);
    });
  }
}
