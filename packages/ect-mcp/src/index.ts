/**
 * `ect-mcp`: ECTs on Model Context Protocol tool calls and results (profile §10), over the official MCP TypeScript SDK.
 *
 * @packageDocumentation
 */
export {};
