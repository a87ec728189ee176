// One agent: its own ES256 key, its own node:http server on 127.0.0.1, its own verifier (keys
// bound to issuers, the DAG rules against the shared ledger, its own replay cache).
import { once } from "node:events";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  decodeEct,
  type EctClaimsInput,
  type EctStore,
  type JsonObject,
  type Ledger,
  type StoredEct,
  type VerificationCheck,
} from "ect-core";
import { ectKey } from "ect-core/internal";
import {
  createEct,
  createEctVerifier,
  type EctKeyPair,
  type EctKeyResolver,
  type EctVerifier,
  generateEctKeyPair,
} from "ect-crypto";
import { dagCheck } from "ect-dag";
import type { PreparedBody } from "ect-http";
import { withExecutionContext } from "ect-http";
import { type StepLog, short } from "./demo-report.js";

/** Who an agent is. */
export interface AgentSpec {
  /** Short name, e.g. `credit-check`. */
  readonly name: string;
  /** Workload id: `iss` of its ECTs. */
  readonly id: string;
  /** What it does, for people. */
  readonly role: string;
}

/**
 * The DAG rules (SPEC 6) for a token its issuer has already appended to the shared ledger. In this
 * workflow every agent appends its own ECT when it issues it, so the token being verified is
 * normally stored already, byte for byte: that is not a second task with the same id, and is hidden
 * from the uniqueness rule (6.1). Any *other* token stored under the same `(wid, jti)` still is
 * `ECT_DAG_DUPLICATE_JTI`, and a re-sent token is still refused by the replay check (SPEC 5.10).
 */
export function issuerRecordedDagCheck(ledger: Ledger): VerificationCheck {
  return async (context) => {
    const ownKey = ectKey(context.claims.wid, context.claims.jti);
    const hideSelf = (stored: StoredEct | undefined): StoredEct | undefined =>
      stored !== undefined &&
      stored.token === context.token &&
      ectKey(stored.claims.wid, stored.claims.jti) === ownKey
        ? undefined
        : stored;
    const view: EctStore = {
      getEct: async (wid, jti) => hideSelf(await ledger.getEct(wid, jti)),
    };
    if (typeof ledger.findEctByJti === "function") {
      const find = ledger.findEctByJti.bind(ledger);
      (view as { findEctByJti?: EctStore["findEctByJti"] }).findEctByJti = async (jti: string) =>
        hideSelf(await find(jti));
    }
    return dagCheck({ store: view })(context);
  };
}

/** What an agent issued and where the ledger put it. */
export interface IssuedEct {
  /** The token. */
  readonly token: string;
  /** Its `jti`. */
  readonly jti: string;
  /** Its ledger sequence number. */
  readonly seq: number;
}

/** A running agent. */
export class Agent {
  readonly spec: AgentSpec;
  readonly key: EctKeyPair;
  readonly #ledger: Ledger;
  readonly #log: StepLog;
  #server: Server | undefined;
  #url = "";
  #verifier: EctVerifier | undefined;
  /** Every request it sent, as on the wire: what an eavesdropper on loopback would capture. */
  readonly sent: { readonly to: string; readonly tokens: readonly string[]; readonly body: Uint8Array }[] =
    [];

  private constructor(spec: AgentSpec, key: EctKeyPair, ledger: Ledger, log: StepLog) {
    this.spec = spec;
    this.key = key;
    this.#ledger = ledger;
    this.#log = log;
  }

  /** Generates the agent's ES256 key. */
  static async create(spec: AgentSpec, ledger: Ledger, log: StepLog): Promise<Agent> {
    const key = await generateEctKeyPair({ alg: "ES256", kid: `${spec.name}-es256` });
    return new Agent(spec, key, ledger, log);
  }

  /** Where it listens. */
  get url(): string {
    return this.#url;
  }

  /** Its verifier (after {@link Agent.listen}). */
  get verifier(): EctVerifier {
    if (this.#verifier === undefined) throw new Error(`${this.spec.name} is not started`);
    return this.#verifier;
  }

  /** Builds its verifier and starts its server on 127.0.0.1 with an ephemeral port. */
  async listen(keys: EctKeyResolver, handler: RequestListener): Promise<void> {
    this.#verifier = createEctVerifier({
      verifierId: this.spec.id,
      keys,
      checks: [issuerRecordedDagCheck(this.#ledger)],
    });
    const server = createServer(handler);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    this.#server = server;
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Stops the server. */
  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    server.closeAllConnections();
    server.close();
    await once(server, "close");
  }

  /** Logs a step as this agent. */
  say(kind: Parameters<StepLog["add"]>[1], text: string, jti?: string): void {
    this.#log.add(this.spec.name, kind, text, jti);
  }

  /**
   * Signs an ECT for a task it performed and appends it to the audit ledger (SPEC 7); the ledger's
   * own DAG rules run atomically with the append.
   */
  async issue(claims: {
    readonly aud: string | readonly string[];
    readonly wid: string;
    readonly exec_act: string;
    readonly pred: readonly string[];
    readonly inp_hash?: string;
    readonly out_hash?: string;
    readonly ect_ext?: JsonObject;
  }): Promise<IssuedEct> {
    const input: EctClaimsInput = { iss: this.spec.id, ...claims };
    const token = await createEct(input, this.key);
    const jti = String(decodeEct(token).claims.jti);
    const result = await this.#ledger.append(token);
    if (result.status !== "appended") {
      throw new Error(`the ledger did not append ${this.spec.name}'s ECT: ${result.status}`);
    }
    const predText = claims.pred.length === 0 ? "none" : claims.pred.map((p) => short(p)).join(", ");
    this.say("issue", `signed ECT ${short(jti)} exec_act=${claims.exec_act} pred=[${predText}]`, jti);
    this.say(
      "ledger",
      `appended as #${result.receipt.index + 1}, leaf ${short(result.receipt.leafHash, 12)}…`,
      jti,
    );
    return { token, jti, seq: result.receipt.index + 1 };
  }

  /** Sends `body` to another agent with the ECT(s) in `Execution-Context` (SPEC 8). */
  async send(to: Agent, tokens: string | readonly string[], body: PreparedBody): Promise<Response> {
    const list = typeof tokens === "string" ? [tokens] : tokens;
    this.sent.push({ to: to.spec.name, tokens: list, body: body.bytes });
    this.say(
      "send",
      `POST ${to.spec.name} /tasks with ECT ${list.map((t) => short(String(decodeEct(t).claims.jti))).join(", ")} (${body.bytes.byteLength} bytes)`,
    );
    return fetch(
      `${to.url}/tasks`,
      withExecutionContext({ method: "POST", body: body.bytes as Uint8Array<ArrayBuffer> }, tokens),
    );
  }
}
