// The human view: steps as they happen, then the attacks, the audit trail as a table and the DAG.
import type { AttackOutcome, AuditRow, DemoReport, DemoStep, OutcomeCheck } from "./demo-report.js";
import { short } from "./demo-report.js";

/** ANSI styling that becomes a no-op without colour. */
export class Style {
  readonly enabled: boolean;
  constructor(enabled: boolean) {
    this.enabled = enabled;
  }
  #wrap(open: number, close: number, text: string): string {
    return this.enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  }
  bold(t: string): string {
    return this.#wrap(1, 22, t);
  }
  dim(t: string): string {
    return this.#wrap(2, 22, t);
  }
  red(t: string): string {
    return this.#wrap(31, 39, t);
  }
  green(t: string): string {
    return this.#wrap(32, 39, t);
  }
  yellow(t: string): string {
    return this.#wrap(33, 39, t);
  }
  blue(t: string): string {
    return this.#wrap(34, 39, t);
  }
  magenta(t: string): string {
    return this.#wrap(35, 39, t);
  }
  cyan(t: string): string {
    return this.#wrap(36, 39, t);
  }
}

const KIND_MARK: Record<DemoStep["kind"], string> = {
  send: "→",
  verify: "✓",
  refuse: "✗",
  work: "•",
  issue: "✎",
  ledger: "▤",
  wait: "…",
  info: "·",
};

const ACTOR_WIDTH = 13;

/** Strips control characters from text that came off the wire before it reaches a terminal. */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, "?");
}

function pad(text: string, width: number): string {
  const len = [...text].length;
  return len >= width ? text : text + " ".repeat(width - len);
}

/** One step line, printed as it happens. */
export function formatStep(step: DemoStep, style: Style): string {
  const time = style.dim(`${(step.at / 1000).toFixed(3).padStart(7)}s`);
  const actorColor =
    step.actor === "attacker"
      ? style.red.bind(style)
      : step.actor === "auditor"
        ? style.magenta.bind(style)
        : step.actor === "portal"
          ? style.blue.bind(style)
          : style.cyan.bind(style);
  const mark = KIND_MARK[step.kind];
  const coloredMark =
    step.kind === "refuse"
      ? style.red(mark)
      : step.kind === "verify"
        ? style.green(mark)
        : step.kind === "issue" || step.kind === "ledger"
          ? style.yellow(mark)
          : mark;
  return `${time}  ${actorColor(pad(step.actor, ACTOR_WIDTH))} ${coloredMark} ${terminalSafe(step.text)}`;
}

/** A section heading. */
export function heading(text: string, style: Style): string {
  return `\n${style.bold(text)}\n${style.dim("─".repeat([...text].length))}`;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[], style: Style): string {
  const widths = headers.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? "")].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => pad(c, widths[i]!)).join("  ");
  return [
    style.bold(line(headers)),
    style.dim(widths.map((w) => "─".repeat(w)).join("  ")),
    ...rows.map((r) => line(r)),
  ].join("\n");
}

function auditTable(entries: readonly AuditRow[], style: Style): string {
  const rows = entries.map((e) => [
    String(e.seq),
    e.agent,
    terminalSafe(e.execAct),
    short(e.jti),
    e.pred.length === 0 ? "—" : e.pred.map((p) => short(p)).join(","),
    short(e.leafHash, 12) + (e.tampered ? " ⚠ tampered" : ""),
  ]);
  const text = table(["seq", "agent", "exec_act", "jti", "pred", "leaf hash"], rows, style);
  // Colour after layout, so escape codes do not disturb the column widths.
  return style.enabled ? text.replace(/⚠ tampered/g, style.red("⚠ tampered")) : text;
}

/** One attack and its outcome. */
export function attackLine(a: AttackOutcome, style: Style): string {
  const mark = a.passed ? style.green("✓") : style.red("✗");
  const got = `${a.actual.status ?? "—"} ${a.actual.code ?? "(no code)"}`;
  const want = `${a.expected.status ?? "—"} ${a.expected.code}`;
  const verb = a.target === "auditor" ? "detected" : "refused";
  const verdict = a.passed ? style.green(`${verb} ${got}`) : style.red(`got ${got}, expected ${want}`);
  return `${mark} ${style.bold(pad(a.title, 34))} ${style.dim(`→ ${pad(a.target, 13)}`)} ${verdict}\n    ${style.dim(a.description)}`;
}

/** One expected outcome and what happened. */
export function checkLine(c: OutcomeCheck, style: Style): string {
  const mark = c.passed ? style.green("✓") : style.red("✗");
  return c.passed
    ? `${mark} ${c.name}: ${c.actual}`
    : `${mark} ${c.name}: ${style.red(`got ${c.actual}, expected ${c.expected}`)}`;
}

/** Everything after the live steps: attacks, checks, audit trail, DAG, verdict. */
export function formatSummary(report: DemoReport, style: Style): string {
  const out: string[] = [];
  out.push(heading("Attack results", style));
  for (const a of report.attacks) out.push(attackLine(a, style));
  out.push(heading("Expected outcomes", style));
  for (const c of report.checks) out.push(checkLine(c, style));
  out.push(heading(`Audit trail (${report.ledger.kind} ledger, after the tampering)`, style));
  out.push(auditTable(report.audit.entries, style));
  const after = report.audit.chainAfter;
  out.push(
    "",
    `log check before tampering: ${report.audit.chainBefore.valid ? style.green("valid") : style.red("BROKEN")} (${report.audit.chainBefore.entries} entries)`,
    `log check after tampering:  ${after.valid ? style.red("valid (tampering missed!)") : style.yellow(`broken at #${after.brokenAt} ${after.code ?? ""}`)}`,
  );
  for (const p of report.audit.fullAudit) {
    out.push(
      `full audit: ${p.seq === undefined ? "" : `#${p.seq} `}${p.code}  ${style.dim(terminalSafe(p.message))}`,
    );
  }
  out.push(heading("Workflow DAG (ect-dag toAscii)", style));
  out.push(report.dag.ascii);
  out.push("");
  const failed =
    report.attacks.filter((a) => !a.passed).length + report.checks.filter((c) => !c.passed).length;
  const total = report.attacks.length + report.checks.length;
  out.push(
    failed === 0
      ? style.green(style.bold(`All ${total} expected outcomes happened`)) +
          style.dim(` (${(report.durationMs / 1000).toFixed(2)} s)`)
      : style.red(style.bold(`${failed} of ${total} expected outcomes did not happen`)),
  );
  return out.join("\n");
}
