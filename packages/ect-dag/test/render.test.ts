import { EctErrorCodes as C } from "ect-core";
import { describe, expect, it } from "vitest";
import { buildGraph, criticalPath, toAscii, toDot, toMermaid } from "../src/index.js";
import { ect, uuid } from "./fixtures/memory-store.js";
import { node, tripWorkflow } from "./fixtures/workflows.js";

/** exec_act values an attacker might choose. */
const HOSTILE = [
  'x"] --> n0\n  click n0 "javascript:alert(1)"',
  "%%{init: {'securityLevel': 'loose'}}%%",
  "<img src=x onerror=alert(1)>&amp;</div>",
  'a\\N\\G\\l\\"]; evil [label="pwn',
  "line1\r\nline2\u2028line3\u0085",
  "`**markdown**` #quot; #35; ﬂ°°60¶ß",
  "\u001b[31mred\u001b[0m\u0007\u009b2J",
  "\u202eevil\u202c \u2066iso\u2069 zero\u200bwidth",
  "[brackets] {braces} (parens) |pipes|",
  "style n0 fill:#f00;",
];

const hostileGraph = () => {
  const parent = ect({ exec_act: HOSTILE[0]! });
  return buildGraph([parent, ...HOSTILE.slice(1).map((exec_act) => ect({ exec_act, pred: [parent.jti] }))]);
};

describe("toMermaid", () => {
  it("renders a fork and join with the critical path highlighted", () => {
    const graph = buildGraph(tripWorkflow());
    expect(toMermaid(graph, { highlight: criticalPath(graph) })).toBe(
      [
        "flowchart TD",
        '  n0["plan-trip<br/>#8230;00000001"]',
        '  n1["search-flights<br/>#8230;00000002"]',
        '  n2["search-hotels<br/>#8230;00000003"]',
        '  n3["book<br/>#8230;00000004"]',
        '  n4["notify<br/>#8230;00000005"]',
        "  n0 --> n1",
        "  n0 --> n2",
        "  n1 --> n3",
        "  n2 --> n3",
        "  n3 --> n4",
        "  classDef highlight stroke-width:3px",
        "  class n0,n2,n3,n4 highlight",
      ].join("\n"),
    );
  });

  it("draws unresolved predecessors once, dashed, and honours its options", () => {
    const missing = uuid();
    const graph = buildGraph([
      ect({ exec_act: "a", pred: [missing] }),
      ect({ exec_act: "b", pred: [missing.toUpperCase()] }),
    ]);
    const out = toMermaid(graph, { direction: "LR", showJti: false });
    expect(out).toBe(
      [
        "flowchart LR",
        '  n0["a"]',
        '  n1["b"]',
        `  u0(["unresolved<br/>#8230;${missing.slice(-8)}"])`,
        "  u0 -.-> n0",
        "  u0 -.-> n1",
        "  classDef unresolved stroke-dasharray:4 4",
        "  class u0 unresolved",
      ].join("\n"),
    );
  });

  it("escapes hostile exec_act so it can neither leave its label nor inject markup", () => {
    const graph = hostileGraph();
    const out = toMermaid(graph);
    const lines = out.split("\n");
    // header + one line per node + one edge per child: nothing was injected.
    expect(lines).toHaveLength(1 + HOSTILE.length + (HOSTILE.length - 1));
    for (const line of lines.slice(1, 1 + HOSTILE.length)) {
      expect(line).toMatch(
        /^ {2}n\d+\["(?:[A-Za-z0-9 _.,/+=@-]|#\d+;)*<br\/>(?:[A-Za-z0-9 _.,/+=@-]|#\d+;)*"\]$/,
      );
    }
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b\u202a-\u202e\u2066-\u2069]/);
    expect(out).toContain("#60;img src=x onerror=alert#40;1#41;#62;");
    expect(out).toContain("#35;quot#59;");
  });

  it("cuts long labels with an ellipsis", () => {
    const graph = buildGraph([ect({ exec_act: "abcdefghij" })]);
    expect(toMermaid(graph, { maxLabelLength: 5, showJti: false })).toContain('n0["abcd#8230;"]');
  });

  it("refuses bad options", () => {
    const graph = buildGraph(tripWorkflow());
    expect(() => toMermaid(graph, { direction: "XX" as never })).toThrowError(
      expect.objectContaining({ code: C.CONFIG_INVALID }),
    );
    expect(() => toMermaid(graph, { maxLabelLength: 0 })).toThrowError(
      expect.objectContaining({ code: C.CONFIG_INVALID }),
    );
    expect(() => toMermaid(graph, { highlight: [uuid()] })).toThrowError(
      expect.objectContaining({ code: C.CONFIG_INVALID }),
    );
  });
});

