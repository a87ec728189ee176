// The demo: an agent researches a question with tools on two MCP servers (search, and notes),
// over Streamable HTTP on loopback. Every tool call carries an ECT; both servers verify it before
// the tool runs and append it, and their own result ECTs, to one shared ledger. The calls fan out
// (two searches) and join (one summary of both results), so the ledger holds a DAG and the trace
// has span links. Then an attacker sends a tool call with a forged ECT, which is refused.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { context, SpanKind, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { decodeEct, type EctClaims } from "ect-core";
import { createEct, createEctVerifier, generateEctKeyPair, staticKeyResolver } from "ect-crypto";
import { validateDag } from "ect-dag";
import { MemoryLedger } from "ect-ledger-memory";
import { ECT_META_KEY, EctMcpClient, ectRefusalOf, toolArgumentsHash } from "ect-mcp";
import {
  EctSpanRegistry,
  ectSpanAttributes,
  spanContextFromMeta,
  startEctSpan,
  traceContextFields,
} from "ect-otel";
import * as z from "zod";
import { startToolServer } from "./tool-server.js";
import { type TraceNode, traceTree } from "./trace-tree.js";

export const AGENT = "spiffe://example.org/research-agent";
export const SEARCH = "spiffe://example.org/search";
export const NOTES = "spiffe://example.org/notes";

/** One tool call the agent made. */
export interface CallReport {
  readonly server: string;
  readonly tool: string;
  readonly callJti: string;
  readonly pred: readonly string[];
  readonly resultJti: string;
  readonly resultPred: readonly string[];
  readonly text: string;
}

/** Everything the demo did, for the terminal and for its test. */
export interface McpDemoReport {
  readonly wid: string;
  readonly calls: readonly CallReport[];
  readonly ledger: {
    readonly entries: readonly { readonly jti: string; readonly iss: string; readonly exec_act: string }[];
    /** DAG violations found re-running the rules over the ledger in order (none expected). */
    readonly dagViolations: readonly string[];
  };
  readonly trace: readonly TraceNode[];
  readonly attack: {
    readonly code: string | undefined;
    readonly member: string | undefined;
    /** Whether the tool body ran for the forged call (it must not). */
    readonly toolRan: boolean;
  };
}

const SEARCH_INDEX: Record<string, string> = {
  "execution context tokens": "ECTs are signed JWTs recording what a workload did and after which tasks.",
  "model context protocol": "MCP lets agents call tools on servers over stdio or Streamable HTTP.",
};

