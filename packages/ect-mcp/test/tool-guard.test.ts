// The server guard's edges: option mistakes throw at construction, outages are internal errors,
// other requests pass through, a non-string ECT is malformed, a refused result append is an error.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { EctError } from "ect-core";
import { createEct, createEctVerifier, staticKeyResolver } from "ect-crypto";
import { beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import {
  createEctToolGuard,
  ECT_META_KEY,
  EctMcpClient,
  type EctToolGuardOptions,
  ectRefusalOf,
  JSONRPC_INTERNAL_ERROR,
  JSONRPC_INVALID_PARAMS,
  jsonRpcErrorForEct,
  toolArgumentsHash,
} from "../src/index.js";
import { linked } from "./in-memory.js";
import { clientId, makeParties, type Parties, serverId } from "./support.js";

let parties: Parties;
beforeAll(async () => {
  parties = await makeParties();
});

const verifier = () =>
  createEctVerifier({
    verifierId: serverId,
    keys: staticKeyResolver([{ iss: clientId, key: parties.clientKey }]),
  });

/** An `add` server behind a guard built from `options`; counts tool runs. */
async function guarded(options: EctToolGuardOptions) {
  const guard = createEctToolGuard(options);
  const server = new McpServer({ name: "add", version: "1.0.0" });
  const runs = { count: 0 };
  server.registerTool(
    "add",
    { inputSchema: { a: z.number(), b: z.number() } },
    guard.tool(async ({ a, b }) => {
      runs.count++;
      return { content: [{ type: "text" as const, text: String(a + b) }] };
    }),
  );
  server.registerTool(
    "sub",
    { inputSchema: { a: z.number(), b: z.number() } },
    guard.tool(async ({ a, b }) => {
      runs.count++;
      return { content: [{ type: "text" as const, text: String(a - b) }] };
    }),
  );
  const client = await linked(server, (t) => guard.guard(t));
  const ect = new EctMcpClient(client, { issuer: clientId, key: parties.clientKey, audience: serverId });
  return { guard, client, ect, runs };
}

describe("createEctToolGuard options", () => {
  it.each<[string, unknown]>([
    ["options", null],
    ["verifier", {}],
    ["verifier", { verifier: { verify: 1 } }],
    [
      "resultSigning.issuer",
      { verifier: { verify: async () => undefined }, resultSigning: { issuer: "", key: {} } },
    ],
    [
      "resultSigning.key",
      { verifier: { verify: async () => undefined }, resultSigning: { issuer: "x", key: null } },
    ],
    [
      "resultSigning.execAct",
      { verifier: { verify: async () => undefined }, resultSigning: { issuer: "x", key: {}, execAct: "x" } },
    ],
    [
      "resultSigning.ledger",
      { verifier: { verify: async () => undefined }, resultSigning: { issuer: "x", key: {}, ledger: {} } },
    ],
    ["clock", { verifier: { verify: async () => undefined }, clock: 5 }],
    ["execActMatchesTool", { verifier: { verify: async () => undefined }, execActMatchesTool: "yes" }],
    // A misspelt option is refused, never silently ignored.
    ["onRefuse", { verifier: { verify: async () => undefined }, onRefuse: () => {} }],
    [
      "resultSigning.issuers",
      { verifier: { verify: async () => undefined }, resultSigning: { issuer: "x", key: {}, issuers: [] } },
    ],
  ])("refuses a bad %s with ECT_CONFIG_INVALID", (member, options) => {
    expect(() => createEctToolGuard(options as EctToolGuardOptions)).toThrow(
      expect.objectContaining({ name: "EctConfigError", code: "ECT_CONFIG_INVALID", option: member }),
    );
  });

  it("refuses to guard something that is not a transport", () => {
    const guard = createEctToolGuard({ verifier: verifier() });
    expect(() => guard.guard({} as never)).toThrow(expect.objectContaining({ code: "ECT_CONFIG_INVALID" }));
  });
});

describe("the guard", () => {
  it("lets requests other than tools/call through without an ECT", async () => {
    const { client } = await guarded({ verifier: verifier() });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["add", "sub"]);
    await client.close();
  });

  it("refuses an ECT member that is not a string with ECT_MALFORMED", async () => {
    const { client, runs } = await guarded({ verifier: verifier() });
    const error = await client
      .callTool({ name: "add", arguments: { a: 1, b: 2 }, _meta: { [ECT_META_KEY]: ["x.y.z"] } })
      .catch((e: unknown) => e);
    expect(ectRefusalOf(error)).toMatchObject({ code: "ECT_MALFORMED", member: `_meta["${ECT_META_KEY}"]` });
    expect(runs.count).toBe(0);
    await client.close();
  });

  it("reports a verifier outage as a JSON-RPC internal error carrying the code", async () => {
    const down = {
      verify: async () => Promise.reject(new EctError("ECT_LEDGER_UNAVAILABLE", "ledger down")),
    };
    const { ect, client, runs } = await guarded({ verifier: down });
    const error = (await ect
      .callTool({ name: "add", arguments: { a: 1, b: 2 } })
      .catch((e: unknown) => e)) as {
      code: number;
    };
    expect(error.code).toBe(JSONRPC_INTERNAL_ERROR);
    expect(ectRefusalOf(error)?.code).toBe("ECT_LEDGER_UNAVAILABLE");
    expect(runs.count).toBe(0);
    await client.close();
  });

  it("reports a verifier that throws something else as an internal error without its message", async () => {
    const broken = { verify: async () => Promise.reject(new Error("secret detail")) };
    const { ect, client } = await guarded({ verifier: broken });
    const error = (await ect
      .callTool({ name: "add", arguments: { a: 1, b: 2 } })
      .catch((e: unknown) => e)) as Error;
    expect(ectRefusalOf(error)?.code).toBe("ECT_CHECK_FAILED");
    expect(error.message).not.toContain("secret detail");
    await client.close();
  });

  it("turns a result the ledger refuses to append into an error response", async () => {
    const { ect, client, runs } = await guarded({
      verifier: verifier(),
      resultSigning: {
        issuer: serverId,
        key: parties.serverKey,
        ledger: { append: async () => ({ status: "conflict" }) },
      },
    });
    const error = await ect.callTool({ name: "add", arguments: { a: 1, b: 2 } }).catch((e: unknown) => e);
    expect(ectRefusalOf(error)?.code).toBe("ECT_LEDGER_APPEND_FAILED");
    expect(runs.count).toBe(1);
    await client.close();
  });

  it("fails closed when a handler asks for the ECT of a call it did not verify", () => {
    const guard = createEctToolGuard({ verifier: verifier() });
    expect(() => guard.verifiedEct({ _meta: { [ECT_META_KEY]: "a.b.c" } })).toThrow(
      expect.objectContaining({ code: "ECT_MCP_ECT_MISSING" }),
    );
    expect(() => guard.verifiedEct({})).toThrow(expect.objectContaining({ code: "ECT_MCP_ECT_MISSING" }));
  });

  it("names the result's exec_act with resultSigning.execAct", async () => {
    const { ect, client } = await guarded({
      verifier: verifier(),
      resultSigning: { issuer: serverId, key: parties.serverKey, execAct: (tool) => `${tool}.done` },
    });
    const { resultToken } = await ect.callTool({ name: "add", arguments: { a: 1, b: 2 } });
    expect(JSON.parse(Buffer.from(resultToken!.split(".")[1]!, "base64url").toString()).exec_act).toBe(
      "add.done",
    );
    await client.close();
  });
});