describe("toDot", () => {
  it("renders a fork and join", () => {
    const graph = buildGraph(tripWorkflow());
    expect(toDot(graph, { highlight: [graph.nodes[0]!] })).toBe(
      [
        "digraph ect {",
        "  rankdir=TB;",
        '  node [shape=box, style=rounded, fontname="Helvetica"];',
        '  n0 [label="plan-trip\\n&#8230;00000001", penwidth=3];',
        '  n1 [label="search-flights\\n&#8230;00000002"];',
        '  n2 [label="search-hotels\\n&#8230;00000003"];',
        '  n3 [label="book\\n&#8230;00000004"];',
        '  n4 [label="notify\\n&#8230;00000005"];',
        "  n0 -> n1;",
        "  n0 -> n2;",
        "  n1 -> n3;",
        "  n2 -> n3;",
        "  n3 -> n4;",
        "}",
      ].join("\n"),
    );
  });

  it("draws unresolved predecessors dashed", () => {
    const missing = uuid();
    const out = toDot(buildGraph([ect({ exec_act: "a", pred: [missing] })]), {
      rankdir: "LR",
      showJti: false,
    });
    expect(out).toContain(`  u0 [label="unresolved\\n&#8230;${missing.slice(-8)}", style="rounded,dashed"];`);
    expect(out).toContain("  u0 -> n0 [style=dashed];");
    expect(out).toContain("rankdir=LR;");
  });

  it("escapes hostile exec_act: no string end, no Graphviz escape, no raw markup", () => {
    const out = toDot(hostileGraph());
    const lines = out.split("\n");
    expect(lines).toHaveLength(3 + HOSTILE.length + (HOSTILE.length - 1) + 1);
    const nodeLines = lines.slice(3, 3 + HOSTILE.length);
    for (const line of nodeLines) {
      // Inside the string only: escaped backslash, escaped quote, our own \n, and printable ASCII.
      expect(line).toMatch(/^ {2}n\d+ \[label="(?:[ !#-[\]-~]|\\\\|\\"|\\n)*"\];$/);
    }
    expect(out).toContain('a\\\\N\\\\G\\\\l\\\\\\"]; evil [label=\\"pwn');
    expect(out).toContain("&lt;img src=x onerror=alert(1)&gt;&amp;amp;&lt;/div&gt;");
  });

  it("refuses a bad rankdir", () => {
    expect(() => toDot(buildGraph([]), { rankdir: "TD" as never })).toThrowError(
      expect.objectContaining({ code: C.CONFIG_INVALID }),
    );
  });
});

describe("toAscii", () => {
  it("draws a fork and join layer by layer, with a legend", () => {
    expect(toAscii(buildGraph(tripWorkflow()))).toBe(
      [
        "L0 ┌─────────────┐",
        "   │ A plan-trip │",
        "   └─────────────┘",
        "L1 ┌──────────────────┐ ┌─────────────────┐",
        "   │ B search-flights │ │ C search-hotels │",
        "   │ ← A              │ │ ← A             │",
        "   └──────────────────┘ └─────────────────┘",
        "L2 ┌────────┐",
        "   │ D book │",
        "   │ ← B, C │",
        "   └────────┘",
        "L3 ┌──────────┐",
        "   │ E notify │",
        "   │ ← D      │",
        "   └──────────┘",
        "",
        "A   6f9619ff-8b86-4011-b42d-000000000001  2023-11-14T22:13:20Z",
        "B   6f9619ff-8b86-4011-b42d-000000000002  2023-11-14T22:13:30Z",
        "C   6f9619ff-8b86-4011-b42d-000000000003  2023-11-14T22:13:35Z",
        "D   6f9619ff-8b86-4011-b42d-000000000004  2023-11-14T22:13:50Z",
        "E   6f9619ff-8b86-4011-b42d-000000000005  2023-11-14T22:14:00Z",
      ].join("\n"),
    );
  });

  it("draws plain ASCII, wraps a wide layer and a long pred list, and shows unresolved predecessors", () => {
    const roots = [1, 2, 3, 4, 5, 6, 7].map((n) => node(n, `r${n}`, [], n));
    const graph = buildGraph([...roots, node(8, "join", [1, 2, 3, 4, 5, 6, 7, 0x99], 20)]);
    expect(toAscii(graph, { charset: "ascii", width: 30, legend: false })).toBe(
      [
        "L0 +------+ +------+ +------+",
        "   | A r1 | | B r2 | | C r3 |",
        "   +------+ +------+ +------+",
        "   +------+ +------+ +------+",
        "   | D r4 | | E r5 | | F r6 |",
        "   +------+ +------+ +------+",
        "   +------+",
        "   | G r7 |",
        "   +------+",
        "L1 +-------------------------+",
        "   | H join                  |",
        "   | <- A, B, C, D, E, F, G, |",
        "   |    ?..00000099          |",
        "   +-------------------------+",
      ].join("\n"),
    );
  });

  it("keeps hostile text out of the terminal: no escape, control or bidi character", () => {
    const out = toAscii(hostileGraph());
    expect(out).not.toMatch(
      /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/,
    );
    const ascii = toAscii(hostileGraph(), { charset: "ascii", width: 60 });
    expect(ascii).toMatch(/^[\x20-\x7e\n]*$/);
    const drawing = toAscii(hostileGraph(), { charset: "ascii", width: 60, legend: false }).split("\n");
    for (const line of drawing) expect(line.length).toBeLessThanOrEqual(60);
    // Every box is closed on the right: the label could not break the layout.
    for (const line of drawing) expect(line).toMatch(/[|+]$/);
  });

  it("aligns wide characters by terminal columns", () => {
    const out = toAscii(buildGraph([ect({ exec_act: "漢字😀 ok" }), ect({ exec_act: "plain" })]), {
      legend: false,
    });
    // 漢, 字 and 😀 each take two terminal columns.
    const columns = (s: string) =>
      [...s].reduce((w, ch) => w + (/[\u4e00-\u9fff\u{1f600}]/u.test(ch) ? 2 : 1), 0);
    const lines = out.split("\n");
    expect(lines[1]).toContain("漢字😀 ok");
    expect(new Set(lines.map(columns)).size).toBe(1);
  });

  it("marks the nodes of a cycle instead of looping", () => {
    const a = ect({ exec_act: "a" });
    const b = ect({ exec_act: "b", pred: [a.jti] });
    const out = toAscii(buildGraph([{ ...a, pred: [b.jti] }, b]), { legend: false });
    expect(out).toContain("cyc ┌");
    expect(out).toContain("not a DAG");
  });

  it("draws an empty graph and refuses bad options", () => {
    expect(toAscii(buildGraph([]))).toBe("(empty graph)");
    const graph = buildGraph(tripWorkflow());
    expect(() => toAscii(graph, { width: 5 })).toThrowError(
      expect.objectContaining({ code: C.CONFIG_INVALID }),
    );
    expect(() => toAscii(graph, { charset: "ebcdic" as never })).toThrowError(
      expect.objectContaining({ code: C.CONFIG_INVALID }),
    );
  });
});
