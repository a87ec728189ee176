import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from "@modelcontextprotocol/sdk/types.js";
import {
  type Clock,
  type EctClaims,
  EctConfigError,
  EctError,
  EctErrorCodes,
  isEctError,
  type VerifiedEct,
} from "ect-core";
import { assertKnownOptions } from "ect-core/internal";
import { createEct, type EctSigningKey } from "ect-crypto";
import { assertHashClaim, untrustedClaims } from "./hash-binding.js";
import { toolArgumentsHash, toolResultHash } from "./jcs-hash.js";
import { ECT_META_KEY, ECT_META_MEMBER } from "./meta-key.js";
import { jsonRpcErrorForEct } from "./refusal.js";
import type { EctAppendTarget, EctTokenVerifier, EctToolCallVerifier } from "./token-verifier.js";

/** How the server signs the ECT it attaches to a tool result (profile §10). */
export interface EctResultSigning {
  /** The server's workload id: the `iss` of its result ECTs. */
  readonly issuer: string;
  /** The server's signing key (`ect-crypto`'s `generateEctKeyPair` / `importEctKey`). */
  readonly key: EctSigningKey;
  /** The `exec_act` of a result ECT for a tool; default: the tool name. */
  readonly execAct?: (toolName: string) => string;
  /**
   * Where the server appends its own result ECTs before sending them (profile §7: "senders append
   * their own ECT before sending it"). A refused append turns the response into an error.
   */
  readonly ledger?: EctAppendTarget;
}

/** Options of {@link createEctToolGuard}. */
export interface EctToolGuardOptions {
  /**
   * Verifies every tool call's ECT before the tool runs: any `{ verify(token) }`, e.g.
   * `createEctVerifier` (with a ledger and DAG checks as configured), or a
   * `{ verifyToolCall(call) }` that also sees the call's `_meta` and HTTP headers (WIMSE binding).
   */
  readonly verifier: EctTokenVerifier | EctToolCallVerifier;
  /**
   * Whether a call's `exec_act` names the tool called (profile §10). Default: it must equal the
   * tool's name, which is what `EctMcpClient` sends unless told otherwise, so a token minted for
   * one tool never runs another with the same arguments (`inp_hash` binds only the arguments).
   * A function decides for tools whose callers name the action differently; `false` turns the
   * check off.
   */
  readonly execActMatchesTool?: boolean | ((execAct: string, toolName: string) => boolean);
  /** When given, every successful tool result carries the server's own ECT in its `_meta`. */
  readonly resultSigning?: EctResultSigning;
  /** Milliseconds since the epoch for the result ECTs' `iat` (default `Date.now`). */
  readonly clock?: Clock;
  /** Told of each refused tool call (for logs and metrics); the refusal is sent regardless. */
  readonly onRefused?: (refusal: EctToolRefusal) => void;
  /** Told of each accepted tool call, before the tool runs. */
  readonly onVerified?: (call: EctVerifiedToolCall) => void;
}

/** A tool call the guard refused (see {@link EctToolGuardOptions.onRefused}). */
export interface EctToolRefusal {
  /** The tool's name, as requested. */
  readonly toolName: string;
  /** Why: the ECT error (its `code` and `member` went to the client in `error.data`). */
  readonly error: EctError;
}

/** A tool call whose ECT the guard verified (see {@link EctToolGuardOptions.onVerified}). */
export interface EctVerifiedToolCall {
  /** The tool's name. */
  readonly toolName: string;
  /** The verified ECT of the call. */
  readonly ect: VerifiedEct;
  /** The request's `_meta` (where `traceparent` travels beside the ECT). */
  readonly meta: Readonly<Record<string, unknown>>;
}

/** Where a tool handler finds the request's `_meta`: the SDK's handler `extra` has this shape. */
export interface EctHandlerExtra {
  /** The request's `params._meta`. */
  readonly _meta?: { readonly [member: string]: unknown } | undefined;
}

/** Guards MCP tool calls with ECTs on the server side (profile §10). Built by {@link createEctToolGuard}. */
export interface EctToolGuard {
  /**
   * Wraps a server transport (stdio, Streamable HTTP, any `Transport`) so that every `tools/call`
   * request is verified before the server sees it: a call without an ECT, with a refused one, or
   * whose `inp_hash` does not match its arguments is answered with a JSON-RPC error carrying the
   * ECT error `code` and `member`, and never reaches the tool. Connect the server to the result.
   */
  guard(transport: Transport): Transport;
  /**
   * The verified ECT of the tool call a handler is running for, from the handler's `extra`.
   *
   * @throws {@link EctError} `ECT_MCP_ECT_MISSING` when the call did not pass this guard (fail closed).
   */
  verifiedEct(extra: EctHandlerExtra): VerifiedEct;
  /**
   * Wraps a tool handler `(args, extra)` so it receives the verified ECT as a third argument.
   *
   * @example
   * ```ts
   * server.registerTool("search", { inputSchema: { q: z.string() } },
   *   guard.tool(async ({ q }, _extra, ect) => ({ content: [{ type: "text", text: `${q} for ${ect.claims.iss}` }] })));
   * ```
   */
  tool<A, X extends EctHandlerExtra, R>(
    handler: (args: A, extra: X, ect: VerifiedEct) => R,
  ): (args: A, extra: X) => R;
}

