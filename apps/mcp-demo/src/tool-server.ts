// One MCP server over Streamable HTTP on loopback whose tool calls must carry ECTs: the guard
// verifies each call (appending it to the shared ledger: level 3) before the tool runs, the tool's
// span joins the caller's trace through `_meta.traceparent`, and the result carries the server's
// own ECT (appended too) and its span's traceparent.
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { SpanKind, type Tracer } from "@opentelemetry/api";
import type { Ledger } from "ect-core";
import { createEctVerifier, type EctKeyPair, type EctPublicKey, staticKeyResolver } from "ect-crypto";
import { createEctToolGuard, type EctToolRefusal } from "ect-mcp";
import { type EctSpanRegistry, spanContextFromMeta, startEctSpan, traceContextFields } from "ect-otel";
import type { z } from "zod";

/** A tool: its input schema and what it returns for its arguments. */
export interface DemoTool {
  readonly description: string;
  readonly inputSchema: Record<string, z.ZodType>;
  readonly run: (args: Record<string, unknown>) => string;
}

export interface ToolServerOptions {
  /** The server's workload id. */
  readonly id: string;
  readonly key: EctKeyPair;
  /** Who may call it: the agent's id and public key. */
  readonly caller: { readonly id: string; readonly key: EctPublicKey };
  readonly ledger: Ledger;
  readonly tools: Readonly<Record<string, DemoTool>>;
  readonly tracer: Tracer;
  readonly registry: EctSpanRegistry;
}

export interface ToolServer {
  readonly url: URL;
  /** How often each tool body ran. */
  readonly runs: Map<string, number>;
  /** Calls the guard refused. */
  readonly refusals: EctToolRefusal[];
  close(): Promise<void>;
}

export async function startToolServer(options: ToolServerOptions): Promise<ToolServer> {
  const runs = new Map<string, number>();
  const refusals: EctToolRefusal[] = [];
  const guard = createEctToolGuard({
    verifier: createEctVerifier({
      verifierId: options.id,
      keys: staticKeyResolver([{ iss: options.caller.id, key: options.caller.key }]),
      ledger: options.ledger,
    }),
    resultSigning: { issuer: options.id, key: options.key, ledger: options.ledger },
    onRefused: (refusal) => refusals.push(refusal),
  });
  const server = new McpServer({ name: options.id, version: "1.0.0" });
  for (const [name, tool] of Object.entries(options.tools)) {
    server.registerTool(
      name,
      { description: tool.description, inputSchema: tool.inputSchema },
      guard.tool(async (args: Record<string, unknown>, extra, ect) => {
        const span = startEctSpan(options.tracer, ect, {
          registry: options.registry,
          kind: SpanKind.SERVER,
          name: `${name} on ${new URL(options.id).pathname.slice(1)}`,
          remoteParent: spanContextFromMeta(extra._meta),
        });
        runs.set(name, (runs.get(name) ?? 0) + 1);
        const text = tool.run(args);
        span.end();
        return {
          content: [{ type: "text" as const, text }],
          _meta: { ...traceContextFields(span.spanContext()) },
        };
      }),
    );
  }
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => crypto.randomUUID() });
  await server.connect(guard.guard(transport));
  const http = createServer((req, res) => {
    void transport.handleRequest(req, res);
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const { port } = http.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    runs,
    refusals,
    async close() {
      await server.close();
      http.closeAllConnections();
      http.close();
      await once(http, "close");
    },
  };
}
