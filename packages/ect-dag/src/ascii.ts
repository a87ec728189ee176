import { choiceOption, integerOption } from "ect-core/internal";
import type { EctGraph, GraphNode } from "./graph.js";
import { layersOf, orderWithRest } from "./graph-queries.js";
import { checkLabelLength, cleanLabel, shortId } from "./label-text.js";

/** Options of {@link toAscii}. */
export interface AsciiOptions {
  /** `"unicode"` box drawing (default) or plain `"ascii"` (`+-|`, non-ASCII text shown as `?`). */
  readonly charset?: "unicode" | "ascii";
  /**
   * Widest line of the drawing, in terminal columns (default 80, at least 20): a layer wider than
   * this wraps onto more rows. Legend lines (`jti` and time) may be longer.
   */
  readonly width?: number;
  /** Longest `exec_act` shown, in terminal columns (default 24). */
  readonly maxLabelLength?: number;
  /** List each node's name with its full `jti` and `iat` below the drawing (default true). */
  readonly legend?: boolean;
}

interface Glyphs {
  readonly tl: string;
  readonly tr: string;
  readonly bl: string;
  readonly br: string;
  readonly h: string;
  readonly v: string;
  readonly arrow: string;
}

const UNICODE: Glyphs = { tl: "┌", tr: "┐", bl: "└", br: "┘", h: "─", v: "│", arrow: "←" };
const ASCII: Glyphs = { tl: "+", tr: "+", bl: "+", br: "+", h: "-", v: "|", arrow: "<-" };

/** East Asian wide and emoji-presentation characters take two terminal columns. */
const WIDE =
  /[\p{Emoji_Presentation}\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]/u;
/** Combining marks would change the width of the character before them: dropped. */
const MARKS = /\p{M}/gu;

function charWidth(ch: string): number {
  return WIDE.test(ch) ? 2 : 1;
}

function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += charWidth(ch);
  return w;
}

/**
 * Attacker-controlled text made safe for a terminal: no control, escape or bidi characters (see
 * `cleanLabel`), no combining marks, only printable ASCII for the `ascii` charset, cut to `max`
 * columns.
 */
function terminalText(text: string, ascii: boolean, max: number): string {
  let cleaned = cleanLabel(text, Number.MAX_SAFE_INTEGER).replace(MARKS, "");
  if (ascii) cleaned = cleaned.replace(/[^\x20-\x7e]/gu, "?");
  if (textWidth(cleaned) <= max) return cleaned;
  const ellipsis = ascii ? "~" : "…";
  let out = "";
  let w = 0;
  for (const ch of cleaned) {
    const cw = charWidth(ch);
    if (w + cw > max - 1) break;
    out += ch;
    w += cw;
  }
  return out + ellipsis;
}

/** A, B, ..., Z, AA, AB, ...: short names in drawing order. */
function letterName(n: number): string {
  let name = "";
  let i = n + 1;
  while (i > 0) {
    const r = (i - 1) % 26;
    name = String.fromCharCode(65 + r) + name;
    i = Math.floor((i - 1) / 26);
  }
  return name;
}

function padTo(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - textWidth(text)));
}

/** Splits items joined by ", " into lines of at most `width` columns (an item never splits). */
function wrapItems(prefix: string, items: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = prefix;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]! + (i < items.length - 1 ? "," : "");
    const candidate = line === prefix ? line + item : `${line} ${item}`;
    if (textWidth(candidate) > width && line !== prefix) {
      lines.push(line);
      line = " ".repeat(textWidth(prefix)) + item;
    } else line = candidate;
  }
  lines.push(line);
  return lines;
}

interface Box {
  readonly lines: readonly string[];
  readonly inner: number;
}

/**
 * Draws a small DAG for a terminal, layer by layer: layer `L0` holds the roots, each node sits one
 * layer below its deepest predecessor. Each task is a box with a short name (`A`, `B`, ...), its
 * `exec_act`, and the names of its predecessors after an arrow (`← A, B`); an unresolved
 * predecessor shows as `?` and the last 8 characters of its `jti`. Nodes on a cycle (a ledger
 * written around the rules) are drawn in a last row marked `cyc`. A legend maps names to `jti` and
 * `iat`. Every claim shown is cleaned of control, escape and bidi characters first.
 *
 * @example
 * ```ts
 * console.log(toAscii(graph));
 * // L0 ┌─────────┐
 * //    │ A plan  │
 * //    └─────────┘
 * // L1 ┌──────────┐ ┌──────────┐
 * //    │ B search │ │ C fetch  │
 * //    │ ← A      │ │ ← A      │
 * //    └──────────┘ └──────────┘
 * // ...
 * ```
 *
 * @throws {@link EctConfigError} for a bad option.
 */
