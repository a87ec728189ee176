// The finished spans as a tree (parent -> children), each line naming its ECT: exec_act, jti, level,
// and the jti of each predecessor it links to.
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

export interface TraceNode {
  readonly name: string;
  readonly spanId: string;
  readonly jti: string | undefined;
  readonly level: number | undefined;
  /** The `ect.jti` of each linked predecessor. */
  readonly links: readonly string[];
  readonly children: TraceNode[];
}

export function traceTree(spans: readonly ReadableSpan[]): TraceNode[] {
  // In start order, so children are listed in the order they ran.
  const sorted = [...spans].sort(
    (a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1],
  );
  const nodes = new Map<string, TraceNode>();
  for (const span of sorted) {
    nodes.set(span.spanContext().spanId, {
      name: span.name,
      spanId: span.spanContext().spanId,
      jti: span.attributes["ect.jti"] as string | undefined,
      level: span.attributes["ect.level"] as number | undefined,
      links: span.links.map((l) => String(l.attributes?.["ect.jti"] ?? l.context.spanId)),
      children: [],
    });
  }
  const roots: TraceNode[] = [];
  for (const span of sorted) {
    const node = nodes.get(span.spanContext().spanId)!;
    const parent = span.parentSpanContext && nodes.get(span.parentSpanContext.spanId);
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

export function renderTraceTree(roots: readonly TraceNode[]): string {
  const lines: string[] = [];
  const walk = (node: TraceNode, prefix: string, last: boolean, top: boolean) => {
    const ect = node.jti === undefined ? "" : `  jti=${node.jti.slice(0, 8)} L${node.level}`;
    const links =
      node.links.length === 0 ? "" : `  links→ ${node.links.map((j) => j.slice(0, 8)).join(", ")}`;
    lines.push(`${top ? "" : `${prefix}${last ? "└─ " : "├─ "}`}${node.name}${ect}${links}`);
    const next = top ? "" : `${prefix}${last ? "   " : "│  "}`;
    for (const [i, child] of node.children.entries())
      walk(child, next, i === node.children.length - 1, false);
  };
  for (const root of roots) walk(root, "", true, true);
  return lines.join("\n");
}
