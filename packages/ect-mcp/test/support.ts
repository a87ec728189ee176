// Test support: keys and ids for a client and a server, a harness running the `add` server over
// stdio (a spawned node process) or Streamable HTTP (node:http on loopback), and DAG checks.
import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { decodeEct, type EctClaims, type StoredEct } from "ect-core";
import {
  createEctVerifier,
  type EctKeyPair,
  exportPrivateJwk,
  exportPublicJwk,
  generateEctKeyPair,
  staticKeyResolver,
} from "ect-crypto";
import { validateDag } from "ect-dag";
import { MemoryLedger } from "ect-ledger-memory";
import { createEctToolGuard, EctMcpClient, type EctToolGuard, type EctToolRefusal } from "../src/index.js";
// @ts-expect-error a plain ESM fixture shared with the spawned stdio server
import { createAddServer } from "./fixtures/add-server.mjs";

export const clientId = "spiffe://example.org/agent";
export const serverId = "spiffe://example.org/add-server";

export interface Parties {
  readonly clientKey: EctKeyPair;
  readonly serverKey: EctKeyPair;
}

export async function makeParties(): Promise<Parties> {
  return {
    clientKey: await generateEctKeyPair(),
    // exported to the spawned stdio server
    serverKey: await generateEctKeyPair({ extractable: true }),
  };
}

/** A client-side verifier of the server's result ECTs. */
export function resultVerifier(parties: Parties) {
  return createEctVerifier({
    verifierId: clientId,
    keys: staticKeyResolver([{ iss: serverId, key: parties.serverKey }]),
  });
}

export type TransportKind = "stdio" | "streamable-http";

/** A connected SDK client, the ECT client over it, and what the server side saw. */
export interface Harness {
  readonly client: Client;
  readonly ect: EctMcpClient;
  /** Closes the client and server; returns how often the tool ran and the ledger's tokens in order. */
  finish(): Promise<{ runs: number; tokens: string[] }>;
  /** Refusals the server reported (HTTP only; stdio reports them to the client only). */
  readonly refusals: EctToolRefusal[];
}

export async function startHarness(kind: TransportKind, parties: Parties): Promise<Harness> {
  const client = new Client({ name: "test-agent", version: "1.0.0" });
  const ect = new EctMcpClient(client, {
    issuer: clientId,
    key: parties.clientKey,
    audience: serverId,
    resultVerifier: resultVerifier(parties),
  });
  return kind === "stdio" ? startStdio(client, ect, parties) : startHttp(client, ect, parties);
}

async function startStdio(client: Client, ect: EctMcpClient, parties: Parties): Promise<Harness> {
  const config = {
    serverId,
    clientId,
    serverKey: await exportPrivateJwk(parties.serverKey),
    clientPublicKey: await exportPublicJwk(parties.clientKey),
  };
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [fileURLToPath(new URL("./fixtures/stdio-server.mjs", import.meta.url))],
    env: { ...(process.env as Record<string, string>), ECT_MCP_TEST_CONFIG: JSON.stringify(config) },
    stderr: "pipe",
  });
  let stderr = "";
  // stderr: "pipe" makes it a PassThrough.
  const stderrStream = transport.stderr as PassThrough;
  stderrStream.setEncoding("utf8");
  stderrStream.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const stderrEnded = once(stderrStream, "end");
  await client.connect(transport);
  return {
    client,
    ect,
    refusals: [],
    async finish() {
      await client.close();
      await stderrEnded;
      const last = stderr.trim().split("\n").at(-1)!;
      return JSON.parse(last) as { runs: number; tokens: string[] };
    },
  };
}

async function startHttp(client: Client, ect: EctMcpClient, parties: Parties): Promise<Harness> {
  const ledger = new MemoryLedger();
  const wids = new Set<string | null>();
  const refusals: EctToolRefusal[] = [];
  const guard = createEctToolGuard({
    verifier: createEctVerifier({
      verifierId: serverId,
      keys: staticKeyResolver([{ iss: clientId, key: parties.clientKey }]),
      ledger,
    }),
    resultSigning: { issuer: serverId, key: parties.serverKey, ledger },
    onVerified: ({ ect: verified }) => wids.add(verified.claims.wid ?? null),
    onRefused: (refusal) => refusals.push(refusal),
  });
  const { server, runs } = createAddServer(guard) as { server: McpServer; runs: { count: number } };
  const served = await serveOverHttp(server as never, guard);
  await client.connect(new StreamableHTTPClientTransport(served.url));
  return {
    client,
    ect,
    refusals,
    async finish() {
      await client.close();
      await served.close();
      const tokens: string[] = [];
      for (const wid of wids) for (const entry of await ledger.listWorkflow(wid)) tokens.push(entry.token);
      return { runs: runs.count, tokens };
    },
  };
}

/** Claims of a token, decoded without verification (tests only). */
export function claimsOf(token: string): EctClaims {
  return decodeEct(token).claims as unknown as EctClaims;
}

/** Runs the DAG rules (profile §6) over tokens in ledger order: each must be valid given those before it. */
export async function assertValidDag(tokens: readonly string[]): Promise<string[]> {
  const stored = new Map<string, StoredEct>();
  const store = {
    async getEct(wid: string | null | undefined, jti: string) {
      return stored.get(`${wid ?? ""}|${jti}`);
    },
  };
  const problems: string[] = [];
  for (const token of tokens) {
    const claims = claimsOf(token);
    const result = await validateDag(claims, store);
    if (!result.valid) problems.push(...result.violations.map((v) => v.code));
    stored.set(`${claims.wid ?? ""}|${claims.jti}`, { token, claims });
  }
  return problems;
}

/** The same token with one signature character changed (a canonical base64url change). */
export function tamperSignature(token: string): string {
  const [h, p, s] = token.split(".") as [string, string, string];
  const i = 10;
  const swapped = s[i] === "A" ? "B" : "A";
  return `${h}.${p}.${s.slice(0, i)}${swapped}${s.slice(i + 1)}`;
}

/** Serves an McpServer, its transport wrapped by `guard`, over Streamable HTTP on loopback. */
export async function serveOverHttp(
  server: McpServer,
  guard: EctToolGuard,
): Promise<{ url: URL; close(): Promise<void> }> {
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => crypto.randomUUID() });
  await server.connect(guard.guard(transport));
  const http: HttpServer = createServer((req, res) => {
    void transport.handleRequest(req, res);
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const { port } = http.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    async close() {
      await server.close();
      http.closeAllConnections();
      http.close();
      await once(http, "close");
    },
  };
}