describe("exec_act names the tool", () => {
  /** A call ECT with this `exec_act`, and a way to send it to a tool. */
  const send = async (client: Awaited<ReturnType<typeof guarded>>["client"], execAct: string) => {
    const args = { a: 5, b: 3 };
    const token = await createEct(
      { iss: clientId, aud: serverId, exec_act: execAct, pred: [], inp_hash: await toolArgumentsHash(args) },
      parties.clientKey,
    );
    const call = (name: string) =>
      client.callTool({ name, arguments: args, _meta: { [ECT_META_KEY]: token } });
    return { token, call };
  };

  it("refuses a token minted for one tool on another with ECT_MCP_EXEC_ACT_MISMATCH, without burning it", async () => {
    const { client, runs } = await guarded({ verifier: verifier() });
    const { call } = await send(client, "add");
    const refused = await call("sub").catch((e: unknown) => e);
    expect(ectRefusalOf(refused)).toMatchObject({ code: "ECT_MCP_EXEC_ACT_MISMATCH", member: "exec_act" });
    expect(runs.count).toBe(0);
    // Not burnt: the same token on the tool it names is accepted.
    expect((await call("add")).content).toEqual([{ type: "text", text: "8" }]);
    await client.close();
  });

  it("takes a rule for callers that name actions differently, and can be turned off", async () => {
    const mapped = await guarded({
      verifier: verifier(),
      execActMatchesTool: (act, tool) => act === `calc.${tool}`,
    });
    expect((await (await send(mapped.client, "calc.sub")).call("sub")).content).toEqual([
      { type: "text", text: "2" },
    ]);
    const refused = await (await send(mapped.client, "sub")).call("sub").catch((e: unknown) => e);
    expect(ectRefusalOf(refused)?.code).toBe("ECT_MCP_EXEC_ACT_MISMATCH");
    await mapped.client.close();
    const off = await guarded({ verifier: verifier(), execActMatchesTool: false });
    expect((await (await send(off.client, "anything")).call("sub")).content).toEqual([
      { type: "text", text: "2" },
    ]);
    await off.client.close();
  });
});

