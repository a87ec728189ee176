import canonicalize from "canonicalize";
import { EctError, type EctErrorCode, EctErrorCodes, sha256Base64url } from "ect-core";

/** The parts of a tool result that `out_hash` covers (profile §10). */
export interface ToolResultOutput {
  /** The result's `content` array. */
  readonly content?: unknown;
  /** The result's `structuredContent`, when the tool returns one. */
  readonly structuredContent?: unknown;
}

/**
 * SHA-256 of the RFC 8785 (JCS) canonical JSON of `value`, as unpadded base64url: the form of
 * `inp_hash` and `out_hash` on MCP (profile §10: servers see parsed JSON, not bytes, so the hash
 * binds the canonical form). A value with no JCS form (a lone surrogate, a non-finite number, a
 * cycle) is an {@link EctError} with `code`.
 */
async function jcsSha256(value: unknown, code: EctErrorCode, member: string): Promise<string> {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (cause) {
    throw new EctError(code, `${member} has no RFC 8785 canonical form`, { member, cause });
  }
  if (text === undefined) throw new EctError(code, `${member} has no RFC 8785 canonical form`, { member });
  return sha256Base64url(text);
}

/**
 * The `inp_hash` of a tool call: SHA-256 of the JCS form of `params.arguments` (profile §10). Absent
 * arguments hash as `{}`, the value the SDK hands a tool that was called without arguments.
 *
 * @example
 * ```ts
 * const inpHash = await toolArgumentsHash({ query: "ledger", limit: 3 });
 * ```
 * @throws {@link EctError} `ECT_MCP_INPUT_HASH_MISMATCH` when the arguments have no JCS form.
 */
export function toolArgumentsHash(args: unknown): Promise<string> {
  return jcsSha256(args ?? {}, EctErrorCodes.MCP_INPUT_HASH_MISMATCH, "params.arguments");
}

/**
 * The `out_hash` of a tool result: SHA-256 of the JCS form of `{ content, structuredContent }`,
 * `structuredContent` only when present (profile §10).
 *
 * @throws {@link EctError} `ECT_MCP_OUTPUT_HASH_MISMATCH` when the result has no JCS form.
 */
export function toolResultHash(result: ToolResultOutput): Promise<string> {
  const covered: Record<string, unknown> = { content: result.content };
  if (result.structuredContent !== undefined) covered["structuredContent"] = result.structuredContent;
  return jcsSha256(covered, EctErrorCodes.MCP_OUTPUT_HASH_MISMATCH, "result");
}
