/**
 * `ect-mcp`: ECTs on Model Context Protocol tool calls and results (profile §10), over the official
 * MCP TypeScript SDK (`@modelcontextprotocol/sdk`, a peer dependency used for its types only).
 *
 * - Client: {@link EctMcpClient} mints an ECT for every tool call and checks the server's result ECT.
 * - Server: {@link createEctToolGuard} verifies each call's ECT in the transport, before the tool
 *   runs, refuses with a JSON-RPC error carrying the ECT error code, and signs the result.
 *
 * @packageDocumentation
 */
export {
  EctMcpClient,
  type EctMcpClientOptions,
  type EctToolCallOptions,
  type EctToolCallResult,
  type McpToolCaller,
  type McpToolResult,
} from "./ect-client.js";
export { type ToolResultOutput, toolArgumentsHash, toolResultHash } from "./jcs-hash.js";
export { ECT_META_KEY, ECT_META_MEMBER } from "./meta-key.js";
export {
  type EctRefusalData,
  ectRefusalOf,
  JSONRPC_INTERNAL_ERROR,
  JSONRPC_INVALID_PARAMS,
  type JsonRpcErrorObject,
  jsonRpcErrorForEct,
} from "./refusal.js";
export type {
  EctAppendTarget,
  EctTokenVerifier,
  EctToolCallInput,
  EctToolCallVerifier,
} from "./token-verifier.js";
export {
  createEctToolGuard,
  type EctHandlerExtra,
  type EctResultSigning,
  type EctToolGuard,
  type EctToolGuardOptions,
  type EctToolRefusal,
  type EctVerifiedToolCall,
} from "./tool-guard.js";
