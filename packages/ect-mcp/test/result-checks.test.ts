// The client's checks of a server's result ECT (profile §10): a server that answers with a missing,
// malformed, unchained, re-scoped or mis-hashed result ECT is refused with the exact code.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { createEct, generateEctKeyPair } from "ect-crypto";
import { beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { ECT_META_KEY, EctMcpClient, toolResultHash } from "../src/index.js";
import { linked } from "./in-memory.js";
import { claimsOf, clientId, makeParties, type Parties, resultVerifier, serverId } from "./support.js";

type Forge = (call: { jti: string; wid: string }, content: unknown) => Promise<unknown>;

/** A server whose `echo` result carries whatever `forge` makes for the call. */
async function clientFacing(parties: Parties, forge: Forge): Promise<EctMcpClient> {
  const server = new McpServer({ name: "rogue", version: "1.0.0" });
  server.registerTool("echo", { inputSchema: { text: z.string() } }, async ({ text }, extra) => {
    const call = claimsOf(extra._meta?.[ECT_META_KEY] as string);
    const content = [{ type: "text" as const, text }];
    const token = await forge({ jti: call.jti, wid: call.wid! }, content);
    return { content, ...(token === undefined ? {} : { _meta: { [ECT_META_KEY]: token } }) };
  });
  const client = await linked(server);
  return new EctMcpClient(client, {
    issuer: clientId,
    key: parties.clientKey,
    audience: serverId,
    resultVerifier: resultVerifier(parties),
  });
}

describe("the client refuses a result ECT that does not answer the call", () => {
  let parties: Parties;
  beforeAll(async () => {
    parties = await makeParties();
  });

  const sign = (claims: Record<string, unknown>, key = parties.serverKey) =>
    createEct({ iss: serverId, aud: clientId, exec_act: "echo", ...claims } as never, key);

  const codeOf = async (forge: Forge) => {
    const ect = await clientFacing(parties, forge);
    return ect.callTool({ name: "echo", arguments: { text: "hi" } }).then(
      () => "accepted",
      (e: { code?: string; member?: string }) => `${e.code}${e.member === undefined ? "" : ` ${e.member}`}`,
    );
  };

  it("accepts a well-formed one (the control case)", async () => {
    expect(
      await codeOf(async (call, content) =>
        sign({ pred: [call.jti], wid: call.wid, out_hash: await toolResultHash({ content }) }),
      ),
    ).toBe("accepted");
  });

  it("no result ECT: ECT_MCP_ECT_MISSING", async () => {
    expect(await codeOf(async () => undefined)).toBe(`ECT_MCP_ECT_MISSING result._meta["${ECT_META_KEY}"]`);
  });

  it("a result ECT that is not a string: ECT_MALFORMED", async () => {
    expect(await codeOf(async () => ["a.b.c"])).toBe(`ECT_MALFORMED result._meta["${ECT_META_KEY}"]`);
  });

  it("out_hash over other content: ECT_MCP_OUTPUT_HASH_MISMATCH", async () => {
    expect(
      await codeOf(async (call) =>
        sign({
          pred: [call.jti],
          wid: call.wid,
          out_hash: await toolResultHash({ content: [{ type: "text", text: "bye" }] }),
        }),
      ),
    ).toBe("ECT_MCP_OUTPUT_HASH_MISMATCH out_hash");
  });

  it("no out_hash: ECT_MCP_OUTPUT_HASH_MISMATCH", async () => {
    expect(await codeOf(async (call) => sign({ pred: [call.jti], wid: call.wid }))).toBe(
      "ECT_MCP_OUTPUT_HASH_MISMATCH out_hash",
    );
  });

  it("pred that is not the call's jti: ECT_MCP_RESULT_NOT_CHAINED", async () => {
    expect(
      await codeOf(async (call, content) =>
        sign({ pred: [crypto.randomUUID()], wid: call.wid, out_hash: await toolResultHash({ content }) }),
      ),
    ).toBe("ECT_MCP_RESULT_NOT_CHAINED pred");
  });

  it("pred naming the call and more: ECT_MCP_RESULT_NOT_CHAINED", async () => {
    expect(
      await codeOf(async (call, content) =>
        sign({
          pred: [call.jti, crypto.randomUUID()],
          wid: call.wid,
          out_hash: await toolResultHash({ content }),
        }),
      ),
    ).toBe("ECT_MCP_RESULT_NOT_CHAINED pred");
  });

  it("another workflow: ECT_MCP_RESULT_NOT_CHAINED", async () => {
    expect(
      await codeOf(async (call, content) =>
        sign({ pred: [call.jti], wid: crypto.randomUUID(), out_hash: await toolResultHash({ content }) }),
      ),
    ).toBe("ECT_MCP_RESULT_NOT_CHAINED wid");
  });

  it("signed by a key the client does not trust for the server: refused by the verifier", async () => {
    const other = await generateEctKeyPair();
    expect(
      await codeOf(async (call, content) =>
        sign(
          { pred: [call.jti], wid: call.wid, out_hash: await toolResultHash({ content }) },
          { ...other, kid: parties.serverKey.kid },
        ),
      ),
    ).toBe("ECT_SIGNATURE_INVALID signature");
  });
});
