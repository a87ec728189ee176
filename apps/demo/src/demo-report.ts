// The one document the demo produces: the terminal view, `--json` and the HTML page all render it.

/** An agent of the workflow. */
export interface AgentInfo {
  /** Short name, e.g. `credit-check`. */
  readonly name: string;
  /** Its workload id: the `iss` of its ECTs, the `aud` of ECTs sent to it. */
  readonly id: string;
  /** What it does, for people. */
  readonly role: string;
  /** Where it listens, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Its signing key's `kid` and algorithm. */
  readonly kid: string;
  /** Its signing algorithm. */
  readonly alg: string;
}

/** One thing that happened, in order. */
export interface DemoStep {
  /** Milliseconds since the demo started. */
  readonly at: number;
  /** Which phase. */
  readonly phase: "setup" | "workflow" | "attack" | "audit";
  /** The agent (or `portal`, `attacker`, `auditor`) that did it. */
  readonly actor: string;
  /** What kind of step. */
  readonly kind: "send" | "verify" | "refuse" | "work" | "issue" | "ledger" | "wait" | "info";
  /** One line for people. */
  readonly text: string;
  /** The ECT concerned, when any. */
  readonly jti?: string;
}

/** An attack and what became of it. */
export interface AttackOutcome {
  /** Stable id, e.g. `replay`. */
  readonly id: string;
  /** Short title. */
  readonly title: string;
  /** What the attacker does, for people. */
  readonly description: string;
  /** The agent (or the auditor) that must refuse it. */
  readonly target: string;
  /** What must happen. */
  readonly expected: { readonly status: number | undefined; readonly code: string };
  /** What happened. */
  readonly actual: {
    readonly status: number | undefined;
    readonly code: string | undefined;
    readonly detail: string;
  };
  /** `expected` and `actual` agree. */
  readonly passed: boolean;
}

/** One row of the audit trail. */
export interface AuditRow {
  /** Sequence number. */
  readonly seq: number;
  /** The agent whose key signed it (by `iss`). */
  readonly agent: string;
  /** Its `exec_act`. */
  readonly execAct: string;
  /** Its `jti`. */
  readonly jti: string;
  /** Its `pred`. */
  readonly pred: readonly string[];
  /** Leaf hash (hex). */
  readonly leafHash: string;
  /** Chain hash (hex). */
  /** Set when the entry was altered by the tampering attack. */
  readonly tampered: boolean;
}

/** The workflow's graph, for drawing. */
export interface DagInfo {
  /** Tasks. */
  readonly nodes: readonly { readonly jti: string; readonly agent: string; readonly execAct: string }[];
  /** Edges predecessor -> successor, by `jti`. */
  readonly edges: readonly { readonly from: string; readonly to: string }[];
  /** The terminal drawing from `ect-dag`'s `toAscii`. */
  readonly ascii: string;
  /** The Mermaid source from `ect-dag`'s `toMermaid`. */
  readonly mermaid: string;
}

/** An expected outcome of the happy path or the audit. */
export interface OutcomeCheck {
  /** What is checked. */
  readonly name: string;
  /** What must be. */
  readonly expected: string;
  /** What was. */
  readonly actual: string;
  /** They agree. */
  readonly passed: boolean;
}

/** The whole demo. */
export interface DemoReport {
  /** Document format version. */
  readonly version: 1;
  /** Every check and attack had its expected outcome. */
  readonly ok: boolean;
  /** Which ledger backend ran. */
  readonly ledger: { readonly kind: "memory" | "redis" | "postgres"; readonly location: string };
  /** The workflow id and its final result. */
  readonly workflow: { readonly wid: string; readonly application: unknown; readonly result: unknown };
  /** The agents. */
  readonly agents: readonly AgentInfo[];
  /** Everything that happened, in order. */
  readonly steps: readonly DemoStep[];
  /** Expected outcomes of the happy path and the audit. */
  readonly checks: readonly OutcomeCheck[];
  /** The attacks. */
  readonly attacks: readonly AttackOutcome[];
  /** The ledger, after the tampering attack. */
  readonly audit: {
    readonly entries: readonly AuditRow[];
    /** The log check (Merkle tree and checkpoints) before the tampering. */
    readonly chainBefore: { readonly valid: boolean; readonly entries: number };
    /** The log check after it. */
    readonly chainAfter: {
      readonly valid: boolean;
      readonly brokenAt: number | undefined;
      readonly code: string | undefined;
    };
    /** Problems a full audit (`auditLedger`) found after it. */
    readonly fullAudit: readonly {
      readonly seq: number | undefined;
      readonly code: string;
      readonly message: string;
    }[];
  };
  /** The workflow's DAG. */
  readonly dag: DagInfo;
  /** Wall time in milliseconds. */
  readonly durationMs: number;
}

/** Collects steps and tells a listener as they happen. */
export class StepLog {
  readonly steps: DemoStep[] = [];
  readonly #start = Date.now();
  readonly #listener: ((step: DemoStep) => void) | undefined;
  phase: DemoStep["phase"] = "setup";

  constructor(listener?: (step: DemoStep) => void) {
    this.#listener = listener;
  }

  /** Records a step. */
  add(actor: string, kind: DemoStep["kind"], text: string, jti?: string): void {
    const step: DemoStep = {
      at: Date.now() - this.#start,
      phase: this.phase,
      actor,
      kind,
      text,
      ...(jti === undefined ? {} : { jti }),
    };
    this.steps.push(step);
    this.#listener?.(step);
  }

  /** Milliseconds since the start. */
  elapsed(): number {
    return Date.now() - this.#start;
  }
}

/** The first eight characters of a UUID or hash, for people. */
export function short(id: string, length = 8): string {
  return id.slice(0, length);
}
