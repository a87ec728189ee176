/**
 * The `_meta` member that carries an ECT on an MCP request or result (profile §10). It follows MCP's
 * `_meta` naming rules (a prefix, a slash, a name) and mirrors the HTTP `Execution-Context` header.
 */
export const ECT_META_KEY = "wimse-ect/execution-context";

/** How refusals and errors name the member: `_meta["wimse-ect/execution-context"]`. */
export const ECT_META_MEMBER = `_meta["${ECT_META_KEY}"]`;
