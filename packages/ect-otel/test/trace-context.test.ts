// traceparent beside the ECT: the W3C format, and round trips through HTTP (node:http on loopback)
// and MCP (the official SDK's client and server, the traceparent in _meta beside the ECT).
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { createTraceState, SpanKind } from "@opentelemetry/api";
import { createEct, createEctVerifier, generateEctKeyPair, staticKeyResolver } from "ect-crypto";
import { createEctToolGuard, EctMcpClient } from "ect-mcp";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import {
  EctSpanRegistry,
  formatTraceparent,
  parseTraceparent,
  spanContextFromHeaders,
  spanContextFromMeta,
  startEctSpan,
  traceContextFields,
} from "../src/index.js";
import { memoryTracing } from "./tracing.js";

const agent = "spiffe://example.org/agent";
const service = "spiffe://example.org/service";

describe("traceparent", () => {
  const valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  it("parses the W3C example and formats it back", () => {
    const parsed = parseTraceparent(valid, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    expect(parsed).toMatchObject({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
      isRemote: true,
    });
    expect(formatTraceparent(parsed!)).toBe(valid);
    expect(traceContextFields(parsed!)).toEqual({
      traceparent: valid,
      tracestate: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
    });
  });

  it.each([
    ["upper-case hex", valid.toUpperCase()],
    ["all-zero trace id", `00-${"0".repeat(32)}-00f067aa0ba902b7-01`],
    ["all-zero parent id", `00-4bf92f3577b34da6a3ce929d0e0e4736-${"0".repeat(16)}-01`],
    ["version ff", valid.replace(/^00/, "ff")],
    ["version 00 with more fields", `${valid}-extra`],
    ["short trace id", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"],
    ["not a string", 42],
  ])("refuses %s", (_name, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it("accepts a later version with more fields, ignoring them", () => {
    expect(parseTraceparent(`01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later`)?.spanId).toBe(
      "00f067aa0ba902b7",
    );
  });

  it("reads fetch Headers and node:http headers, refusing two traceparent field lines", () => {
    expect(spanContextFromHeaders(new Headers({ traceparent: valid }))?.spanId).toBe("00f067aa0ba902b7");
    expect(spanContextFromHeaders({ traceparent: [valid] })?.spanId).toBe("00f067aa0ba902b7");
    expect(spanContextFromHeaders({ traceparent: [valid, valid] })).toBeUndefined();
    expect(spanContextFromMeta({ traceparent: valid, tracestate: "a=b" })?.traceState?.get("a")).toBe("b");
  });
});

describe("round trips", () => {
  it("traceparent travels beside the Execution-Context header over HTTP; the server's span is the client span's child", async () => {
    const { exporter, tracer } = memoryTracing();
    const key = await generateEctKeyPair();
    const verifier = createEctVerifier({
      verifierId: service,
      keys: staticKeyResolver([{ iss: agent, key }]),
    });
    const registry = new EctSpanRegistry();
    const http = createServer(async (req, res) => {
      const verified = await verifier.verify(String(req.headers["execution-context"]));
      const span = startEctSpan(tracer, verified, {
        registry,
        kind: SpanKind.SERVER,
        remoteParent: spanContextFromHeaders(req.headers),
      });
      span.end();
      res.setHeader("traceparent", formatTraceparent(span.spanContext()));
      res.end();
    });
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    try {
      const token = await createEct({ iss: agent, aud: service, exec_act: "call_service", pred: [] }, key);
      const client = startEctSpan(tracer, token, { kind: SpanKind.CLIENT });
      const traceState = createTraceState("vendor=opaque");
      const sent = { ...client.spanContext(), traceState };
      const response = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`, {
        headers: { "execution-context": token, ...traceContextFields(sent) },
      });
      client.end();
      const [serverSpan, clientSpan] = exporter.getFinishedSpans();
      expect(serverSpan!.spanContext().traceId).toBe(clientSpan!.spanContext().traceId);
      expect(serverSpan!.parentSpanContext?.spanId).toBe(clientSpan!.spanContext().spanId);
      expect(serverSpan!.parentSpanContext?.traceState?.get("vendor")).toBe("opaque");
      // Both spans carry the same jti: the trace joins the audit log on it.
      expect(serverSpan!.attributes["ect.jti"]).toBe(clientSpan!.attributes["ect.jti"]);
      // And back: the response's traceparent names the server's span.
      expect(spanContextFromHeaders(response.headers)?.spanId).toBe(serverSpan!.spanContext().spanId);
    } finally {
      http.close();
    }
  });

  it("traceparent travels in an MCP request's _meta beside the ECT and comes back in the result's _meta", async () => {
    const { exporter, tracer } = memoryTracing();
    const agentKey = await generateEctKeyPair();
    const serviceKey = await generateEctKeyPair();
    const registry = new EctSpanRegistry();
    const guard = createEctToolGuard({
      verifier: createEctVerifier({
        verifierId: service,
        keys: staticKeyResolver([{ iss: agent, key: agentKey }]),
      }),
      resultSigning: { issuer: service, key: serviceKey },
    });
    const server = new McpServer({ name: "service", version: "1.0.0" });
    server.registerTool(
      "lookup",
      { inputSchema: { q: z.string() } },
      guard.tool(async ({ q }, extra, ect) => {
        const span = startEctSpan(tracer, ect, {
          registry,
          kind: SpanKind.SERVER,
          remoteParent: spanContextFromMeta(extra._meta),
        });
        span.end();
        return {
          content: [{ type: "text" as const, text: q }],
          _meta: { ...traceContextFields(span.spanContext()) },
        };
      }),
    );
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(guard.guard(serverSide));
    const client = new Client({ name: "agent", version: "1.0.0" });
    await client.connect(clientSide);
    const ect = new EctMcpClient(client, { issuer: agent, key: agentKey, audience: service });
    const callSpan = tracer.startSpan("agent calls lookup", { kind: SpanKind.CLIENT });
    const { result, callClaims } = await ect.callTool({
      name: "lookup",
      arguments: { q: "ledger" },
      _meta: { ...traceContextFields(callSpan.spanContext()) },
    });
    callSpan.end();
    await client.close();
    const serverSpan = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER)!;
    expect(serverSpan.parentSpanContext?.spanId).toBe(callSpan.spanContext().spanId);
    expect(serverSpan.spanContext().traceId).toBe(callSpan.spanContext().traceId);
    expect(serverSpan.attributes["ect.jti"]).toBe(callClaims.jti);
    // The result's _meta holds the server span's traceparent beside the server's ECT.
    const back = spanContextFromMeta(result._meta as Record<string, unknown>);
    expect(back?.spanId).toBe(serverSpan.spanContext().spanId);
    expect(Object.keys(result._meta ?? {}).sort()).toEqual(["traceparent", "wimse-ect/execution-context"]);
  });
});
