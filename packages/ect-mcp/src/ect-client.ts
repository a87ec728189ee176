import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { RequestOptions } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolRequest } from "@modelcontextprotocol/sdk/types.js";
import {
  type Clock,
  type EctClaims,
  EctConfigError,
  EctError,
  EctErrorCodes,
  type JsonObject,
  type VerifiedEct,
} from "ect-core";
import { assertKnownOptions, isUuid } from "ect-core/internal";
import { createEct, type EctSigningKey } from "ect-crypto";
import { assertHashClaim, untrustedClaims } from "./hash-binding.js";
import { type ToolResultOutput, toolArgumentsHash, toolResultHash } from "./jcs-hash.js";
import { ECT_META_KEY } from "./meta-key.js";
import type { EctAppendTarget, EctTokenVerifier } from "./token-verifier.js";

/** The MCP SDK client, or anything with its `callTool`. */
export type McpToolCaller = Pick<Client, "callTool">;

/** What the SDK's `callTool` resolves to. */
export type McpToolResult = Awaited<ReturnType<Client["callTool"]>>;

/** Options of {@link EctMcpClient}. */
export interface EctMcpClientOptions {
  /** The caller's workload id: the `iss` of its call ECTs. */
  readonly issuer: string;
  /** The caller's signing key (`ect-crypto`'s `generateEctKeyPair` / `importEctKey`). */
  readonly key: EctSigningKey;
  /** The server's workload id (or ids): the `aud` of the call ECTs. */
  readonly audience: string | readonly string[];
  /** The workflow id carried by every call of this session (default: a fresh UUID). */
  readonly wid?: string;
  /** The caller's current task: the `pred` of a call that names none (default: no predecessor). */
  readonly currentTask?: () => readonly string[];
  /**
   * Verifies the server's result ECT (profile §10): any `{ verify(token) }` whose `verifierId` is
   * this client's `issuer`. With it, a result without an ECT is refused (`requireResultEct`).
   */
  readonly resultVerifier?: EctTokenVerifier;
  /** Refuse results that carry no ECT (default: true when a `resultVerifier` is given). */
  readonly requireResultEct?: boolean;
  /** Where the caller appends its own call ECTs before sending them (profile §7). */
  readonly ledger?: EctAppendTarget;
  /** Milliseconds since the epoch for `iat` (default `Date.now`). */
  readonly clock?: Clock;
}

/** Per-call options of {@link EctMcpClient.callTool}. */
export interface EctToolCallOptions {
  /** `exec_act` of the call's ECT (default: the tool name). */
  readonly execAct?: string;
  /** `pred` of the call's ECT (default: the client's `currentTask()`). */
  readonly pred?: readonly string[];
  /** `ect_ext` of the call's ECT (policy records, profile §3). */
  readonly ext?: JsonObject;
  /** Options handed to the SDK's `callTool` (timeout, signal, progress). */
  readonly request?: RequestOptions;
}

