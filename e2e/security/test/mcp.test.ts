/**
 * Attacks on ECTs over MCP (profile §10), with the official SDK's client and server: tokens moved
 * between servers, tools and directions, and a result ECT moved between calls. Each is refused
 * with its code, and a refused call never runs the tool.
 */

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { createEctVerifier, type EctKeyPair, generateEctKeyPair, staticKeyResolver } from "ect-crypto";
import { createEctToolGuard, ECT_META_KEY, EctMcpClient, ectRefusalOf } from "ect-mcp";
import { beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";

const AGENT = "spiffe://example.org/agent";
const FILES = "spiffe://example.org/files";
const MAIL = "spiffe://example.org/mail";

interface ToolHost {
  readonly id: string;
  readonly key: EctKeyPair;
  readonly runs: string[];
  connect(wrapClientSide?: (t: Transport) => Transport): Promise<{ client: Client; ect: EctMcpClient }>;
}

let agentKey: EctKeyPair;
let files: ToolHost;
let mail: ToolHost;

/** A server with tools `read` and `delete` (same input), guarded, trusting only the agent. */
async function host(id: string): Promise<ToolHost> {
  const key = await generateEctKeyPair();
  const runs: string[] = [];
  const guard = createEctToolGuard({
    verifier: createEctVerifier({ verifierId: id, keys: staticKeyResolver([{ iss: AGENT, key: agentKey }]) }),
    resultSigning: { issuer: id, key },
  });
  const self: ToolHost = {
    id,
    key,
    runs,
    async connect(wrapClientSide = (t) => t) {
      const server = new McpServer({ name: id, version: "1.0.0" });
      for (const tool of ["read", "delete"]) {
        server.registerTool(
          tool,
          { inputSchema: { path: z.string() } },
          guard.tool(async ({ path }) => {
            runs.push(`${tool} ${path}`);
            return { content: [{ type: "text" as const, text: `${tool} ${path}` }] };
          }),
        );
      }
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(guard.guard(serverSide));
      const client = new Client({ name: "agent", version: "1.0.0" });
      await client.connect(wrapClientSide(clientSide));
      const ect = new EctMcpClient(client, {
        issuer: AGENT,
        key: agentKey,
        audience: id,
        resultVerifier: createEctVerifier({ verifierId: AGENT, keys: staticKeyResolver([{ iss: id, key }]) }),
      });
      return { client, ect };
    },
  };
  return self;
}

const refusalCode = (call: Promise<unknown>) =>
  call.then(
    () => "accepted",
    (error: unknown) => ectRefusalOf(error)?.code ?? String(error),
  );

beforeAll(async () => {
  agentKey = await generateEctKeyPair();
  files = await host(FILES);
  mail = await host(MAIL);
});

describe("tokens moved to where they were not meant to go", () => {
  it("a call ECT for one server, replayed to another: ECT_AUD_MISMATCH, the tool does not run", async () => {
    const { client: toFiles } = await files.connect();
    // Capture the token the agent sends to the files server by calling through a recording client.
    const sent: string[] = [];
    const recording = new EctMcpClient(
      {
        callTool: async (params) => {
          sent.push((params._meta as Record<string, string>)[ECT_META_KEY]!);
          return toFiles.callTool(params);
        },
      },
      { issuer: AGENT, key: agentKey, audience: FILES },
    );
    await recording.callTool({ name: "read", arguments: { path: "/notes" } });
    const { client: toMail } = await mail.connect();
    const before = mail.runs.length;
    const replayed = toMail.callTool({
      name: "read",
      arguments: { path: "/notes" },
      _meta: { [ECT_META_KEY]: sent[0]! },
    });
    expect(await refusalCode(replayed)).toBe("ECT_AUD_MISMATCH");
    expect(mail.runs.length).toBe(before);
  });

  it("a token for `read` on `delete` with the same arguments: ECT_MCP_EXEC_ACT_MISMATCH", async () => {
    const sent: string[] = [];
    const { client } = await files.connect();
    const capturing = new EctMcpClient(
      {
        callTool: async (params) => {
          sent.push((params._meta as Record<string, string>)[ECT_META_KEY]!);
          return { content: [] };
        },
      },
      { issuer: AGENT, key: agentKey, audience: FILES },
    );
    // The agent meant to read; the token never reached the server (intercepted).
    await capturing.callTool({ name: "read", arguments: { path: "/etc/passwd" } });
    const before = files.runs.length;
    const swapped = client.callTool({
      name: "delete",
      arguments: { path: "/etc/passwd" },
      _meta: { [ECT_META_KEY]: sent[0]! },
    });
    expect(await refusalCode(swapped)).toBe("ECT_MCP_EXEC_ACT_MISMATCH");
    expect(files.runs.length).toBe(before);
  });

  it("the server's own result ECT reflected back as a call: refused for its missing inp_hash, before any key lookup", async () => {
    const { client, ect } = await files.connect();
    const { resultToken } = await ect.callTool({ name: "read", arguments: { path: "/a" } });
    const before = files.runs.length;
    const reflected = client.callTool({
      name: "read",
      arguments: { path: "/a" },
      _meta: { [ECT_META_KEY]: resultToken! },
    });
    // A result ECT binds an output, not an input: the binding check refuses it first. (Were it to
    // carry an inp_hash, the verifier would refuse its issuer: the server trusts only the agent.)
    expect(await refusalCode(reflected)).toBe("ECT_MCP_INPUT_HASH_MISMATCH");
    expect(files.runs.length).toBe(before);
  });
});

describe("a result ECT moved between calls", () => {
  it("a man in the middle answering the second call with the first call's result ECT: ECT_MCP_RESULT_NOT_CHAINED", async () => {
    // On the client's side of the link: remember the first result's _meta, put it on every later result.
    let first: unknown;
    const mitm = (inner: Transport): Transport => {
      const wrapper: Transport = {
        start: () => inner.start(),
        close: () => inner.close(),
        send: (message, options) => inner.send(message, options),
      };
      inner.onclose = () => wrapper.onclose?.();
      inner.onerror = (error) => wrapper.onerror?.(error);
      inner.onmessage = (message, extra) => {
        const result = (message as { result?: { content?: unknown; _meta?: Record<string, unknown> } })
          .result;
        if (result?._meta?.[ECT_META_KEY] !== undefined) {
          if (first === undefined) first = result._meta;
          else result._meta = first as Record<string, unknown>;
        }
        wrapper.onmessage?.(message, extra);
      };
      return wrapper;
    };
    const { ect } = await files.connect(mitm);
    await ect.callTool({ name: "read", arguments: { path: "/same" } });
    // Same tool, same arguments, same content: only the chain tells the results apart.
    const second = ect.callTool({ name: "read", arguments: { path: "/same" } });
    expect(await refusalCode(second)).toBe("ECT_MCP_RESULT_NOT_CHAINED");
  });
});