export function toAscii(graph: EctGraph, options: AsciiOptions = {}): string {
  const charset = choiceOption(options.charset, ["unicode", "ascii"], "charset");
  const ascii = charset === "ascii";
  const g = ascii ? ASCII : UNICODE;
  const width = integerOption(options.width, 80, "width", 20);
  const maxLabel = checkLabelLength(options.maxLabelLength, 24, "maxLabelLength");
  const legend = options.legend ?? true;
  if (graph.size === 0) return "(empty graph)";

  const { order, rest } = orderWithRest(graph);
  const rows: { tag: string; nodes: GraphNode[] }[] = layersOf(graph, order).map((nodes, i) => ({
    tag: `L${i}`,
    nodes,
  }));
  if (rest.length > 0) rows.push({ tag: "cyc", nodes: rest });
  const names = new Map<number, string>();
  for (const row of rows) for (const n of row.nodes) names.set(n.index, letterName(names.size));

  const gutter = Math.max(...rows.map((r) => r.tag.length)) + 1;
  const room = width - gutter;
  // A box is at most as wide as the room left of the gutter.
  const maxInner = Math.max(8, room - 4);

  const boxOf = (n: GraphNode): Box => {
    const name = names.get(n.index)!;
    const title = `${name} ${terminalText(n.execAct ?? "(no exec_act)", ascii, Math.min(maxLabel, maxInner - name.length - 1))}`;
    const preds = [
      ...graph.parents(n).map((p) => names.get(p.index)!),
      ...graph.unresolved(n).map((id) => `?${terminalText(shortId(id, 8, ascii ? ".." : "…"), ascii, 10)}`),
    ];
    const predLine = preds.length === 0 ? "" : `${g.arrow} ${preds.join(", ")}`;
    const inner = Math.min(maxInner, Math.max(textWidth(title), textWidth(predLine)));
    const lines = [title];
    if (preds.length > 0) lines.push(...wrapItems(`${g.arrow} `, preds, inner));
    return { lines, inner: Math.max(inner, ...lines.map(textWidth)) };
  };

  const out: string[] = [];
  for (const row of rows) {
    const boxes = row.nodes.map(boxOf);
    let first = true;
    for (let start = 0; start < boxes.length; ) {
      // As many boxes as fit in one terminal row (always at least one).
      let end = start;
      let used = 0;
      while (end < boxes.length) {
        const w = boxes[end]!.inner + 4 + (end > start ? 1 : 0);
        if (end > start && used + w > room) break;
        used += w;
        end++;
      }
      const chunk = boxes.slice(start, end);
      const height = Math.max(...chunk.map((b) => b.lines.length));
      const tag = padTo(first ? row.tag : "", gutter);
      const blank = " ".repeat(gutter);
      out.push(tag + chunk.map((b) => g.tl + g.h.repeat(b.inner + 2) + g.tr).join(" "));
      for (let i = 0; i < height; i++) {
        out.push(blank + chunk.map((b) => `${g.v} ${padTo(b.lines[i] ?? "", b.inner)} ${g.v}`).join(" "));
      }
      out.push(blank + chunk.map((b) => g.bl + g.h.repeat(b.inner + 2) + g.br).join(" "));
      first = false;
      start = end;
    }
  }
  if (rest.length > 0) out.push(`cyc: these tasks lie on or behind a cycle; the graph is not a DAG`);
  if (legend) {
    out.push("");
    for (const row of rows) {
      for (const n of row.nodes) {
        const iat =
          n.iat !== undefined && Math.abs(n.iat) < 8.64e12
            ? new Date(n.iat * 1000).toISOString().replace(".000Z", "Z")
            : "-";
        const name = names.get(n.index)!;
        out.push(`${name.padEnd(3)} ${terminalText(n.jti, ascii, 40)}  ${iat}`);
      }
    }
  }
  return out.map((l) => l.trimEnd()).join("\n");
}
