// An McpServer and a Client linked in memory (the SDK's InMemoryTransport), for the unit tests.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";

/** Connects `server` (through `wrap`, e.g. a guard) to a fresh client; returns the client. */
export async function linked(
  server: McpServer,
  wrap: (t: Transport) => Transport = (t) => t,
): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(wrap(serverSide));
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(clientSide);
  return client;
}
