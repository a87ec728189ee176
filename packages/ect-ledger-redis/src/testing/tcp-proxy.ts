import { createServer, type Server, Socket } from "node:net";

/** Options of {@link startTcpProxy}. */
export interface TcpProxyOptions {
  /** Where to forward (default `127.0.0.1`). */
  readonly targetHost?: string;
  /** The port to forward to. */
  readonly targetPort: number;
}

/** What happens to a connection after {@link TcpProxy.loseNextReply} dropped its reply. */
export type AfterLostReply = "hang" | "reset";

/** A fault-injecting TCP proxy in front of a Redis server, from {@link startTcpProxy}. */
export interface TcpProxy {
  /** The local port clients connect to. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Open client connections. */
  readonly connections: number;
  /** Commands (client-to-server chunks) forwarded so far. */
  readonly forwardedChunks: number;
  /**
   * Arms a lost reply: the next server-to-client chunk (after at least one further command was
   * forwarded to the server, so the command did run) is dropped; that connection then either
   * hangs (forwards nothing more in either direction, like a dead peer) or is reset (RST).
   * Resolves when the reply was dropped.
   */
  loseNextReply(then: AfterLostReply): Promise<void>;
  /**
   * Arms a reset on the next client-to-server chunk: `"before"` resets the connection without
   * forwarding it (the command never runs), `"after"` forwards it and resets at once (it runs,
   * the reply is lost). Resolves when it happened.
   */
  resetOnNextCommand(when: "before" | "after"): Promise<void>;
  /** Resets (RST) every open connection now. */
  resetAll(): void;
  /** Closes the proxy and every connection. */
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  frozen: boolean;
}

function reset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/**
 * Starts a TCP proxy on a free 127.0.0.1 port that forwards to a Redis server and can lose replies
 * or reset connections on demand, for fault tests of "lost reply" and "connection reset". Built on
 * `node:net`; the Redis protocol is not parsed (a chunk is what one `write` delivered).
 *
 * @example
 * ```ts
 * const proxy = await startTcpProxy({ targetPort: server.port });
 * const ledger = new RedisLedger({ url: proxy.url, ledgerId: "t", commandTimeoutMs: 300 });
 * const lost = proxy.loseNextReply("hang");
 * const result = await ledger.append(token); // retried: "appended"
 * ```
 */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const host = options.targetHost ?? "127.0.0.1";
  const pairs = new Set<Pair>();
  let forwardedChunks = 0;
  let loseArmed: { then: AfterLostReply; after: number; done: () => void } | undefined;
  let resetArmed: { when: "before" | "after"; done: () => void } | undefined;

  const server: Server = createServer((client) => {
    const upstream = new Socket();
    const pair: Pair = { client, upstream, frozen: false };
    pairs.add(pair);
    const closeBoth = () => {
      pairs.delete(pair);
      if (!client.destroyed) client.destroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.on("error", closeBoth);
    upstream.on("error", () => {
      pairs.delete(pair);
      reset(client);
      upstream.destroy();
    });
    client.on("close", closeBoth);
    upstream.on("close", closeBoth);
    client.pause();
    upstream.connect(options.targetPort, host, () => client.resume());
    client.on("data", (chunk: Buffer) => {
      if (pair.frozen) return;
      const armed = resetArmed;
      if (armed !== undefined) {
        resetArmed = undefined;
        if (armed.when === "after") upstream.write(chunk);
        // Give an "after" command time to reach the server before the RST.
        setTimeout(
          () => {
            reset(client);
            upstream.destroy();
            armed.done();
          },
          armed.when === "after" ? 20 : 0,
        );
        pair.frozen = true;
        return;
      }
      forwardedChunks++;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (pair.frozen) return;
      const armed = loseArmed;
      if (armed !== undefined && forwardedChunks > armed.after) {
        loseArmed = undefined;
        pair.frozen = true;
        if (armed.then === "reset") {
          reset(client);
          upstream.destroy();
        }
        armed.done();
        return;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get connections() {
      return pairs.size;
    },
    get forwardedChunks() {
      return forwardedChunks;
    },
    loseNextReply(then) {
      return new Promise<void>((resolve) => {
        loseArmed = { then, after: forwardedChunks, done: resolve };
      });
    },
    resetOnNextCommand(when) {
      return new Promise<void>((resolve) => {
        resetArmed = { when, done: resolve };
      });
    },
    resetAll() {
      for (const pair of pairs) {
        reset(pair.client);
        pair.upstream.destroy();
      }
      pairs.clear();
    },
    close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
