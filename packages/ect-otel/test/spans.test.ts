import { SpanKind } from "@opentelemetry/api";
import { createEct, createEctVerifier, generateEctKeyPair, staticKeyResolver } from "ect-crypto";
import { describe, expect, it } from "vitest";
import { EctSpanRegistry, ectSpanAttributes, startEctSpan } from "../src/index.js";
import { memoryTracing } from "./tracing.js";

const agent = "spiffe://example.org/agent";
const service = "spiffe://example.org/service";
const wid = "3f1c6c2e-8f0e-4a43-9d1e-3c1a2b4d5e6f";

describe("startEctSpan", () => {
  it("gives a verified ECT's span the ect.* attributes (level 2 here)", async () => {
    const { exporter, tracer } = memoryTracing();
    const key = await generateEctKeyPair();
    const token = await createEct({ iss: agent, aud: service, exec_act: "summarise", pred: [], wid }, key);
    const verified = await createEctVerifier({
      verifierId: service,
      keys: staticKeyResolver([{ iss: agent, key }]),
    }).verify(token);
    startEctSpan(tracer, verified, { kind: SpanKind.SERVER }).end();
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).toBe("ect summarise");
    expect(span!.kind).toBe(SpanKind.SERVER);
    expect(span!.attributes).toEqual({
      "ect.jti": verified.claims.jti,
      "ect.wid": wid,
      "ect.iss": agent,
      "ect.exec_act": "summarise",
      "ect.level": 2,
    });
  });

  it("takes a token this process created, and leaves ect.wid out when the ECT has none", async () => {
    const { exporter, tracer } = memoryTracing();
    const token = await createEct({ iss: agent, aud: service, exec_act: "fetch", pred: [] }, null, {
      level: 1,
    });
    startEctSpan(tracer, token, { name: "fetch the page", attributes: { "app.step": 1 } }).end();
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).toBe("fetch the page");
    expect(span!.attributes["ect.level"]).toBe(1);
    expect(span!.attributes["app.step"]).toBe(1);
    expect("ect.wid" in span!.attributes).toBe(false);
  });

  it("refuses a created token that breaks a claim rule", () => {
    const { tracer } = memoryTracing();
    const claims = Buffer.from(
      JSON.stringify({ iss: agent, aud: service, exec_act: "x", pred: [], jti: "nope", iat: 1, exp: 2 }),
    ).toString("base64url");
    expect(() => startEctSpan(tracer, claims)).toThrow(expect.objectContaining({ code: "ECT_JTI_INVALID" }));
  });

  it("gives a join task's span one link per predecessor, and none for an unknown one", async () => {
    const { exporter, tracer } = memoryTracing();
    const registry = new EctSpanRegistry();
    const key = await generateEctKeyPair();
    const make = (exec_act: string, pred: string[]) =>
      createEct({ iss: agent, aud: service, exec_act, pred, wid }, key);
    const fork = await make("plan", []);
    const forkJti = jtiOfToken(fork);
    const left = await make("search", [forkJti]);
    const right = await make("fetch", [forkJti]);
    const unknown = "0b8f7f44-2b9a-4a44-8f43-0e5b3c1d2e3f";
    const join = await make("merge", [jtiOfToken(left), jtiOfToken(right), unknown]);
    for (const token of [fork, left, right, join]) startEctSpan(tracer, token, { registry }).end();
    const spans = new Map(exporter.getFinishedSpans().map((s) => [s.attributes["ect.exec_act"], s]));
    const linkedTo = (name: string) =>
      spans.get(name)!.links.map((l) => ({ spanId: l.context.spanId, jti: l.attributes?.["ect.jti"] }));
    expect(linkedTo("plan")).toEqual([]);
    expect(linkedTo("search")).toEqual([{ spanId: spans.get("plan")!.spanContext().spanId, jti: forkJti }]);
    expect(linkedTo("merge")).toEqual([
      { spanId: spans.get("search")!.spanContext().spanId, jti: jtiOfToken(left) },
      { spanId: spans.get("fetch")!.spanContext().spanId, jti: jtiOfToken(right) },
    ]);
  });

  it("looks predecessors up in the child's workflow only", async () => {
    const { exporter, tracer } = memoryTracing();
    const registry = new EctSpanRegistry();
    const key = await generateEctKeyPair();
    const parent = await createEct({ iss: agent, aud: service, exec_act: "a", pred: [] }, key);
    const parentJti = jtiOfToken(parent);
    startEctSpan(tracer, parent, { registry }).end();
    const child = await createEct({ iss: agent, aud: service, exec_act: "b", pred: [parentJti], wid }, key);
    startEctSpan(tracer, child, { registry }).end();
    expect(exporter.getFinishedSpans()[1]!.links).toEqual([]);
  });
});

describe("EctSpanRegistry", () => {
  const context = (n: number) => ({
    traceId: "1".repeat(32),
    spanId: n.toString(16).padStart(16, "0"),
    traceFlags: 1,
  });
  const jti = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, "0")}`;

  it("keeps at most maxEntries, dropping the least recently used", () => {
    const registry = new EctSpanRegistry({ maxEntries: 2 });
    registry.set(wid, jti(1), context(1));
    registry.set(wid, jti(2), context(2));
    registry.get(wid, jti(1)); // 1 is now the most recent
    registry.set(wid, jti(3), context(3));
    expect(registry.size).toBe(2);
    expect(registry.get(wid, jti(2))).toBeUndefined();
    expect(registry.get(wid, jti(1))?.spanId).toBe(context(1).spanId);
    expect(registry.get(wid.toUpperCase(), jti(3).toUpperCase())?.spanId).toBe(context(3).spanId);
  });

  it("refuses a bound that is not a positive integer at construction", () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN]) {
      expect(() => new EctSpanRegistry({ maxEntries })).toThrow(
        expect.objectContaining({ name: "EctConfigError", code: "ECT_CONFIG_INVALID", option: "maxEntries" }),
      );
    }
    expect(() => new EctSpanRegistry({ maxEntry: 5 } as never)).toThrow(
      expect.objectContaining({ name: "EctConfigError", code: "ECT_CONFIG_INVALID", option: "maxEntry" }),
    );
  });
});

it("ectSpanAttributes is the attribute set startEctSpan uses", () => {
  expect(
    ectSpanAttributes({
      claims: { iss: agent, aud: service, iat: 1, exp: 2, jti: jtiOf(1), exec_act: "x", pred: [] },
      level: 3,
    }),
  ).toEqual({ "ect.jti": jtiOf(1), "ect.iss": agent, "ect.exec_act": "x", "ect.level": 3 });
});

function jtiOf(n: number): string {
  return `00000000-0000-4000-8000-${n.toString().padStart(12, "0")}`;
}

/** The jti of a token this test created. */
function jtiOfToken(token: string): string {
  const payload = token.split(".")[1] ?? token;
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")).jti;
}
