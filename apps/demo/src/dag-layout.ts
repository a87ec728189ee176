// A small layered layout for the HTML report's SVG: each task sits one layer below its deepest
// predecessor; layers are centred; edges are curves from a parent's bottom to a child's top.
import type { DagInfo } from "./demo-report.js";

/** A placed node. */
export interface PlacedNode {
  readonly jti: string;
  readonly agent: string;
  readonly execAct: string;
  readonly layer: number;
  readonly x: number;
  readonly y: number;
}

/** A placed edge with its SVG path. */
export interface PlacedEdge {
  readonly from: string;
  readonly to: string;
  readonly path: string;
}

/** The whole layout. */
export interface DagLayout {
  readonly width: number;
  readonly height: number;
  readonly nodeWidth: number;
  readonly nodeHeight: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
}

const NODE_W = 210;
const NODE_H = 66;
const GAP_X = 40;
const GAP_Y = 64;
const MARGIN = 24;

/** Lays the DAG out top to bottom. Nodes on a cycle (never in a valid ledger) go to a last layer. */
export function layoutDag(dag: DagInfo): DagLayout {
  const parents = new Map<string, string[]>();
  for (const n of dag.nodes) parents.set(n.jti, []);
  for (const e of dag.edges) if (parents.has(e.to) && parents.has(e.from)) parents.get(e.to)!.push(e.from);

  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (jti: string): number => {
    const known = layer.get(jti);
    if (known !== undefined) return known;
    if (visiting.has(jti)) return -1;
    visiting.add(jti);
    let d = 0;
    for (const p of parents.get(jti) ?? []) {
      const pd = depth(p);
      if (pd < 0) {
        d = -1;
        break;
      }
      d = Math.max(d, pd + 1);
    }
    visiting.delete(jti);
    layer.set(jti, d);
    return d;
  };
  for (const n of dag.nodes) depth(n.jti);
  const maxLayer = Math.max(0, ...[...layer.values()]);
  for (const [jti, d] of layer) if (d < 0) layer.set(jti, maxLayer + 1);

  const rows = new Map<number, typeof dag.nodes>();
  for (const n of dag.nodes) {
    const d = layer.get(n.jti)!;
    rows.set(d, [...(rows.get(d) ?? []), n]);
  }
  const widest = Math.max(1, ...[...rows.values()].map((r) => r.length));
  const width = MARGIN * 2 + widest * NODE_W + (widest - 1) * GAP_X;
  const layerCount = rows.size === 0 ? 0 : Math.max(...rows.keys()) + 1;
  const height = MARGIN * 2 + layerCount * NODE_H + Math.max(0, layerCount - 1) * GAP_Y;

  const placed = new Map<string, PlacedNode>();
  for (const [d, row] of [...rows.entries()].sort((a, b) => a[0] - b[0])) {
    const rowWidth = row.length * NODE_W + (row.length - 1) * GAP_X;
    const left = (width - rowWidth) / 2;
    row.forEach((n, i) => {
      placed.set(n.jti, {
        ...n,
        layer: d,
        x: left + i * (NODE_W + GAP_X),
        y: MARGIN + d * (NODE_H + GAP_Y),
      });
    });
  }
  const edges: PlacedEdge[] = [];
  for (const e of dag.edges) {
    const a = placed.get(e.from);
    const b = placed.get(e.to);
    if (a === undefined || b === undefined) continue;
    const x1 = a.x + NODE_W / 2;
    const y1 = a.y + NODE_H;
    const x2 = b.x + NODE_W / 2;
    const y2 = b.y - 1;
    const my = (y1 + y2) / 2;
    edges.push({ from: e.from, to: e.to, path: `M ${x1} ${y1} C ${x1} ${my}, ${x2} ${my}, ${x2} ${y2}` });
  }
  return { width, height, nodeWidth: NODE_W, nodeHeight: NODE_H, nodes: [...placed.values()], edges };
}
