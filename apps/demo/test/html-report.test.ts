// The HTML report escapes every string it did not write itself, and lays the DAG out in layers.

import { buildGraph, toMermaid } from "ect-dag";
import { describe, expect, it } from "vitest";
import { layoutDag } from "../src/dag-layout.js";
import type { DemoReport } from "../src/demo-report.js";
import { escapeHtml, renderHtmlReport, taskIdLabel } from "../src/html-report.js";

const HOSTILE = `</text></svg><script>alert("x")</script><img src=x onerror='y'>&amp;`;

function report(overrides: Partial<DemoReport> = {}, text = HOSTILE): DemoReport {
  const HOSTILE = text;
  const jti = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
  return {
    version: 1,
    ok: true,
    ledger: { kind: "memory", location: HOSTILE },
    workflow: { wid: HOSTILE, application: {}, result: {} },
    agents: [{ name: HOSTILE, id: HOSTILE, role: HOSTILE, url: HOSTILE, kid: HOSTILE, alg: "ES256" }],
    steps: [{ at: 1, phase: "workflow", actor: HOSTILE, kind: "info", text: HOSTILE }],
    checks: [{ name: HOSTILE, expected: HOSTILE, actual: HOSTILE, passed: false }],
    attacks: [
      {
        id: "x",
        title: HOSTILE,
        description: HOSTILE,
        target: HOSTILE,
        expected: { status: 403, code: HOSTILE },
        actual: { status: 403, code: HOSTILE, detail: HOSTILE },
        passed: false,
      },
    ],
    audit: {
      entries: [
        {
          seq: 1,
          agent: HOSTILE,
          execAct: HOSTILE,
          jti: HOSTILE,
          pred: [HOSTILE],
          leafHash: HOSTILE,
          tampered: true,
        },
      ],
      chainBefore: { valid: true, entries: 1 },
      chainAfter: { valid: false, brokenAt: 1, code: HOSTILE },
      fullAudit: [{ seq: 1, code: HOSTILE, message: HOSTILE }],
    },
    dag: {
      nodes: [
        { jti: jti(1), agent: HOSTILE, execAct: HOSTILE },
        { jti: jti(2), agent: "b", execAct: "left" },
        { jti: jti(3), agent: "c", execAct: "right" },
        { jti: jti(4), agent: "d", execAct: "join" },
      ],
      edges: [
        { from: jti(1), to: jti(2) },
        { from: jti(1), to: jti(3) },
        { from: jti(2), to: jti(4) },
        { from: jti(3), to: jti(4) },
      ],
      ascii: HOSTILE,
      mermaid: HOSTILE,
    },
    durationMs: 1,
    ...overrides,
  };
}