describe("jsonRpcErrorForEct", () => {
  it("maps refusals to invalid params and outages to internal errors, data = { code, member }", () => {
    expect(jsonRpcErrorForEct(new EctError("ECT_EXPIRED", "expired", { member: "exp" }))).toMatchObject({
      code: JSONRPC_INVALID_PARAMS,
      data: { code: "ECT_EXPIRED", member: "exp" },
    });
    for (const code of [
      "ECT_KEY_RESOLUTION_FAILED",
      "ECT_LEDGER_UNAVAILABLE",
      "ECT_REPLAY_CACHE_UNAVAILABLE",
    ] as const) {
      expect(jsonRpcErrorForEct(new EctError(code, "down"))).toEqual({
        code: JSONRPC_INTERNAL_ERROR,
        message: "Execution-Context refused: down",
        data: { code },
      });
    }
  });

  it("ectRefusalOf ignores errors without an ECT code", () => {
    expect(ectRefusalOf(new Error("x"))).toBeUndefined();
    expect(ectRefusalOf({ data: { code: "NOT_OURS" } })).toBeUndefined();
    expect(ectRefusalOf(null)).toBeUndefined();
  });
});

describe("EctMcpClient options", () => {
  const base = () => ({ issuer: clientId, key: parties.clientKey, audience: serverId });
  const caller = { callTool: async () => ({ content: [] }) } as never;
  it.each<[string, Record<string, unknown>]>([
    ["issuer", { issuer: "" }],
    ["key", { key: null }],
    ["audience", { audience: [] }],
    ["audience", { audience: [""] }],
    ["wid", { wid: "not-a-uuid" }],
    ["currentTask", { currentTask: [] }],
    ["resultVerifier", { resultVerifier: {} }],
    ["requireResultEct", { requireResultEct: true }],
    ["ledger", { ledger: {} }],
    ["requireResultECT", { requireResultECT: true }],
  ])("refuses a bad %s with ECT_CONFIG_INVALID", (member, change) => {
    expect(() => new EctMcpClient(caller, { ...base(), ...change } as never)).toThrow(
      expect.objectContaining({ name: "EctConfigError", code: "ECT_CONFIG_INVALID", option: member }),
    );
  });

  it("refuses something that is not a client", () => {
    expect(() => new EctMcpClient({} as never, base())).toThrow(
      expect.objectContaining({ option: "client" }),
    );
  });

  it("takes pred from currentTask, keeps the caller's _meta members and appends its own ECT when given a ledger", async () => {
    const sent: Record<string, unknown>[] = [];
    const appended: string[] = [];
    const task = crypto.randomUUID();
    const ect = new EctMcpClient(
      {
        callTool: async (params: Record<string, unknown>) => {
          sent.push(params);
          return { content: [] };
        },
      } as never,
      {
        ...base(),
        currentTask: () => [task],
        ledger: {
          append: async (token: string) => {
            appended.push(token);
            return { status: "appended" };
          },
        },
      },
    );
    const { callClaims, callToken } = await ect.callTool({ name: "add", _meta: { traceparent: "x" } });
    expect(callClaims.pred).toEqual([task]);
    expect(appended).toEqual([callToken]);
    expect(sent[0]).toMatchObject({ arguments: {}, _meta: { traceparent: "x", [ECT_META_KEY]: callToken } });
  });
});
