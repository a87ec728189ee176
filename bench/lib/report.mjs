// The printed table and the figures' formatting.

const int = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const dec = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1, minimumFractionDigits: 1 });

/** Formats a number for the table: thousands separators, one decimal below 100. */
export function fmt(n) {
  if (n === undefined || n === null || Number.isNaN(n)) return "";
  return Math.abs(n) < 100 ? dec.format(n) : int.format(n);
}

/** The "result" cell of a row: ops/s, or a value with its unit. */
function resultCell(row) {
  if (row.error) return "ERROR";
  if (row.skipped) return "skipped";
  if (row.opsPerSec !== undefined) return `${fmt(row.opsPerSec)} /s`;
  if (row.value !== undefined) return `${fmt(row.value)} ${row.unit ?? ""}`.trim();
  return "";
}

function ratioCell(row) {
  if (row.ratio === undefined) return "";
  const p50 = row.p50Ratio === undefined ? "" : ` (p50: ${row.p50Ratio.toFixed(2)}x)`;
  return `${row.ratio.toFixed(2)}x${p50} ${row.ratioTo ? `vs ${row.ratioTo}` : ""}`.trim();
}

function targetCell(row) {
  if (!row.target) return "";
  const verdict = row.met ? "met" : "MISSED";
  return `${row.target.op} ${row.target.value} ${verdict}`;
}

/** Whether a row's ratio meets its target. */
export function meetsTarget(ratio, target) {
  return target.op === ">=" ? ratio >= target.value : ratio <= target.value;
}

/** Renders rows as a fixed-width text table (for the terminal). */
export function renderTable(rows) {
  const header = ["suite", "benchmark", "result", "p50 µs", "p99 µs", "ratio", "target"];
  const body = rows.map((r) => [
    r.suite,
    r.name,
    resultCell(r),
    r.p50Us === undefined ? "" : fmt(r.p50Us),
    r.p99Us === undefined ? "" : fmt(r.p99Us),
    ratioCell(r),
    targetCell(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const right = new Set([2, 3, 4]);
  const line = (cells) =>
    cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** Renders rows as a Markdown table (for bench/README.md). */
export function renderMarkdown(rows) {
  const esc = (s) => String(s).replaceAll("|", "\\|");
  const out = [
    "| suite | benchmark | result | p50 µs | p99 µs | ratio | target |",
    "|---|---|--:|--:|--:|---|---|",
  ];
  for (const r of rows) {
    out.push(
      `| ${esc(r.suite)} | ${esc(r.name)} | ${esc(resultCell(r))} | ${r.p50Us === undefined ? "" : fmt(r.p50Us)} | ${r.p99Us === undefined ? "" : fmt(r.p99Us)} | ${esc(ratioCell(r))} | ${esc(targetCell(r))} |`,
    );
  }
  return out.join("\n");
}