interface PendingCall {
  readonly toolName: string;
  readonly token: string;
  readonly ect: VerifiedEct;
  /**
   * A task-augmented call (`params.task`) is answered with a task handle, not the tool's output:
   * no result ECT is signed for it (its `out_hash` would cover nothing the tool produced).
   */
  readonly taskAugmented: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function toolCallOf(message: JSONRPCMessage): { id: RequestId; params: Record<string, unknown> } | undefined {
  const m = message as { method?: unknown; id?: unknown; params?: unknown };
  if (m.method !== "tools/call" || (typeof m.id !== "string" && typeof m.id !== "number")) return undefined;
  return { id: m.id, params: isObject(m.params) ? m.params : {} };
}

/**
 * Checks a tool call's ECT (profile §10): present as a string under `_meta`, `inp_hash` equal to the
 * SHA-256 of the JCS form of `params.arguments` (checked on the untrusted claims first, so a
 * mismatch never burns the `jti` or reaches a ledger), then the verifier, then `inp_hash` again
 * on the verified claims.
 */
/** Throws unless `claims.exec_act` names the tool (see {@link EctToolGuardOptions.execActMatchesTool}). */
function assertExecAct(
  claims: Readonly<Record<string, unknown>>,
  toolName: string,
  rule: (execAct: string, toolName: string) => boolean,
): void {
  const execAct = claims["exec_act"];
  // A non-string exec_act is the verifier's to refuse with its own code.
  if (typeof execAct === "string" && !rule(execAct, toolName)) {
    throw new EctError(EctErrorCodes.MCP_EXEC_ACT_MISMATCH, `exec_act does not name the tool ${toolName}`, {
      member: "exec_act",
    });
  }
}

async function verifyToolCall(
  params: Record<string, unknown>,
  extra: MessageExtraInfo | undefined,
  gate: ToolGate,
): Promise<PendingCall> {
  const verifier = gate.verifier;
  const toolName = typeof params["name"] === "string" ? params["name"] : "";
  const meta = isObject(params["_meta"]) ? params["_meta"] : {};
  const token = meta[ECT_META_KEY];
  if (token === undefined) {
    throw new EctError(EctErrorCodes.MCP_ECT_MISSING, `the tool call carries no ECT in ${ECT_META_MEMBER}`, {
      member: ECT_META_MEMBER,
    });
  }
  if (typeof token !== "string") {
    throw new EctError(EctErrorCodes.MALFORMED, `${ECT_META_MEMBER} must be a string (one ECT)`, {
      member: ECT_META_MEMBER,
    });
  }
  const inpHash = await toolArgumentsHash(params["arguments"]);
  const untrusted = untrustedClaims(token);
  if (untrusted !== undefined) {
    assertHashClaim(untrusted, "inp_hash", inpHash, EctErrorCodes.MCP_INPUT_HASH_MISMATCH);
    if (gate.execActRule !== undefined) assertExecAct(untrusted, toolName, gate.execActRule);
  }
  const ect =
    "verifyToolCall" in verifier
      ? await verifier.verifyToolCall({ token, toolName, meta, headers: extra?.requestInfo?.headers })
      : await verifier.verify(token);
  assertHashClaim(ect.claims, "inp_hash", inpHash, EctErrorCodes.MCP_INPUT_HASH_MISMATCH);
  if (gate.execActRule !== undefined) assertExecAct(ect.claims, toolName, gate.execActRule);
  return { toolName, token, ect, taskAugmented: params["task"] !== undefined };
}

async function signResult(
  call: PendingCall,
  result: Record<string, unknown>,
  signing: EctResultSigning,
  clock: Clock | undefined,
): Promise<string> {
  const caller: EctClaims = call.ect.claims;
  const claims = {
    iss: signing.issuer,
    aud: caller.iss,
    exec_act: signing.execAct === undefined ? call.toolName : signing.execAct(call.toolName),
    // profile §10: the tool's task follows the call.
    pred: [caller.jti],
    ...(caller.wid === undefined ? {} : { wid: caller.wid }),
    out_hash: await toolResultHash(result),
  };
  const token = await createEct(claims, signing.key, clock === undefined ? {} : { clock });
  if (signing.ledger !== undefined) {
    const appended = await signing.ledger.append(token);
    if (appended.status !== "appended") {
      throw new EctError(
        EctErrorCodes.LEDGER_APPEND_FAILED,
        `the ledger did not append the result ECT (status ${appended.status})`,
      );
    }
  }
  return token;
}

/** One guarded transport: the inner transport's messages pass through the gate, in order. */
class GuardedTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void) | undefined;
  readonly #inner: Transport;
  readonly #gate: ToolGate;
  readonly #pending = new Map<RequestId, PendingCall>();
  // Messages are handed on in arrival order: a later message (a cancellation, say) never overtakes
  // a tool call whose ECT is still being verified.
  #queue: Promise<void> = Promise.resolve();

  constructor(inner: Transport, gate: ToolGate) {
    this.#inner = inner;
    this.#gate = gate;
    inner.onmessage = (message, extra) => {
      this.#queue = this.#queue.then(() => this.#receive(message, extra));
    };
    inner.onclose = () => {
      for (const call of this.#pending.values()) gate.release(call);
      this.#pending.clear();
      this.onclose?.();
    };
    inner.onerror = (error) => this.onerror?.(error);
  }

  get sessionId(): string | undefined {
    return this.#inner.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.#inner.setProtocolVersion?.(version);
  }

  start(): Promise<void> {
    return this.#inner.start();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async #receive(message: JSONRPCMessage, extra: MessageExtraInfo | undefined): Promise<void> {
    const call = toolCallOf(message);
    if (call === undefined) {
      this.onmessage?.(message, extra);
      return;
    }
    let pending: PendingCall;
    try {
      pending = await verifyToolCall(call.params, extra, this.#gate);
    } catch (error) {
      const toolName = typeof call.params["name"] === "string" ? call.params["name"] : "";
      const ectError = isEctError(error)
        ? error
        : new EctError(EctErrorCodes.CHECK_FAILED, "the tool call's ECT could not be verified", {
            cause: error,
          });
      this.#gate.refused({ toolName, error: ectError });
      await this.#inner
        .send(
          { jsonrpc: "2.0", id: call.id, error: jsonRpcErrorForEct(error) },
          { relatedRequestId: call.id },
        )
        .catch((sendError: unknown) => this.onerror?.(sendError as Error));
      return;
    }
    this.#pending.set(call.id, pending);
    this.#gate.hold(pending, call.params);
    this.onmessage?.(message, extra);
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const reply = message as { id?: unknown; result?: unknown };
    const id = reply.id;
    const call = typeof id === "string" || typeof id === "number" ? this.#pending.get(id) : undefined;
    if (call === undefined || !("result" in reply || "error" in reply))
      return this.#inner.send(message, options);
    this.#pending.delete(id as RequestId);
    this.#gate.release(call);
    const signing = this.#gate.resultSigning;
    if (signing === undefined || call.taskAugmented || !isObject(reply.result)) {
      return this.#inner.send(message, options);
    }
    const result = reply.result;
    let token: string;
    try {
      token = await signResult(call, result, signing, this.#gate.clock);
    } catch (error) {
      return this.#inner.send(
        { jsonrpc: "2.0", id: id as RequestId, error: jsonRpcErrorForEct(error) },
        options,
      );
    }
    const meta = isObject(result["_meta"]) ? result["_meta"] : {};
    const signed = { ...message, result: { ...result, _meta: { ...meta, [ECT_META_KEY]: token } } };
    return this.#inner.send(signed as JSONRPCMessage, options);
  }
}

const GUARD_OPTIONS: readonly (keyof EctToolGuardOptions)[] = [
  "verifier",
  "execActMatchesTool",
  "resultSigning",
  "clock",
  "onRefused",
  "onVerified",
];

/** The state a guard shares across its transports. */
class ToolGate implements EctToolGuard {
  readonly verifier: EctTokenVerifier | EctToolCallVerifier;
  readonly resultSigning: EctResultSigning | undefined;
  readonly clock: Clock | undefined;
  readonly execActRule: ((execAct: string, toolName: string) => boolean) | undefined;
  readonly #options: EctToolGuardOptions;
  // Calls whose tool is running, by token (what a handler's extra._meta carries). A count, since a
  // verifier without a replay cache could pass the same token twice; the verified ECT is the same.
  readonly #running = new Map<string, { ect: VerifiedEct; count: number }>();

  constructor(options: EctToolGuardOptions) {
    assertKnownOptions(options, GUARD_OPTIONS);
    const verifier = options.verifier as Partial<EctTokenVerifier & EctToolCallVerifier> | null;
    const verifies = typeof verifier?.verify === "function" || typeof verifier?.verifyToolCall === "function";
    if (!isObject(verifier) || !verifies) {
      throw new EctConfigError("verifier", "must have a verify(token) or verifyToolCall(call) method");
    }
    const signing = options.resultSigning;
    if (signing !== undefined) {
      assertKnownOptions(signing, ["issuer", "key", "execAct", "ledger"], "resultSigning.");
      if (typeof signing.issuer !== "string" || signing.issuer === "") {
        throw new EctConfigError("resultSigning.issuer", "must be a non-empty string");
      }
      if (signing.key === null || typeof signing.key !== "object") {
        throw new EctConfigError("resultSigning.key", "must be a signing key");
      }
      if (signing.execAct !== undefined && typeof signing.execAct !== "function") {
        throw new EctConfigError("resultSigning.execAct", "must be a function");
      }
      if (signing.ledger !== undefined && typeof signing.ledger?.append !== "function") {
        throw new EctConfigError("resultSigning.ledger", "must have an append(token) method");
      }
    }
    if (options.clock !== undefined && typeof options.clock !== "function") {
      throw new EctConfigError("clock", "must be a function returning milliseconds");
    }
    const execAct = options.execActMatchesTool ?? true;
    if (typeof execAct !== "boolean" && typeof execAct !== "function") {
      throw new EctConfigError(
        "execActMatchesTool",
        "must be a boolean or a function (execAct, toolName) => boolean",
      );
    }
    this.execActRule =
      execAct === true ? (act, tool) => act === tool : execAct === false ? undefined : execAct;
    this.#options = options;
    this.verifier = options.verifier;
    this.resultSigning = signing;
    this.clock = options.clock;
  }

  guard(transport: Transport): Transport {
    if (
      !isObject(transport) ||
      typeof transport.send !== "function" ||
      typeof transport.start !== "function"
    ) {
      throw new EctConfigError("transport", "must be an MCP Transport");
    }
    return new GuardedTransport(transport, this);
  }

  hold(call: PendingCall, params: Record<string, unknown>): void {
    const running = this.#running.get(call.token);
    if (running === undefined) this.#running.set(call.token, { ect: call.ect, count: 1 });
    else running.count++;
    const meta = isObject(params["_meta"]) ? params["_meta"] : {};
    this.#options.onVerified?.({ toolName: call.toolName, ect: call.ect, meta });
  }

  release(call: PendingCall): void {
    const running = this.#running.get(call.token);
    if (running === undefined) return;
    if (--running.count === 0) this.#running.delete(call.token);
  }

  refused(refusal: EctToolRefusal): void {
    this.#options.onRefused?.(refusal);
  }

  verifiedEct(extra: EctHandlerExtra): VerifiedEct {
    const token = extra?._meta?.[ECT_META_KEY];
    const running = typeof token === "string" ? this.#running.get(token) : undefined;
    if (running === undefined) {
      throw new EctError(
        EctErrorCodes.MCP_ECT_MISSING,
        "this tool call was not verified by the guard: connect the server to guard(transport)",
        { member: ECT_META_MEMBER },
      );
    }
    return running.ect;
  }

  tool<A, X extends EctHandlerExtra, R>(
    handler: (args: A, extra: X, ect: VerifiedEct) => R,
  ): (args: A, extra: X) => R {
    if (typeof handler !== "function") throw new EctConfigError("handler", "must be a function");
    return (args, extra) => handler(args, extra, this.verifiedEct(extra));
  }
}

/**
 * Creates the server side of ECTs on MCP (profile §10). Wrap the server's transport with
 * `guard(transport)`: every `tools/call` is verified before the server sees it (a refusal is a
 * JSON-RPC error whose `data` carries the ECT error `code` and `member`; the tool never runs).
 * Tool handlers get the verified ECT through `tool(handler)` or `verifiedEct(extra)`. With
 * `resultSigning`, each result carries the server's own ECT (`pred` = the caller's `jti`,
 * `out_hash` over `{ content, structuredContent }`) in its `_meta` under the same key.
 *
 * The gate sits in the transport because the SDK's `McpServer` turns any error a tool handler
 * throws into a tool result with `isError: true`; only below it can a refusal be a JSON-RPC error.
 *
 * @example
 * ```ts
 * const guard = createEctToolGuard({
 *   verifier: createEctVerifier({ verifierId: "spiffe://example.org/search", keys }),
 *   resultSigning: { issuer: "spiffe://example.org/search", key: serverKey },
 * });
 * const server = new McpServer({ name: "search", version: "1.0.0" });
 * server.registerTool("search", { inputSchema: { q: z.string() } },
 *   guard.tool(async ({ q }, _extra, ect) => ({ content: [{ type: "text", text: q }] })));
 * await server.connect(guard.guard(new StdioServerTransport()));
 * ```
 * @throws {@link EctConfigError} (`ECT_CONFIG_INVALID`) for invalid options.
 */
export function createEctToolGuard(options: EctToolGuardOptions): EctToolGuard {
  return new ToolGate(options);
}