export async function runMcpDemo(): Promise<McpDemoReport> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer("ect-mcp-demo");
  const registry = new EctSpanRegistry();
  const ledger = new MemoryLedger(); // profile §6 DAG rules on by default
  const [agentKey, searchKey, notesKey] = await Promise.all([
    generateEctKeyPair(),
    generateEctKeyPair(),
    generateEctKeyPair(),
  ]);
  const caller = { id: AGENT, key: agentKey };
  const search = await startToolServer({
    id: SEARCH,
    key: searchKey,
    caller,
    ledger,
    tracer,
    registry,
    tools: {
      search: {
        description: "Looks a topic up",
        inputSchema: { topic: z.string() },
        run: ({ topic }) => SEARCH_INDEX[String(topic)] ?? "nothing found",
      },
    },
  });
  const notes = await startToolServer({
    id: NOTES,
    key: notesKey,
    caller,
    ledger,
    tracer,
    registry,
    tools: {
      summarise: {
        description: "Joins findings into one note",
        inputSchema: { findings: z.array(z.string()) },
        run: ({ findings }) => `Note: ${(findings as string[]).join(" ")}`,
      },
    },
  });

  try {
    const wid = crypto.randomUUID();
    // The agent's own task, the workflow's root: the agent appends its own ECT (profile §7).
    const rootToken = await createEct(
      { iss: AGENT, aud: [SEARCH, NOTES], exec_act: "research", pred: [], wid },
      agentKey,
    );
    await ledger.append(rootToken);
    const rootSpan = startEctSpan(tracer, rootToken, { registry, name: "research (agent)" });
    const rootJti = (decodeEct(rootToken).claims as unknown as EctClaims).jti;
    const inRoot = trace.setSpan(context.active(), rootSpan);

    const connect = async (url: URL, audience: string) => {
      const client = new Client({ name: "research-agent", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(url));
      const resultVerifier = createEctVerifier({
        verifierId: AGENT,
        keys: staticKeyResolver([
          { iss: SEARCH, key: searchKey },
          { iss: NOTES, key: notesKey },
        ]),
      });
      return {
        client,
        ect: new EctMcpClient(client, { issuer: AGENT, key: agentKey, audience, wid, resultVerifier }),
      };
    };
    const searchClient = await connect(search.url, SEARCH);
    const notesClient = await connect(notes.url, NOTES);

    const calls: CallReport[] = [];
    const call = async (
      via: { ect: EctMcpClient },
      server: string,
      tool: string,
      args: Record<string, unknown>,
      pred: readonly string[],
    ) => {
      const span = tracer.startSpan(`call ${tool} (agent)`, { kind: SpanKind.CLIENT }, inRoot);
      const { result, callClaims, resultEct } = await via.ect.callTool(
        { name: tool, arguments: args, _meta: { ...traceContextFields(span.spanContext()) } },
        { pred },
      );
      // The call's span is the same task seen from the agent: the same ect.* attributes.
      span.setAttributes(ectSpanAttributes({ claims: callClaims, level: 2 }));
      span.end();
      // The result's ECT is the tool's task; its span came back beside it in the result's _meta,
      // so later tasks naming it in pred get a link to it.
      const toolSpan = spanContextFromMeta(result._meta as Record<string, unknown> | undefined);
      if (toolSpan !== undefined) registry.set(wid, resultEct!.claims.jti, toolSpan);
      const content = result.content as { type: string; text: string }[];
      calls.push({
        server,
        tool,
        callJti: callClaims.jti,
        pred: callClaims.pred,
        resultJti: resultEct!.claims.jti,
        resultPred: resultEct!.claims.pred,
        text: content[0]!.text,
      });
      return resultEct!.claims.jti;
    };

    // Fan out: two searches after the root task; join: one summary after both results.
    const [ectFound, mcpFound] = await Promise.all([
      call(searchClient, SEARCH, "search", { topic: "execution context tokens" }, [rootJti]),
      call(searchClient, SEARCH, "search", { topic: "model context protocol" }, [rootJti]),
    ]);
    await call(notesClient, NOTES, "summarise", { findings: calls.map((c) => c.text) }, [ectFound, mcpFound]);
    rootSpan.end();

    // The attack: a tool call whose ECT claims to be the agent's but is signed by another key.
    const attacker = await generateEctKeyPair();
    const args = { findings: ["forged"] };
    const forged = await createEct(
      {
        iss: AGENT,
        aud: NOTES,
        exec_act: "summarise",
        pred: [],
        wid,
        inp_hash: await toolArgumentsHash(args),
      },
      { ...attacker, kid: agentKey.kid },
    );
    const before = notes.runs.get("summarise") ?? 0;
    const refusal = await notesClient.client
      .callTool({ name: "summarise", arguments: args, _meta: { [ECT_META_KEY]: forged } })
      .then(
        () => undefined,
        (error: unknown) => ectRefusalOf(error),
      );
    const toolRan = (notes.runs.get("summarise") ?? 0) !== before;

    await searchClient.client.close();
    await notesClient.client.close();

    const stored = await ledger.listWorkflow(wid);
    const dagViolations = await replayDag(stored.map((e) => e.token));
    return {
      wid,
      calls,
      ledger: {
        entries: stored.map((e) => ({ jti: e.jti, iss: e.iss, exec_act: String(e.claims.exec_act) })),
        dagViolations,
      },
      trace: traceTree(exporter.getFinishedSpans()),
      attack: { code: refusal?.code, member: refusal?.member, toolRan },
    };
  } finally {
    await search.close();
    await notes.close();
  }
}

/** Re-runs the DAG rules (profile §6) over the ledger's tokens in order, as an auditor would. */
async function replayDag(tokens: readonly string[]): Promise<string[]> {
  const seen = new Map<string, { token: string; claims: EctClaims }>();
  const store = {
    getEct: async (wid: string | null | undefined, jti: string) => seen.get(`${wid ?? ""}|${jti}`),
  };
  const violations: string[] = [];
  for (const token of tokens) {
    const claims = decodeEct(token).claims as unknown as EctClaims;
    const result = await validateDag(claims, store);
    violations.push(...result.violations.map((v) => v.code));
    seen.set(`${claims.wid ?? ""}|${claims.jti}`, { token, claims });
  }
  return violations;
}
