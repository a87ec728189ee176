import { EctError } from "ect-core";
import { choiceOption, ectKey } from "ect-core/internal";
import type { EctGraph, GraphNode, NodeRef } from "./graph.js";
import { checkLabelLength, cleanLabel, shortId } from "./label-text.js";

/** Options of {@link toMermaid}. */
export interface MermaidOptions {
  /** Flowchart direction (default `"TD"`, top down). */
  readonly direction?: "TD" | "TB" | "BT" | "LR" | "RL";
  /** Add the last 8 characters of the `jti` under the action (default true). */
  readonly showJti?: boolean;
  /** Longest `exec_act` shown, in code points; longer ones end in an ellipsis (default 48). */
  readonly maxLabelLength?: number;
  /** Nodes drawn with a thick border, e.g. the result of {@link criticalPath}. */
  readonly highlight?: readonly NodeRef[];
}

/** Characters left as they are; `#` and `:` are not among them (see {@link mermaidText}). */
const MERMAID_SAFE = /^[A-Za-z0-9 _.,/+=@-]$/;

/**
 * Escapes cleaned text for a double-quoted Mermaid label: every character outside a small safe set
 * becomes a Mermaid entity code `#<decimal>;`. So quotes, brackets, `<`/`>`/`&`, backticks, `#`,
 * `:` (which Mermaid's own entity pre-pass keys on after `style`/`classDef`) and every non-ASCII
 * character can neither end the label nor inject markup.
 */
function mermaidText(text: string): string {
  let out = "";
  for (const ch of text) out += MERMAID_SAFE.test(ch) ? ch : `#${ch.codePointAt(0)};`;
  return out;
}

/**
 * Renders a graph as a Mermaid flowchart: one box per task labelled with its `exec_act` (and
 * short `jti`), an arrow from each predecessor to its child, and unresolved predecessors as dashed
 * stadium shapes with dotted arrows. Node ids are `n0`, `n1`, ... by input position; no claim text
 * reaches the output unescaped, so a hostile `exec_act` cannot inject Mermaid syntax or HTML.
 *
 * @example
 * ```ts
 * const markdown = "```mermaid\n" + toMermaid(graph, { highlight: criticalPath(graph) }) + "\n```";
 * ```
 *
 * @throws {@link EctConfigError} for a bad option; {@link EctError} `ECT_CONFIG_INVALID` for a `highlight` naming no node.
 */
export function toMermaid(graph: EctGraph, options: MermaidOptions = {}): string {
  const direction = choiceOption(options.direction, ["TD", "TB", "BT", "LR", "RL"], "direction");
  const showJti = options.showJti ?? true;
  const maxLength = checkLabelLength(options.maxLabelLength, 48, "maxLabelLength");
  const highlighted = (options.highlight ?? []).map((ref) => graph.node(ref));

  const label = (n: GraphNode): string => {
    const act = mermaidText(cleanLabel(n.execAct ?? "(no exec_act)", maxLength));
    return showJti ? `${act}<br/>${mermaidText(shortId(n.jti))}` : act;
  };

  const lines = [`flowchart ${direction}`];
  for (const n of graph.nodes) lines.push(`  n${n.index}["${label(n)}"]`);

  const unresolvedIds = new Map<string, string>();
  const edges: string[] = [];
  for (const n of graph.nodes) {
    for (const p of graph.parents(n)) edges.push(`  n${p.index} --> n${n.index}`);
    for (const id of graph.unresolved(n)) {
      const key = ectKey(n.wid, id);
      let uid = unresolvedIds.get(key);
      if (uid === undefined) {
        uid = `u${unresolvedIds.size}`;
        unresolvedIds.set(key, uid);
        lines.push(`  ${uid}(["unresolved<br/>${mermaidText(shortId(id))}"])`);
      }
      edges.push(`  ${uid} -.-> n${n.index}`);
    }
  }
  lines.push(...edges);
  if (unresolvedIds.size > 0) {
    lines.push("  classDef unresolved stroke-dasharray:4 4");
    lines.push(`  class ${[...unresolvedIds.values()].join(",")} unresolved`);
  }
  if (highlighted.length > 0) {
    lines.push("  classDef highlight stroke-width:3px");
    lines.push(`  class ${[...new Set(highlighted.map((n) => `n${n.index}`))].join(",")} highlight`);
  }
  return lines.join("\n");
}