describe("renderHtmlReport", () => {
  it("escapes every string from the run, in HTML and in the SVG", () => {
    const html = renderHtmlReport(report());
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("onerror='");
    expect(html).not.toContain("</text></svg>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("&amp;amp;");
    // Exactly the one SVG the report draws.
    expect(html.match(/<svg /g)).toHaveLength(1);
    expect(html.match(/<\/svg>/g)).toHaveLength(1);
  });

  it("references nothing outside the page", () => {
    const html = renderHtmlReport(report({}, "plain text"));
    // No element loads anything (the run's text may say "src=", escaped, as text).
    expect(html).not.toMatch(/<[^>]*\s(src|href|xlink:href)\s*=/i);
    expect(html).not.toMatch(/url\((?!#)/i); // only in-document references like url(#arrow)
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it("marks the tampered entry and a failed run", () => {
    const html = renderHtmlReport(report({ ok: false }));
    expect(html).toContain("OUTCOMES DIFFER");
    expect(html).toContain('<span class="badge bad">tampered: detected</span>');
  });

  it("starts with what you are looking at and a legend, tells the story before the list of assertions", () => {
    const html = renderHtmlReport(report({}, "plain text"));
    const at = (text: string) => {
      const index = html.indexOf(text);
      expect(index, text).toBeGreaterThan(0);
      return index;
    };
    expect(at("What you are looking at")).toBeLessThan(at('<div class="summary">'));
    expect(at("<b>Legend.</b>")).toBeLessThan(at('<div class="summary">'));
    expect(at("The story, step by step")).toBeLessThan(at("<h2>Attacks</h2>"));
    expect(at("<h2>Attacks</h2>")).toBeLessThan(at("<h2>Expected outcomes</h2>"));
  });

  it("shows broken in red: a tampered ledger is 'detected', never in a green badge", () => {
    const tampering = {
      id: "ledger-tampered",
      title: "Ledger entry tampered",
      description: "rewritten in storage",
      target: "auditor",
      expected: { status: undefined, code: "ECT_LEDGER_TREE_MISMATCH" },
      actual: { status: undefined, code: "ECT_LEDGER_TREE_MISMATCH", detail: "found by the audit" },
      passed: true,
    };
    const html = renderHtmlReport(report({ attacks: [tampering] }, "plain text"));
    const greenBadges = [...html.matchAll(/<span class="badge ok">([^<]*)<\/span>/g)].map((m) => m[1]);
    expect(greenBadges.filter((text) => /tamper|detected|broken/i.test(text!))).toEqual([]);
    expect(html).toContain('<span class="badge bad">detected</span>');
    expect(html).toContain('<span class="badge bad">tampering detected: broken at #1</span>');
    expect(html).not.toMatch(/>refused<\/span><\/td><td><b>Ledger entry tampered/);
  });

  it("labels each task in the diagram as its Mermaid source does", () => {
    const jti = "6f9619ff-8b86-4011-b42d-00c04fc96401";
    const mermaid = toMermaid(
      buildGraph([{ iss: "a", aud: "b", jti, exec_act: "plan", pred: [], iat: 1, exp: 2 }]),
    );
    // Mermaid writes "…" as its entity #8230;.
    expect(mermaid).toContain(`plan<br/>${taskIdLabel(jti).replace("…", "#8230;")}`);
    const html = renderHtmlReport(
      report({ dag: { nodes: [{ jti, agent: "a", execAct: "plan" }], edges: [], ascii: "", mermaid } }, "x"),
    );
    expect(html).toContain(`class="jti">${taskIdLabel(jti)}</text>`);
  });
});

describe("escapeHtml", () => {
  it("escapes the five characters that matter", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });
});

describe("layoutDag", () => {
  it("puts each task one layer below its deepest predecessor, without overlaps", () => {
    const layout = layoutDag(report().dag);
    const layerOf = Object.fromEntries(layout.nodes.map((n) => [n.execAct, n.layer]));
    expect(layerOf).toEqual({ [HOSTILE]: 0, left: 1, right: 1, join: 2 });
    const boxes = layout.nodes.map((n) => ({ x: n.x, y: n.y }));
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        const apart = Math.abs(a.x - b.x) >= layout.nodeWidth || Math.abs(a.y - b.y) >= layout.nodeHeight;
        expect(apart).toBe(true);
      }
    }
    for (const n of layout.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.x + layout.nodeWidth).toBeLessThanOrEqual(layout.width);
      expect(n.y + layout.nodeHeight).toBeLessThanOrEqual(layout.height);
    }
    expect(layout.edges).toHaveLength(4);
  });

  it("places a cycle (never in a valid ledger) on a last layer instead of looping", () => {
    const layout = layoutDag({
      nodes: [
        { jti: "a", agent: "a", execAct: "a" },
        { jti: "b", agent: "b", execAct: "b" },
      ],
      edges: [
        { from: "a", to: "b" },
        { from: "b", to: "a" },
      ],
      ascii: "",
      mermaid: "",
    });
    expect(layout.nodes).toHaveLength(2);
  });
});
