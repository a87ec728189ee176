// A self-contained HTML page: inline CSS, an inline SVG of the DAG laid out here, the audit table.
// No script, no external resource (the CSP forbids them), and every string escaped.
import { layoutDag } from "./dag-layout.js";
import type { DemoReport } from "./demo-report.js";
import { short } from "./demo-report.js";

/** Escapes text for HTML and SVG text and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;",
  );
}

// Agent colours; red is kept for tampered entries and failures.
const PALETTE = ["#2563eb", "#059669", "#d97706", "#7c3aed", "#0891b2", "#4d7c0f", "#be185d", "#475569"];

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/**
 * A task's id as the Mermaid source shows it (ect-dag's `toMermaid`: "…" and the last 8 characters
 * of the jti), so a task reads the same in the diagram, the tables and the Mermaid source.
 */
export function taskIdLabel(jti: string): string {
  return `…${jti.slice(-8)}`;
}

function dagSvg(report: DemoReport): string {
  const layout = layoutDag(report.dag);
  const colorOf = new Map(report.agents.map((a, i) => [a.name, PALETTE[i % PALETTE.length]!]));
  const tampered = new Set(report.audit.entries.filter((e) => e.tampered).map((e) => e.jti));
  const nodes = layout.nodes
    .map((n) => {
      const color = colorOf.get(n.agent) ?? "#64748b";
      const flag = tampered.has(n.jti);
      return `<g class="node" data-jti="${escapeHtml(n.jti)}">
  <rect x="${n.x}" y="${n.y}" width="${layout.nodeWidth}" height="${layout.nodeHeight}" rx="10" fill="#ffffff" stroke="${flag ? "#dc2626" : color}" stroke-width="${flag ? 3 : 2}"${flag ? ' stroke-dasharray="6 3"' : ""}/>
  <rect x="${n.x}" y="${n.y}" width="8" height="${layout.nodeHeight}" rx="4" fill="${color}"/>
  <text x="${n.x + 18}" y="${n.y + 22}" class="agent" fill="${color}">${escapeHtml(clip(n.agent, 24))}</text>
  <text x="${n.x + 18}" y="${n.y + 41}" class="act">${escapeHtml(clip(n.execAct, 26))}</text>
  <text x="${n.x + 18}" y="${n.y + 57}" class="jti">${escapeHtml(taskIdLabel(n.jti))}${flag ? " ⚠ tampering detected" : ""}</text>
</g>`;
    })
    .join("\n");
  const edges = layout.edges
    .map(
      (e) =>
        `<path d="${e.path}" fill="none" stroke="#94a3b8" stroke-width="2" marker-end="url(#arrow)"><title>${escapeHtml(taskIdLabel(e.from))} → ${escapeHtml(taskIdLabel(e.to))}</title></path>`,
    )
    .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" id="dag" role="img" aria-label="Workflow DAG" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#94a3b8"/></marker></defs>
${edges}
${nodes}
</svg>`;
}

function statusBadge(ok: boolean, yes: string, no: string): string {
  return ok
    ? `<span class="badge ok">${escapeHtml(yes)}</span>`
    : `<span class="badge bad">${escapeHtml(no)}</span>`;
}

/**
 * An attack's outcome. A refused request is green (the system said no, as it should). A ledger
 * entry rewritten in storage cannot be refused, only found afterwards: "detected", and red, because
 * the ledger it was found in is broken.
 */
function attackBadge(attack: DemoReport["attacks"][number]): string {
  if (!attack.passed) return statusBadge(false, "", "NOT AS EXPECTED");
  return attack.expected.status === undefined
    ? '<span class="badge bad">detected</span>'
    : statusBadge(true, "refused", "");
}

/** The whole page. */
export function renderHtmlReport(report: DemoReport): string {
  const agents = report.agents
    .map(
      (a) =>
        `<tr><td><b>${escapeHtml(a.name)}</b></td><td>${escapeHtml(a.role)}</td><td><code>${escapeHtml(a.id)}</code></td><td><code>${escapeHtml(a.url)}</code></td><td><code>${escapeHtml(a.alg)} ${escapeHtml(a.kid)}</code></td></tr>`,
    )
    .join("\n");
  const attacks = report.attacks
    .map(
      (a) =>
        `<tr class="${a.passed ? "pass" : "fail"}"><td>${attackBadge(a)}</td><td><b>${escapeHtml(a.title)}</b><br><span class="muted">${escapeHtml(a.description)}</span></td><td>${escapeHtml(a.target)}</td><td><code>${escapeHtml(a.expected.status ?? "—")} ${escapeHtml(a.expected.code)}</code></td><td><code>${escapeHtml(a.actual.status ?? "—")} ${escapeHtml(a.actual.code ?? "(none)")}</code><br><span class="muted">${escapeHtml(a.actual.detail)}</span></td></tr>`,
    )
    .join("\n");
  const checks = report.checks
    .map(
      (c) =>
        `<tr class="${c.passed ? "pass" : "fail"}"><td>${statusBadge(c.passed, "ok", "FAILED")}</td><td>${escapeHtml(c.name)}</td><td><code>${escapeHtml(c.expected)}</code></td><td><code>${escapeHtml(c.actual)}</code></td></tr>`,
    )
    .join("\n");
  const audit = report.audit.entries
    .map(
      (e) =>
        `<tr class="${e.tampered ? "fail" : ""}"><td>${e.seq}</td><td>${escapeHtml(e.agent)}</td><td>${escapeHtml(e.execAct)}</td><td><code title="${escapeHtml(e.jti)}">${escapeHtml(taskIdLabel(e.jti))}</code></td><td><code>${e.pred.length === 0 ? "—" : e.pred.map((p) => escapeHtml(taskIdLabel(p))).join(", ")}</code></td><td><code title="${escapeHtml(e.leafHash)}">${escapeHtml(short(e.leafHash, 16))}</code>${e.tampered ? ' <span class="badge bad">tampered: detected</span>' : ""}</td></tr>`,
    )
    .join("\n");
  const steps = report.steps
    .map(
      (s) =>
        `<tr class="k-${escapeHtml(s.kind)}"><td class="num">${(s.at / 1000).toFixed(3)}s</td><td>${escapeHtml(s.phase)}</td><td>${escapeHtml(s.actor)}</td><td>${escapeHtml(s.text)}</td></tr>`,
    )
    .join("\n");
  const after = report.audit.chainAfter;
  const fullAudit = report.audit.fullAudit
    .map(
      (p) =>
        `<li><code>${escapeHtml(p.code)}</code> ${p.seq === undefined ? "" : `at #${p.seq}: `}${escapeHtml(p.message)}</li>`,
    )
    .join("\n");
  const passed = report.attacks.filter((a) => a.passed).length + report.checks.filter((c) => c.passed).length;
  const total = report.attacks.length + report.checks.length;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>ECT demo report: loan review workflow</title>
<style>
:root { color-scheme: light; --fg: #0f172a; --muted: #64748b; --line: #e2e8f0; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #f8fafc; }
main { max-width: 1180px; margin: 0 auto; padding: 32px 24px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 12px; }
.muted { color: var(--muted); font-size: 13px; }
code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 16px; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; color: var(--muted); }
tr.fail td { background: #fef2f2; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.ok { background: #dcfce7; color: #166534; }
.badge.bad { background: #fee2e2; color: #991b1b; }
.summary { display: flex; gap: 12px; flex-wrap: wrap; margin-top: 12px; }
.summary div { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 8px 14px; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
svg .agent { font-size: 13px; font-weight: 700; }
svg .act { font-size: 13px; fill: #0f172a; }
svg .jti { font-size: 11px; fill: #64748b; font-family: ui-monospace, Menlo, Consolas, monospace; }
.dag { display: flex; justify-content: center; }
tr.k-refuse td { color: #991b1b; }
pre { white-space: pre-wrap; margin: 0; }
table.checks td:nth-child(2) { width: 34%; }
table.checks code, table.attacks code { word-break: break-word; }
table.attacks td:nth-child(2) { width: 36%; }
</style>
</head>
<body>
<main>
<h1>ECT demo: a loan review by ${report.agents.length} agents</h1>
<div class="muted">Execution Context Tokens (draft-nennemann-wimse-ect) over HTTP on loopback; ${escapeHtml(report.ledger.kind)} ledger <code>${escapeHtml(report.ledger.location)}</code>; workflow <code>${escapeHtml(report.workflow.wid)}</code></div>
<h2>What you are looking at</h2>
<div class="card">
<p>${report.agents.length} agents (services on this machine, talking HTTP on loopback) review a loan application together.
Each agent that finishes a task signs an <b>Execution Context Token</b> (ECT) saying what it did and after which
earlier tasks (<code>pred</code>), sends it with its request in the <code>Execution-Context</code> header, and the
receiver verifies it before acting. Every accepted ECT goes into an append-only audit ledger. Then an attacker tries
what a reviewer would ask about (forged keys, replays, a made-up predecessor, a rewritten ledger entry), and the
report shows what the system did about each.</p>
<p><b>Legend.</b> Diagram: one box per task, coloured by the agent that did it; an arrow runs from a task to the
one that followed it; a task is labelled by its action and the end of its id (<code>…1a2b3c4d</code>), as in the
Mermaid source at the bottom; a <span style="color:#dc2626">red dashed box</span> is a ledger entry found tampered.
Badges: <span class="badge ok">green</span> an outcome that is as it should be (an attack refused);
<span class="badge bad">red</span> something broken (a ledger entry rewritten and detected) or an outcome that
differs from what was expected.</p>
</div>

<div class="summary">
<div>${statusBadge(report.ok, "all expected outcomes", "OUTCOMES DIFFER")} <b>${passed}/${total}</b></div>
<div>attacks refused: <b>${report.attacks.filter((a) => a.passed).length}/${report.attacks.length}</b></div>
<div>ledger entries: <b>${report.audit.entries.length}</b></div>
<div>ledger after tampering: ${after.valid ? statusBadge(false, "", "valid: tampering MISSED") : `<span class="badge bad">tampering detected: broken at #${escapeHtml(after.brokenAt ?? "?")}</span> <code>${escapeHtml(after.code ?? "")}</code>`}</div>
<div>run time: <b>${(report.durationMs / 1000).toFixed(2)} s</b></div>
</div>

<h2>Workflow DAG</h2>
<div class="card dag">
${dagSvg(report)}
</div>

<h2>The story, step by step</h2>
<div class="card"><table>
<thead><tr><th>time</th><th>phase</th><th>actor</th><th>what happened</th></tr></thead>
<tbody>
${steps}
</tbody></table></div>

<h2>Attacks</h2>
<div class="card"><table class="attacks">
<thead><tr><th></th><th>attack</th><th>target</th><th>expected</th><th>actual</th></tr></thead>
<tbody>
${attacks}
</tbody></table></div>

<h2>Audit trail</h2>
<div class="card"><table>
<thead><tr><th>seq</th><th>agent</th><th>exec_act</th><th>jti</th><th>pred</th><th>leaf hash</th></tr></thead>
<tbody>
${audit}
</tbody></table>
<p class="muted">log check before tampering: ${report.audit.chainBefore.valid ? "valid" : "broken"} (${report.audit.chainBefore.entries} entries). After: ${after.valid ? "valid" : `broken at #${escapeHtml(after.brokenAt ?? "?")} with <code>${escapeHtml(after.code ?? "")}</code>`}.</p>
${fullAudit === "" ? "" : `<p class="muted">Full audit (tokens re-verified at ingestion time):</p><ul>${fullAudit}</ul>`}
</div>

<h2>Expected outcomes</h2>
<div class="card"><table class="checks">
<thead><tr><th></th><th>check</th><th>expected</th><th>actual</th></tr></thead>
<tbody>
${checks}
</tbody></table></div>

<h2>Agents</h2>
<div class="card"><table>
<thead><tr><th>agent</th><th>role</th><th>workload id (iss)</th><th>listening on</th><th>key</th></tr></thead>
<tbody>
${agents}
</tbody></table></div>

<h2>Mermaid source</h2>
<div class="card"><pre><code>${escapeHtml(report.dag.mermaid)}</code></pre></div>
</main>
</body>
</html>
`;
}
