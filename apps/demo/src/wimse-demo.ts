// `ect-demo --wimse`: the workflow in a WIMSE deployment (profile §9). A local identity server
// issues each agent a Workload Identity Token for its own Ed25519 key; every hop carries the WIT,
// a fresh Workload Proof Token whose `oth` covers the exact `Execution-Context` value, and the ECT
// signed with the WIT's key (no kid: the WIT is the key binding). Receivers verify all three with
// ect-wimse through ect-http's `workloadIdentity` option. Then the WIMSE attacks, each refused
// with its status and code.
//
//   portal -> intake -> credit-check -> underwriting
//
// Every accepted ECT is appended to one memory ledger together with the WIT it was accepted on
// (profile §7 leaf input); the auditor re-verifies each entry with its stored WIT as of ingestion,
// and detects a WIT swapped in storage.
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createEct, type EctKeyPair } from "ect-crypto";
import { type PreparedBody, prepareBody, withWorkloadIdentity } from "ect-http";
import { createEctNodeHandler, readNodeBody, sendProblem } from "ect-http/node";
import { auditLedger } from "ect-ledger";
import { MemoryLedger } from "ect-ledger-memory";
import { tamperMemoryLedger } from "ect-ledger-memory/testing";
import {
  createWitAuditVerifier,
  createWorkloadEctVerifier,
  createWpt,
  createWptFactory,
  type TrustAnchors,
} from "ect-wimse";
import { createIdentityServer, type IssuedWit } from "ect-wimse/testing";
import type { AgentInfo, AttackOutcome, DemoStep, OutcomeCheck } from "./demo-report.js";
import { StepLog, short } from "./demo-report.js";
import { attackLine, checkLine, heading, type Style } from "./terminal-report.js";

/** The trust domain of the bank's workloads. */
const TRUST_DOMAIN = "bank.example";

/** What `ect-demo --wimse --json` prints. */
export interface WimseDemoReport {
  /** Document format version. */
  readonly version: 1;
  /** Which demo ran. */
  readonly mode: "wimse";
  /** Every check and attack had its expected outcome. */
  readonly ok: boolean;
  /** The trust domain and its identity server's key id. */
  readonly identityServer: { readonly trustDomain: string; readonly kid: string };
  /** The agents (`kid`: the RFC 7638 thumbprint of the WIT's `cnf.jwk`). */
  readonly agents: readonly AgentInfo[];
  /** The workflow's result. */
  readonly workflow: { readonly wid: string; readonly result: unknown };
  /** Everything that happened, in order. */
  readonly steps: readonly DemoStep[];
  /** Expected outcomes of the happy path. */
  readonly checks: readonly OutcomeCheck[];
  /** The WIMSE attacks. */
  readonly attacks: readonly AttackOutcome[];
  /** Wall time in milliseconds. */
  readonly durationMs: number;
}

interface WimseAgent {
  readonly name: string;
  readonly role: string;
  readonly identity: IssuedWit;
  readonly server: Server;
  readonly url: string;
  /** Every request it sent, as on the wire: what an eavesdropper on loopback would capture. */
  readonly sent: { readonly url: string; readonly headers: Headers; readonly body: Uint8Array }[];
}

interface Attempt {
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly detail: string;
}

async function listen(handler: { current: RequestListener }): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => handler.current(req, res));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function readAttempt(res: Response): Promise<Attempt> {
  const text = await res.text();
  if ((res.headers.get("content-type") ?? "").startsWith("application/problem+json")) {
    const problem = JSON.parse(text) as { code?: string; detail?: string };
    return { status: res.status, code: problem.code, detail: problem.detail ?? "" };
  }
  return { status: res.status, code: undefined, detail: text.slice(0, 200) };
}

function check(name: string, expected: unknown, actual: unknown): OutcomeCheck {
  const e = typeof expected === "string" ? expected : JSON.stringify(expected);
  const a = typeof actual === "string" ? actual : JSON.stringify(actual);
  return { name, expected: e, actual: a, passed: e === a };
}

/** Options of {@link runWimseDemo}. */
export interface RunWimseDemoOptions {
  /** Told about every step as it happens. */
  readonly onStep?: (step: DemoStep) => void;
}

