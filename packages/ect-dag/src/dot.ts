import { EctError } from "ect-core";
import { choiceOption, ectKey } from "ect-core/internal";
import type { EctGraph, GraphNode, NodeRef } from "./graph.js";
import { checkLabelLength, cleanLabel, shortId } from "./label-text.js";

/** Options of {@link toDot}. */
export interface DotOptions {
  /** Graphviz `rankdir` (default `"TB"`, top to bottom). */
  readonly rankdir?: "TB" | "BT" | "LR" | "RL";
  /** Add the last 8 characters of the `jti` under the action (default true). */
  readonly showJti?: boolean;
  /** Longest `exec_act` shown, in code points; longer ones end in an ellipsis (default 48). */
  readonly maxLabelLength?: number;
  /** Nodes drawn with a thick border, e.g. the result of {@link criticalPath}. */
  readonly highlight?: readonly NodeRef[];
}

/**
 * Escapes cleaned text for a double-quoted DOT string: backslash first (so no `\N`, `\G`, `\l`
 * escapes of Graphviz can be smuggled in), the quote, then `&`, `<`, `>` and every non-ASCII
 * character as HTML entities, which Graphviz decodes in labels.
 */
function dotText(text: string): string {
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "&") out += "&amp;";
    else if (ch === "<") out += "&lt;";
    else if (ch === ">") out += "&gt;";
    else if (cp < 0x20 || cp > 0x7e) out += `&#${cp};`;
    else out += ch;
  }
  return out;
}

/**
 * Renders a graph in the Graphviz DOT language: one rounded box per task labelled with its
 * `exec_act` (and short `jti`), an edge from each predecessor to its child, unresolved
 * predecessors as dashed boxes with dashed edges. Node ids are `n0`, `n1`, ... by input position;
 * every label is escaped, so a hostile `exec_act` cannot end the string or inject attributes.
 *
 * @example
 * ```ts
 * await writeFile("workflow.dot", toDot(graph)); // then: dot -Tsvg workflow.dot > workflow.svg
 * ```
 *
 * @throws {@link EctConfigError} for a bad option; {@link EctError} `ECT_CONFIG_INVALID` for a `highlight` naming no node.
 */
export function toDot(graph: EctGraph, options: DotOptions = {}): string {
  const rankdir = choiceOption(options.rankdir, ["TB", "BT", "LR", "RL"], "rankdir");
  const showJti = options.showJti ?? true;
  const maxLength = checkLabelLength(options.maxLabelLength, 48, "maxLabelLength");
  const highlighted = new Set((options.highlight ?? []).map((ref) => graph.node(ref).index));

  const label = (n: GraphNode): string => {
    const act = dotText(cleanLabel(n.execAct ?? "(no exec_act)", maxLength));
    return showJti ? `${act}\\n${dotText(shortId(n.jti))}` : act;
  };

  const lines = [
    "digraph ect {",
    `  rankdir=${rankdir};`,
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
  ];
  for (const n of graph.nodes) {
    const bold = highlighted.has(n.index) ? ", penwidth=3" : "";
    lines.push(`  n${n.index} [label="${label(n)}"${bold}];`);
  }
  const unresolvedIds = new Map<string, string>();
  const edges: string[] = [];
  for (const n of graph.nodes) {
    for (const p of graph.parents(n)) edges.push(`  n${p.index} -> n${n.index};`);
    for (const id of graph.unresolved(n)) {
      const key = ectKey(n.wid, id);
      let uid = unresolvedIds.get(key);
      if (uid === undefined) {
        uid = `u${unresolvedIds.size}`;
        unresolvedIds.set(key, uid);
        lines.push(`  ${uid} [label="unresolved\\n${dotText(shortId(id))}", style="rounded,dashed"];`);
      }
      edges.push(`  ${uid} -> n${n.index} [style=dashed];`);
    }
  }
  lines.push(...edges, "}");
  return lines.join("\n");
}
