// A real MCP client and server from the official SDK, on loopback, over stdio (a spawned node
// process) and Streamable HTTP (node:http): tool calls carry ECTs the server verifies before the
// tool runs, results carry the server's ECT chained to the call, both land in the ledger as a
// valid DAG, and bad calls are refused with the right code without running the tool.
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { createEct, generateEctKeyPair } from "ect-crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ECT_META_KEY, ectRefusalOf, JSONRPC_INVALID_PARAMS, toolArgumentsHash } from "../src/index.js";
import {
  assertValidDag,
  claimsOf,
  clientId,
  type Harness,
  makeParties,
  type Parties,
  serverId,
  startHarness,
  type TransportKind,
  tamperSignature,
} from "./support.js";

/** The error a refused call raises, as `{ jsonrpc, code, member }`. */
async function refusalOf(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpError);
  const refusal = ectRefusalOf(error);
  return { jsonrpc: (error as McpError).code, code: refusal?.code, member: refusal?.member };
}

describe.each<TransportKind>(["stdio", "streamable-http"])("ECTs on MCP tool calls over %s", (kind) => {
  let parties: Parties;
  let h: Harness;
  const accepted: string[] = [];

  beforeAll(async () => {
    parties = await makeParties();
    h = await startHarness(kind, parties);
  });

  afterAll(async () => {
    // After finish() this is a no-op; after a failure it stops the server process.
    await h?.client.close();
  });

  /** A call ECT as the client would mint it, for the attacks below. */
  const mint = async (args: Record<string, unknown>, key = parties.clientKey) =>
    createEct(
      {
        iss: clientId,
        aud: serverId,
        exec_act: "add",
        pred: [],
        wid: h.ect.wid,
        inp_hash: await toolArgumentsHash(args),
      },
      key,
    );

  it("a tool call carries an ECT the server verifies; the result carries the server's ECT with pred = the call's jti", async () => {
    const { result, callClaims, resultToken, resultEct } = await h.ect.callTool({
      name: "add",
      arguments: { a: 2, b: 3 },
    });
    expect(result.structuredContent).toEqual({ sum: 5, runs: 1 });
    expect(callClaims).toMatchObject({
      iss: clientId,
      aud: serverId,
      exec_act: "add",
      pred: [],
      wid: h.ect.wid,
    });
    expect(resultToken).toBeTypeOf("string");
    expect(resultEct?.claims).toMatchObject({
      iss: serverId,
      aud: clientId,
      exec_act: "add",
      pred: [callClaims.jti],
      wid: h.ect.wid,
    });
    accepted.push(callClaims.jti, resultEct!.claims.jti);
  });

  it("a second call names the first result as its predecessor (the caller's current task)", async () => {
    const first = accepted[1]!;
    const { result, callClaims, resultEct } = await h.ect.callTool(
      { name: "add", arguments: { a: 1, b: 1 } },
      { pred: [first] },
    );
    expect(result.structuredContent).toEqual({ sum: 2, runs: 2 });
    expect(callClaims.pred).toEqual([first]);
    expect(resultEct!.claims.pred).toEqual([callClaims.jti]);
    accepted.push(callClaims.jti, resultEct!.claims.jti);
  });

  it("refuses a call without an ECT with ECT_MCP_ECT_MISSING before the tool runs", async () => {
    const refused = await refusalOf(h.client.callTool({ name: "add", arguments: { a: 1, b: 2 } }));
    expect(refused).toEqual({
      jsonrpc: JSONRPC_INVALID_PARAMS,
      code: "ECT_MCP_ECT_MISSING",
      member: `_meta["${ECT_META_KEY}"]`,
    });
  });

  it("refuses a tampered ECT with ECT_SIGNATURE_INVALID before the tool runs", async () => {
    const args = { a: 4, b: 4 };
    const tampered = tamperSignature(await mint(args));
    const refused = await refusalOf(
      h.client.callTool({ name: "add", arguments: args, _meta: { [ECT_META_KEY]: tampered } }),
    );
    expect(refused).toEqual({
      jsonrpc: JSONRPC_INVALID_PARAMS,
      code: "ECT_SIGNATURE_INVALID",
      member: "signature",
    });
  });

  it("refuses an ECT signed by another key under the client's kid (forged) before the tool runs", async () => {
    const attacker = await generateEctKeyPair();
    const args = { a: 6, b: 6 };
    const forged = await createEct(
      { iss: clientId, aud: serverId, exec_act: "add", pred: [], inp_hash: await toolArgumentsHash(args) },
      { ...attacker, kid: parties.clientKey.kid },
    );
    const refused = await refusalOf(
      h.client.callTool({ name: "add", arguments: args, _meta: { [ECT_META_KEY]: forged } }),
    );
    expect(refused.code).toBe("ECT_SIGNATURE_INVALID");
  });

  it("refuses arguments that differ from inp_hash with ECT_MCP_INPUT_HASH_MISMATCH, without burning the jti", async () => {
    const token = await mint({ a: 1, b: 2 });
    const refused = await refusalOf(
      h.client.callTool({ name: "add", arguments: { a: 1, b: 3 }, _meta: { [ECT_META_KEY]: token } }),
    );
    expect(refused).toEqual({
      jsonrpc: JSONRPC_INVALID_PARAMS,
      code: "ECT_MCP_INPUT_HASH_MISMATCH",
      member: "inp_hash",
    });
    // The refusal came before the verifier: the same token with its own arguments is accepted, and
    // the JCS form ignores member order.
    const ok = await h.client.callTool({
      name: "add",
      arguments: { b: 2, a: 1 },
      _meta: { [ECT_META_KEY]: token },
    });
    // Only the two good calls above and this one ran the tool: none of the refused ones did.
    expect(ok.structuredContent).toEqual({ sum: 3, runs: 3 });
    accepted.push(claimsOf(token).jti, claimsOf((ok._meta as Record<string, string>)[ECT_META_KEY]!).jti);
  });

  it("refuses a replayed ECT with ECT_REPLAY", async () => {
    const first = await h.ect.callTool({ name: "add", arguments: { a: 0, b: 0 } });
    accepted.push(first.callClaims.jti, first.resultEct!.claims.jti);
    const refused = await refusalOf(
      h.client.callTool({
        name: "add",
        arguments: { a: 0, b: 0 },
        _meta: { [ECT_META_KEY]: first.callToken },
      }),
    );
    expect(refused.code).toBe("ECT_REPLAY");
  });

  it("puts every accepted call and result ECT in the ledger, in a valid DAG, and ran the tool only for them", async () => {
    const { runs, tokens } = await h.finish();
    expect(runs).toBe(4);
    expect(tokens.map((t) => claimsOf(t).jti).sort()).toEqual([...accepted].sort());
    expect(await assertValidDag(tokens)).toEqual([]);
    // Each result ECT follows its call in the ledger.
    const order = tokens.map((t) => claimsOf(t).jti);
    for (let i = 0; i < accepted.length; i += 2) {
      expect(order.indexOf(accepted[i]!)).toBeLessThan(order.indexOf(accepted[i + 1]!));
    }
    if (kind === "streamable-http") {
      expect(h.refusals.map((r) => r.error.code)).toEqual([
        "ECT_MCP_ECT_MISSING",
        "ECT_SIGNATURE_INVALID",
        "ECT_SIGNATURE_INVALID",
        "ECT_MCP_INPUT_HASH_MISMATCH",
        "ECT_REPLAY",
      ]);
    }
  });
});