/** The outcome of {@link EctMcpClient.callTool}. */
export interface EctToolCallResult {
  /** The tool result as the SDK returned it (its `_meta` still holds the server's ECT). */
  readonly result: McpToolResult;
  /** The ECT this client sent with the call. */
  readonly callToken: string;
  /** Its claims (`jti` is the call's task id). */
  readonly callClaims: EctClaims;
  /** The server's result ECT as received, when the result carries one. */
  readonly resultToken: string | undefined;
  /** The server's result ECT, verified and checked against the call, when a `resultVerifier` is set. */
  readonly resultEct: VerifiedEct | undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Throws unless a result ECT's claims answer the call (profile §10): `out_hash` over the result,
 * `pred` exactly the call's `jti`, the call's `wid`.
 */
function assertAnswersCall(
  claims: Readonly<Record<string, unknown>>,
  call: EctClaims,
  outHash: string,
): void {
  assertHashClaim(claims, "out_hash", outHash, EctErrorCodes.MCP_OUTPUT_HASH_MISMATCH);
  const pred = claims["pred"];
  const chained =
    Array.isArray(pred) &&
    pred.length === 1 &&
    typeof pred[0] === "string" &&
    pred[0].toLowerCase() === call.jti.toLowerCase();
  if (!chained) {
    throw new EctError(
      EctErrorCodes.MCP_RESULT_NOT_CHAINED,
      "the result ECT's pred must be exactly the call's jti",
      {
        member: "pred",
      },
    );
  }
  const wid = claims["wid"];
  if ((typeof wid === "string" ? wid : "").toLowerCase() !== (call.wid ?? "").toLowerCase()) {
    throw new EctError(EctErrorCodes.MCP_RESULT_NOT_CHAINED, "the result ECT's wid differs from the call's", {
      member: "wid",
    });
  }
}

const CLIENT_OPTIONS: readonly (keyof EctMcpClientOptions)[] = [
  "issuer",
  "key",
  "audience",
  "wid",
  "currentTask",
  "resultVerifier",
  "requireResultEct",
  "ledger",
  "clock",
];

/**
 * The client side of ECTs on MCP (profile §10): every tool call carries a fresh ECT under
 * `params._meta["wimse-ect/execution-context"]`, with `exec_act` = the tool name (unless given),
 * `inp_hash` = SHA-256 of the JCS form of the arguments, `pred` = the caller's current task and
 * the session's `wid`. With a `resultVerifier`, the server's result ECT is verified and checked
 * to answer the call: `pred` = the call's `jti`, the same `wid`, `out_hash` over the result.
 *
 * @example
 * ```ts
 * const ect = new EctMcpClient(client, { issuer: "spiffe://example.org/agent", key, audience: "spiffe://example.org/search" });
 * const { result, callClaims } = await ect.callTool({ name: "search", arguments: { q: "ledger" } });
 * ```
 */
export class EctMcpClient {
  /** The workflow id every call of this session carries. */
  readonly wid: string;
  readonly #client: McpToolCaller;
  readonly #options: EctMcpClientOptions;
  readonly #requireResultEct: boolean;

  /**
   * Wraps an SDK client.
   *
   * @param client - a connected `Client` from `@modelcontextprotocol/sdk/client/index.js`.
   * @param options - the caller's identity, key and the server's id.
   * @throws {@link EctConfigError} (`ECT_CONFIG_INVALID`) for invalid options.
   */
  constructor(client: McpToolCaller, options: EctMcpClientOptions) {
    if (!isObject(client) || typeof client.callTool !== "function") {
      throw new EctConfigError("client", "must be an MCP Client (callTool)");
    }
    assertKnownOptions(options, CLIENT_OPTIONS);
    if (typeof options.issuer !== "string" || options.issuer === "") {
      throw new EctConfigError("issuer", "must be a non-empty string");
    }
    if (options.key === null || typeof options.key !== "object")
      throw new EctConfigError("key", "must be a signing key");
    const aud = options.audience;
    const audOk =
      (typeof aud === "string" && aud !== "") ||
      (Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === "string" && a !== ""));
    if (!audOk)
      throw new EctConfigError("audience", "must be a non-empty string or array of non-empty strings");
    if (options.wid !== undefined && !isUuid(options.wid)) throw new EctConfigError("wid", "must be a UUID");
    if (options.currentTask !== undefined && typeof options.currentTask !== "function") {
      throw new EctConfigError("currentTask", "must be a function returning jti values");
    }
    if (options.resultVerifier !== undefined && typeof options.resultVerifier?.verify !== "function") {
      throw new EctConfigError("resultVerifier", "must have a verify(token) method");
    }
    if (options.requireResultEct === true && options.resultVerifier === undefined) {
      throw new EctConfigError("requireResultEct", "needs a resultVerifier to check the result ECT with");
    }
    if (options.ledger !== undefined && typeof options.ledger?.append !== "function") {
      throw new EctConfigError("ledger", "must have an append(token) method");
    }
    this.#client = client;
    this.#options = options;
    this.#requireResultEct = options.requireResultEct ?? options.resultVerifier !== undefined;
    this.wid = options.wid ?? globalThis.crypto.randomUUID();
  }

