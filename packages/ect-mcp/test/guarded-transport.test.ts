// The guarded transport on its own, with a fake inner transport: which responses get a result ECT.
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { createEct, createEctVerifier, staticKeyResolver } from "ect-crypto";
import { beforeAll, expect, it } from "vitest";
import { createEctToolGuard, ECT_META_KEY, toolArgumentsHash } from "../src/index.js";
import { clientId, makeParties, type Parties, serverId } from "./support.js";

let parties: Parties;
beforeAll(async () => {
  parties = await makeParties();
});

/** A transport whose peer is the test: `deliver` plays the client, `sent` is what the server sent. */
function fakeTransport() {
  const sent: JSONRPCMessage[] = [];
  const transport: Transport = {
    start: async () => {},
    close: async () => {},
    send: async (message) => {
      sent.push(message);
    },
  };
  return { transport, sent, deliver: (message: JSONRPCMessage) => transport.onmessage?.(message) };
}

async function callMessage(id: number, extra: Record<string, unknown> = {}): Promise<JSONRPCMessage> {
  const args = { a: 1 };
  const token = await createEct(
    { iss: clientId, aud: serverId, exec_act: "add", pred: [], inp_hash: await toolArgumentsHash(args) },
    parties.clientKey,
  );
  return {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "add", arguments: args, _meta: { [ECT_META_KEY]: token }, ...extra },
  } as JSONRPCMessage;
}

it("signs the result of a plain call, not the task handle of a task-augmented one", async () => {
  const guard = createEctToolGuard({
    verifier: createEctVerifier({
      verifierId: serverId,
      keys: staticKeyResolver([{ iss: clientId, key: parties.clientKey }]),
    }),
    resultSigning: { issuer: serverId, key: parties.serverKey },
  });
  const fake = fakeTransport();
  const guarded = guard.guard(fake.transport);
  const forwarded: JSONRPCMessage[] = [];
  let arrived: () => void = () => {};
  guarded.onmessage = (message) => {
    forwarded.push(message);
    arrived();
  };
  const next = () => new Promise<void>((resolve) => (arrived = resolve));

  let waiting = next();
  fake.deliver(await callMessage(1));
  await waiting;
  await guarded.send({ jsonrpc: "2.0", id: 1, result: { content: [] } });
  waiting = next();
  fake.deliver(await callMessage(2, { task: { ttl: 1000 } }));
  await waiting;
  await guarded.send({ jsonrpc: "2.0", id: 2, result: { task: { taskId: "t" } } });

  expect(forwarded).toHaveLength(2);
  const metaOf = (m: JSONRPCMessage) => (m as { result: { _meta?: Record<string, unknown> } }).result._meta;
  expect(typeof metaOf(fake.sent[0]!)?.[ECT_META_KEY]).toBe("string");
  expect(metaOf(fake.sent[1]!)).toBeUndefined();
});