/** Runs the WIMSE demo end to end on loopback. */
export async function runWimseDemo(options: RunWimseDemoOptions = {}): Promise<WimseDemoReport> {
  const log = new StepLog(options.onStep);
  const identity = await createIdentityServer({ trustDomain: TRUST_DOMAIN });
  const trustAnchors: TrustAnchors = identity.trustAnchors;
  const ledger = new MemoryLedger();
  log.add(
    "identity",
    "info",
    `identity server of trust domain ${TRUST_DOMAIN} (ES256 kid ${short(String(identity.publicJwk.kid), 12)}) is every agent's only trust anchor`,
  );

  const specs = [
    ["intake", "opens the workflow and sends the application on"],
    ["credit-check", "scores the applicant's credit"],
    ["underwriting", "decides under the lending policy"],
  ] as const;
  const handlers = new Map<string, { current: RequestListener }>();
  const agents = new Map<string, WimseAgent>();
  for (const [name, role] of specs) {
    const handler = { current: (() => {}) as RequestListener };
    const { server, url } = await listen(handler);
    const issued = await identity.issueWit({ workload: `agent/${name}` });
    handlers.set(name, handler);
    agents.set(name, { name, role, identity: issued, server, url, sent: [] });
    log.add(
      name,
      "info",
      `listening on ${url}; WIT for ${issued.subject}, cnf.jwk ${issued.key.alg} (thumbprint ${short(issued.key.kid, 12)})`,
    );
  }
  const agent = (name: string) => agents.get(name)!;

  /** Sends the ECT with the sender's WIT and a fresh WPT covering it (profile §8, §9). */
  async function send(from: WimseAgent, to: WimseAgent, ect: string, body: PreparedBody): Promise<Response> {
    const url = `${to.url}/tasks`;
    const init = await withWorkloadIdentity(
      url,
      { method: "POST", body: body.bytes as Uint8Array<ArrayBuffer> },
      ect,
      { wit: from.identity.wit, proof: createWptFactory(from.identity) },
    );
    from.sent.push({ url, headers: new Headers(init.headers), body: body.bytes });
    log.add(from.name, "send", `POST ${to.name}: ECT + WIT + WPT (oth covers execution-context)`);
    return fetch(url, init);
  }

  async function issue(
    from: WimseAgent,
    claims: Record<string, unknown>,
  ): Promise<{ token: string; jti: string }> {
    const jti = randomUUID();
    const token = await createEct(
      { iss: from.identity.subject, exec_act: "task", pred: [], ...claims, jti } as Parameters<
        typeof createEct
      >[0],
      from.identity.key,
    );
    log.add(from.name, "issue", `ECT ${short(jti)} ${String(claims.exec_act)} signed with its WIT key`, jti);
    return { token, jti };
  }

  /** A receiver: ect-http verifies WIT, WPT and ECT (ect-wimse), then the task runs. */
  function receiver(
    me: WimseAgent,
    work: (ect: { claims: Record<string, unknown> }, body: Uint8Array, bodyHash: string) => Promise<unknown>,
  ): RequestListener {
    const verifier = createWorkloadEctVerifier({
      verifierId: me.identity.subject,
      trustAnchors,
      requireOth: ["execution-context"],
      ledger, // level 3: the ECT is appended with the WIT it was accepted on
    });
    const inner = createEctNodeHandler(
      async (_req, res, { ects, body, bodyHash }) => {
        const ect = ects[0]!;
        log.add(
          me.name,
          "verify",
          `verified WIT of ${ect.claims.iss}, WPT (aud, wth, oth, jti), ECT ${short(ect.claims.jti)} with the WIT's key`,
          ect.claims.jti,
        );
        const out = new TextEncoder().encode(JSON.stringify(await work(ect, body, bodyHash)));
        res.writeHead(200, { "content-type": "application/json", "content-length": out.byteLength });
        res.end(out);
      },
      { workloadIdentity: { verifier, origin: me.url }, bodyHashClaim: "out_hash" },
    );
    return (req, res) => {
      // Log refusals as the receiver sees them, then answer with the problem document.
      const end = res.end.bind(res);
      res.end = ((...args: Parameters<typeof res.end>) => {
        if (res.statusCode >= 400) {
          const text = typeof args[0] === "string" ? args[0] : "";
          const code = /"code":"([A-Z_]+)"/.exec(text)?.[1] ?? "";
          log.add(me.name, "refuse", `refused ${res.statusCode} ${code}`);
        }
        return end(...args);
      }) as typeof res.end;
      inner(req, res);
    };
  }

  const intake = agent("intake");
  const credit = agent("credit-check");
  const underwriting = agent("underwriting");
  handlers.get("underwriting")!.current = receiver(underwriting, async (ect, body) => {
    const input = JSON.parse(new TextDecoder().decode(body)) as { score: number };
    const decision = input.score >= 650 ? "approved" : "rejected";
    log.add(
      "underwriting",
      "work",
      `credit score ${input.score} → ${decision} (pred ${short(String(ect.claims.jti))})`,
    );
    return { decision, policy: "lending-policy-v3" };
  });
  handlers.get("credit-check")!.current = receiver(credit, async (ect, body, bodyHash) => {
    const app = JSON.parse(new TextDecoder().decode(body)) as { amount: number; annualIncome: number };
    const score = Math.max(300, Math.min(850, Math.round(850 - (app.amount / app.annualIncome) * 400)));
    log.add("credit-check", "work", `credit score ${score}`);
    const out = await prepareBody(JSON.stringify({ score }));
    const mine = await issue(credit, {
      aud: underwriting.identity.subject,
      wid: ect.claims.wid,
      exec_act: "credit_check",
      pred: [ect.claims.jti],
      inp_hash: bodyHash,
      out_hash: out.hash,
    });
    const answer = await send(credit, underwriting, mine.token, out);
    if (answer.status !== 200) throw new Error(`underwriting answered ${answer.status}`);
    return answer.json();
  });
  handlers.get("intake")!.current = (req, res) => {
    void (async () => {
      const body = await readNodeBody(req);
      const wid = randomUUID();
      log.add("intake", "work", `application received; workflow ${short(wid)} opened`);
      const out = await prepareBody(body);
      const mine = await issue(intake, {
        aud: credit.identity.subject,
        wid,
        exec_act: "intake_application",
        pred: [],
        out_hash: out.hash,
      });
      const answer = await send(intake, credit, mine.token, out);
      const result = { wid, ...((await answer.json()) as object) };
      const bytes = new TextEncoder().encode(JSON.stringify(result));
      res.writeHead(answer.status, {
        "content-type": "application/json",
        "content-length": bytes.byteLength,
      });
      res.end(bytes);
    })().catch((error: unknown) => {
      sendProblem(res, {
        status: 500,
        code: undefined,
        cause: error,
        problem: {
          type: "about:blank",
          title: "Internal Server Error",
          status: 500,
          detail: "intake failed",
        },
      });
    });
  };

  try {
    // 1. The happy path.
    log.phase = "workflow";
    const application = { applicationId: "A-1042", amount: 25000, annualIncome: 84000 };
    log.add("portal", "send", "POST intake /applications");
    const response = await fetch(`${intake.url}/applications`, {
      method: "POST",
      body: JSON.stringify(application),
    });
    const result = (await response.json()) as { wid: string; decision?: string };
    const audit = await auditLedger({ ledger, verifyToken: createWitAuditVerifier({ trustAnchors }) });
    log.phase = "audit";
    log.add(
      "auditor",
      "verify",
      `ledger: ${audit.entries} entries, each with its WIT in the leaf; re-verified with the stored WIT as of ingestion: ${audit.problems.length} problems`,
    );
    const stored = await ledger.range();
    const checks: OutcomeCheck[] = [
      check(
        "ledger entries, each stored with its WIT",
        2,
        stored.filter((e) => typeof e.wit === "string").length,
      ),
      check("audit with the stored WITs: problems", 0, audit.problems.length),
      check("workflow answered", 200, response.status),
      check("loan decision", "approved", result.decision ?? "none"),
      check(
        "hops verified with WIT + WPT + ECT",
        2,
        log.steps.filter((s) => s.kind === "verify" && s.actor !== "auditor").length,
      ),
    ];

    // 2. The attacks.
    log.phase = "attack";
    const attacks: AttackOutcome[] = [];
    const attack = async (
      id: string,
      title: string,
      description: string,
      target: { readonly name: string },
      expected: { status: number | undefined; code: string },
      run: () => Promise<Attempt>,
    ) => {
      log.add("attacker", "send", `${title} → ${target.name}`);
      const actual = await run();
      attacks.push({
        id,
        title,
        description,
        target: target.name,
        expected,
        actual,
        passed: actual.status === expected.status && actual.code === expected.code,
      });
    };
    const attempt = async (url: string, init: RequestInit) => readAttempt(await fetch(url, init));
    const body = await prepareBody(JSON.stringify({ score: 800 }));
    const claimsFor = (iss: string, aud: string) => ({
      iss,
      aud,
      wid: randomUUID(),
      exec_act: "credit_check",
      pred: [],
      out_hash: body.hash,
    });

    await attack(
      "iss-not-wit-sub",
      "ECT iss is not the WIT's sub",
      "intake's key and WIT sign an ECT claiming to come from credit-check",
      underwriting,
      { status: 403, code: "ECT_WIT_SUBJECT_MISMATCH" },
      async () => {
        const forged = await createEct(
          claimsFor(credit.identity.subject, underwriting.identity.subject) as Parameters<
            typeof createEct
          >[0],
          intake.identity.key,
        );
        const url = `${underwriting.url}/tasks`;
        return attempt(
          url,
          await withWorkloadIdentity(
            url,
            { method: "POST", body: body.bytes as Uint8Array<ArrayBuffer> },
            forged,
            {
              wit: intake.identity.wit,
              proof: createWptFactory(intake.identity),
            },
          ),
        );
      },
    );

    await attack(
      "untrusted-domain",
      "WIT from an untrusted domain",
      "a rogue identity server of evil.example issues its own WIT; the ECT and WPT are signed with its key",
      underwriting,
      { status: 400, code: "ECT_WIT_UNTRUSTED" },
      async () => {
        const rogue = await createIdentityServer({ trustDomain: "evil.example" });
        const stranger = await rogue.issueWit({ workload: "agent/credit-check" });
        const ect = await createEct(
          claimsFor(stranger.subject, underwriting.identity.subject) as Parameters<typeof createEct>[0],
          stranger.key,
        );
        const url = `${underwriting.url}/tasks`;
        return attempt(
          url,
          await withWorkloadIdentity(
            url,
            { method: "POST", body: body.bytes as Uint8Array<ArrayBuffer> },
            ect,
            {
              wit: stranger.wit,
              proof: createWptFactory(stranger),
            },
          ),
        );
      },
    );

    await attack(
      "replayed-wpt",
      "Replayed WPT",
      "an eavesdropper re-sends intake's captured request to credit-check: WIT, WPT, ECT and body as on the wire",
      credit,
      { status: 400, code: "ECT_WPT_REPLAY" },
      async () => {
        const captured = intake.sent[0]!;
        return attempt(captured.url, {
          method: "POST",
          headers: captured.headers,
          body: captured.body as Uint8Array<ArrayBuffer>,
        });
      },
    );

    await attack(
      "oth-mismatch",
      "WPT oth does not match Execution-Context",
      "a WPT made for one ECT travels with another Execution-Context value",
      underwriting,
      { status: 400, code: "ECT_WPT_OTH_MISMATCH" },
      async () => {
        const claims = claimsFor(credit.identity.subject, underwriting.identity.subject);
        const shown = await createEct(claims as Parameters<typeof createEct>[0], credit.identity.key);
        const swapped = await createEct(
          { ...claims, jti: randomUUID() } as Parameters<typeof createEct>[0],
          credit.identity.key,
        );
        const url = `${underwriting.url}/tasks`;
        const wpt = await createWpt({
          wit: credit.identity.wit,
          key: credit.identity.key as EctKeyPair,
          url,
          cover: { "execution-context": shown },
        });
        return attempt(url, {
          method: "POST",
          headers: {
            "Execution-Context": swapped,
            "Workload-Identity-Token": credit.identity.wit,
            "Workload-Proof-Token": wpt,
          },
          body: body.bytes as Uint8Array<ArrayBuffer>,
        });
      },
    );

    await attack(
      "wit-swapped",
      "WIT swapped in the ledger",
      "someone with access to the ledger's storage replaces an entry's WIT with another WIT of the same workload",
      { name: "auditor" },
      { status: undefined, code: "ECT_LEDGER_TREE_MISMATCH" },
      async () => {
        const other = await identity.issueWit({ workload: "agent/intake" });
        tamperMemoryLedger(ledger, (entries) => {
          entries[0] = { ...entries[0]!, wit: other.wit };
        });
        const after = await auditLedger({ ledger, verifyToken: createWitAuditVerifier({ trustAnchors }) });
        const first = after.problems[0];
        log.add(
          "auditor",
          "refuse",
          `audit: ${after.problems.map((p) => `#${p.index} ${p.code}`).join(", ")}`,
        );
        return { status: undefined, code: first?.code, detail: first?.message ?? "" };
      },
    );

    return {
      version: 1,
      mode: "wimse",
      ok: checks.every((c) => c.passed) && attacks.every((a) => a.passed),
      identityServer: { trustDomain: TRUST_DOMAIN, kid: String(identity.publicJwk.kid) },
      agents: [...agents.values()].map((a) => ({
        name: a.name,
        id: a.identity.subject,
        role: a.role,
        url: a.url,
        kid: a.identity.key.kid,
        alg: a.identity.key.alg,
      })),
      workflow: { wid: result.wid, result },
      steps: log.steps,
      checks,
      attacks,
      durationMs: log.elapsed(),
    };
  } finally {
    for (const a of agents.values()) {
      a.server.closeAllConnections();
      a.server.close();
    }
  }
}

/** Everything after the live steps of `--wimse`: attacks, checks, verdict. */
export function formatWimseSummary(report: WimseDemoReport, style: Style): string {
  const out: string[] = [heading("Attack results", style)];
  for (const a of report.attacks) out.push(attackLine(a, style));
  out.push(heading("Expected outcomes", style));
  for (const c of report.checks) out.push(checkLine(c, style));
  const failed =
    report.attacks.filter((a) => !a.passed).length + report.checks.filter((c) => !c.passed).length;
  const total = report.attacks.length + report.checks.length;
  out.push(
    "",
    failed === 0
      ? style.green(style.bold(`All ${total} expected outcomes happened`))
      : style.red(style.bold(`${failed} of ${total} expected outcomes did not happen`)),
  );
  return out.join("\n");
}