  /**
   * Calls a tool with an ECT attached; returns the result with both ECTs. The caller's own
   * `_meta` members (such as `traceparent`) are kept beside the ECT.
   *
   * @throws {@link EctError} when the call's ECT cannot be created, or the result's ECT is missing
   *   (`ECT_MCP_ECT_MISSING`), refused by the verifier, does not follow the call
   *   (`ECT_MCP_RESULT_NOT_CHAINED`) or does not hash the result (`ECT_MCP_OUTPUT_HASH_MISMATCH`);
   *   the SDK's `McpError` when the server refuses the call (read it with `ectRefusalOf`).
   */
  async callTool(
    params: CallToolRequest["params"],
    options: EctToolCallOptions = {},
  ): Promise<EctToolCallResult> {
    const args = params.arguments ?? {};
    const pred = options.pred ?? this.#options.currentTask?.() ?? [];
    const claims = {
      iss: this.#options.issuer,
      aud: this.#options.audience,
      exec_act: options.execAct ?? params.name,
      pred,
      wid: this.wid,
      inp_hash: await toolArgumentsHash(args),
      ...(options.ext === undefined ? {} : { ect_ext: options.ext }),
    };
    const clock = this.#options.clock;
    const callToken = await createEct(claims, this.#options.key, clock === undefined ? {} : { clock });
    const callClaims = untrustedClaims(callToken) as unknown as EctClaims;
    if (this.#options.ledger !== undefined) {
      const appended = await this.#options.ledger.append(callToken);
      if (appended.status !== "appended") {
        throw new EctError(
          EctErrorCodes.LEDGER_APPEND_FAILED,
          `the ledger did not append the call ECT (status ${appended.status})`,
        );
      }
    }
    const meta = { ...(params._meta ?? {}), [ECT_META_KEY]: callToken };
    const result = await this.#client.callTool(
      { ...params, arguments: args, _meta: meta },
      undefined,
      options.request,
    );
    const resultMeta = isObject(result["_meta"]) ? result["_meta"] : {};
    const received = resultMeta[ECT_META_KEY];
    const resultToken = typeof received === "string" ? received : undefined;
    const resultEct =
      this.#options.resultVerifier === undefined
        ? undefined
        : await this.#verifyResult(result, received, callClaims, this.#options.resultVerifier);
    return { result, callToken, callClaims, resultToken, resultEct };
  }

  /** Verifies the server's result ECT and checks it answers this call (profile §10). */
  async #verifyResult(
    result: McpToolResult,
    received: unknown,
    call: EctClaims,
    verifier: EctTokenVerifier,
  ): Promise<VerifiedEct | undefined> {
    const member = `result._meta["${ECT_META_KEY}"]`;
    if (received === undefined) {
      if (!this.#requireResultEct) return undefined;
      throw new EctError(EctErrorCodes.MCP_ECT_MISSING, `the tool result carries no ECT in ${member}`, {
        member,
      });
    }
    if (typeof received !== "string") {
      throw new EctError(EctErrorCodes.MALFORMED, `${member} must be a string (one ECT)`, { member });
    }
    const outHash = await toolResultHash(result as ToolResultOutput);
    // On the untrusted claims first, so a result ECT moved from another call is refused for what
    // it is (and never reaches a ledger or replay cache), then on the verified claims.
    const untrusted = untrustedClaims(received);
    if (untrusted !== undefined) assertAnswersCall(untrusted, call, outHash);
    const verified = await verifier.verify(received);
    assertAnswersCall(verified.claims, call, outHash);
    return verified;
  }
}
