// WIMSE workload identity plugs into the guard (profile §9, §10): over Streamable HTTP the agent
// sends its WIT in the Workload-Identity-Token header and signs its ECTs with the WIT's key; the
// guard hands the call's headers to a `verifyToolCall` verifier built on ect-wimse.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { createWorkloadEctVerifier } from "ect-wimse";
import { createIdentityServer } from "ect-wimse/testing";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { createEctToolGuard, EctMcpClient, ectRefusalOf } from "../src/index.js";
import { serveOverHttp } from "./support.js";

const serverId = "wimse://example.com/tools";

describe("a WIMSE-bound verifier behind the guard", () => {
  it("accepts an ECT signed with the key of the WIT sent beside it, and refuses a call without a WIT", async () => {
    const identity = await createIdentityServer({ trustDomain: "example.com" });
    const agent = await identity.issueWit({ workload: "agent" });
    const workload = createWorkloadEctVerifier({
      verifierId: serverId,
      trustAnchors: identity.trustAnchors,
      requireWpt: false,
    });
    let runs = 0;
    const guard = createEctToolGuard({
      verifier: {
        verifyToolCall: ({ token, headers }) => {
          const wit = headers?.["workload-identity-token"];
          return workload.verify({ ect: token, wit: typeof wit === "string" ? wit : "" });
        },
      },
    });
    // One server per client: a stateful Streamable HTTP transport serves one session.
    const served: Awaited<ReturnType<typeof serveOverHttp>>[] = [];
    const connect = async (headers: Record<string, string>) => {
      const server = new McpServer({ name: "tools", version: "1.0.0" });
      server.registerTool(
        "whoami",
        { inputSchema: { x: z.number() } },
        guard.tool(async (_args, _extra, ect) => {
          runs++;
          return { content: [{ type: "text" as const, text: ect.claims.iss }] };
        }),
      );
      const serving = await serveOverHttp(server, guard);
      served.push(serving);
      const client = new Client({ name: "agent", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(serving.url, { requestInit: { headers } }));
      return client;
    };
    try {
      const withWit = await connect({ "workload-identity-token": agent.wit });
      const ect = new EctMcpClient(withWit, { issuer: agent.subject, key: agent.key, audience: serverId });
      const { result } = await ect.callTool({ name: "whoami", arguments: { x: 1 } });
      expect(result.content).toEqual([{ type: "text", text: agent.subject }]);
      await withWit.close();

      const withoutWit = await connect({});
      const bare = new EctMcpClient(withoutWit, {
        issuer: agent.subject,
        key: agent.key,
        audience: serverId,
      });
      const refused = await bare.callTool({ name: "whoami", arguments: { x: 2 } }).catch((e: unknown) => e);
      expect(ectRefusalOf(refused)?.code).toMatch(/^ECT_WIT_/);
      expect(runs).toBe(1);
      await withoutWit.close();
    } finally {
      for (const serving of served) await serving.close();
    }
  });
});
