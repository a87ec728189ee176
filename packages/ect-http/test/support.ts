// Test helpers: tokens that decode (but are only "verified" by a stub that knows them), servers on
// loopback, and a raw node:http client that controls every header field line.
import { once } from "node:events";
import { createServer, type RequestListener, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeEct, EctError, type EctErrorCode, type VerifiedEct } from "ect-core";
import { base64urlEncodeText } from "ect-core/internal";
import type { EctTokenVerifier } from "../src/index.js";

let counter = 0;

/** A token that decodes like a JWS (header.claims.signature); only a stub verifier accepts it. */
export function fakeToken(claims: Record<string, unknown> = {}): string {
  counter++;
  const header = { alg: "ES256", typ: "exec+jwt", kid: "k1" };
  const full = {
    iss: "spiffe://example.org/a",
    aud: "spiffe://example.org/b",
    iat: 1_700_000_000,
    exp: 1_700_000_600,
    jti: `00000000-0000-4000-8000-${counter.toString().padStart(12, "0")}`,
    exec_act: "test",
    pred: [],
    ...claims,
  };
  return `${base64urlEncodeText(JSON.stringify(header))}.${base64urlEncodeText(JSON.stringify(full))}.c2ln`;
}

/** A verifier that accepts exactly the tokens it was given and records every call. */
export class StubVerifier implements EctTokenVerifier {
  readonly calls: string[] = [];
  readonly accepted = new Set<string>();
  failure: { code: EctErrorCode; message: string; member?: string } | Error = {
    code: "ECT_SIGNATURE_INVALID",
    message: "the signature does not verify",
  };

  accept(...tokens: string[]): this {
    for (const t of tokens) this.accepted.add(t);
    return this;
  }

  async verify(token: string): Promise<VerifiedEct> {
    this.calls.push(token);
    if (!this.accepted.has(token)) {
      const f = this.failure;
      if (f instanceof Error) throw f;
      throw new EctError(f.code, f.message, f.member === undefined ? {} : { member: f.member });
    }
    const decoded = decodeEct(token);
    const claims = decoded.claims as unknown as VerifiedEct["claims"];
    return {
      token,
      level: 2,
      header: decoded.header as unknown as VerifiedEct["header"],
      claims,
      audience: typeof claims.aud === "string" ? [claims.aud] : [...claims.aud],
      unresolvedPredecessors: [],
    };
  }
}

/** Starts a server on 127.0.0.1 with an ephemeral port. */
export async function listen(
  listener: RequestListener,
  options: { maxHeaderSize?: number } = {},
): Promise<{ server: Server; port: number; url: string; close: () => Promise<void> }> {
  const server = createServer(options, listener);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** A response read in full. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly headersDistinct: Record<string, string[]>;
  readonly body: Buffer;
  readonly json: () => Record<string, unknown>;
}

/**
 * Sends one request with node:http; `headers` values that are arrays become separate field lines.
 * Bodies may be bytes or a list of chunks (sent chunked, without Content-Length).
 */
export function send(
  port: number,
  options: {
    method?: string;
    path?: string;
    headers?: Record<string, string | string[] | number>;
    body?: Uint8Array | string;
    chunks?: readonly Uint8Array[];
  } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: options.method ?? "POST",
        path: options.path ?? "/",
        headers: options.headers ?? {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            headersDistinct: res.headersDistinct as Record<string, string[]>,
            body,
            json: () => JSON.parse(body.toString("utf8")) as Record<string, unknown>,
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (options.chunks !== undefined) {
      for (const c of options.chunks) req.write(c);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}
