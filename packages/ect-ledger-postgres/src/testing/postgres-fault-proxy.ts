import { createServer, type Server, Socket } from "node:net";
import { join } from "node:path";

/** Where a server's unix socket is: `<socketDir>/.s.PGSQL.<port>`. */
export interface PostgresSocketAddress {
  /** The socket's folder. */
  readonly socketDir: string;
  /** The port number in the socket's name. */
  readonly port: number;
}

/** Options of {@link startPostgresFaultProxy}. */
export interface PostgresFaultProxyOptions {
  /** The server's unix socket folder and port number (a {@link PostgresServerHandle} fits). */
  readonly target: PostgresSocketAddress;
  /** The user in {@link PostgresFaultProxy.connectionString} (default `postgres`). */
  readonly user?: string;
  /** The database in {@link PostgresFaultProxy.connectionString} (default `postgres`). */
  readonly database?: string;
}

/**
 * When a statement matched by {@link PostgresFaultProxy.resetOnStatement} loses its connection:
 * `"before"` resets it without forwarding the statement (the server never runs it, and rolls back
 * the open transaction); `"after"` forwards it, waits until the server has answered it (its
 * ReadyForQuery: a `COMMIT` has committed), drops that answer and resets the connection, so the
 * client cannot know the outcome.
 */
export type StatementFault = "before" | "after";

/** A PostgreSQL-protocol-aware TCP proxy that injects connection faults, from {@link startPostgresFaultProxy}. */
export interface PostgresFaultProxy {
  /** `127.0.0.1`. */
  readonly host: string;
  /** The loopback port clients connect to. */
  readonly port: number;
  /** `postgresql://<user>@127.0.0.1:<port>/<database>`. */
  readonly connectionString: string;
  /** Open client connections. */
  readonly connections: number;
  /** Statements (simple queries and parses) forwarded so far. */
  readonly statements: number;
  /**
   * Arms one fault on the next statement (on any connection) whose SQL text matches `match`.
   * Resolves once the fault happened.
   */
  resetOnStatement(match: RegExp, when: StatementFault): Promise<void>;
  /** Resets (RST) every open connection now. */
  resetAll(): void;
  /** Closes the proxy and every connection. */
  close(): Promise<void>;
}

/** Protocol codes of the untyped requests that may precede the startup message. */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Client bytes not yet forming a whole message. */
  inbound: Buffer;
  /** Server bytes not yet forming a whole message. */
  outbound: Buffer;
  /** Before the startup message, client messages carry no type byte. */
  startupDone: boolean;
  /** One-byte answers owed by the server to SSL/GSS requests (they carry no framing). */
  bareReplies: number;
  /** Queries ('Q') and Syncs ('S') forwarded whose ReadyForQuery has not come back yet. */
  pendingReady: number;
  /** After an "after" fault: swallow the server's answers until its ReadyForQuery, then reset. */
  swallowing: boolean;
  onSwallowed: (() => void) | undefined;
  dead: boolean;
}

function reset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** The first whole typed message (type byte, int32 length, body) at the start of `buffer`, if complete. */
function typedMessage(buffer: Buffer): Buffer | undefined {
  if (buffer.length < 5) return undefined;
  const length = buffer.readInt32BE(1) + 1;
  return buffer.length < length ? undefined : buffer.subarray(0, length);
}

/** The SQL text of a Query ('Q') or Parse ('P') message body, else undefined. */
function statementText(type: number, body: Buffer): string | undefined {
  if (type === 0x51) return body.toString("utf8", 0, Math.max(0, body.indexOf(0)));
  if (type === 0x50) {
    const nameEnd = body.indexOf(0);
    const textEnd = body.indexOf(0, nameEnd + 1);
    return body.toString("utf8", nameEnd + 1, textEnd < 0 ? body.length : textEnd);
  }
  return undefined;
}

/**
 * Starts a TCP proxy on a free 127.0.0.1 port in front of a PostgreSQL unix socket. It reads the
 * frontend/backend protocol's message framing (not its content beyond SQL text), so a fault can
 * hit exactly one statement: a connection reset just before a `COMMIT` reaches the server, or just
 * after the server committed it and before the client hears so. Built on `node:net`.
 *
 * @example
 * ```ts
 * const proxy = await startPostgresFaultProxy({ target: server });
 * const ledger = new PostgresLedger({ connectionString: proxy.connectionString, ledgerId: "t" });
 * const fault = proxy.resetOnStatement(/^COMMIT/i, "after");
 * const result = await ledger.append(token); // committed, reply lost, retried: "appended"
 * await fault;
 * ```
 */
export async function startPostgresFaultProxy(
  options: PostgresFaultProxyOptions,
): Promise<PostgresFaultProxy> {
  const socketPath = join(options.target.socketDir, `.s.PGSQL.${options.target.port}`);
  const pairs = new Set<Pair>();
  let statements = 0;
  let armed: { match: RegExp; when: StatementFault; done: () => void } | undefined;

  const kill = (pair: Pair) => {
    pair.dead = true;
    pairs.delete(pair);
    reset(pair.client);
    pair.upstream.destroy();
  };

  const fromClient = (pair: Pair, chunk: Buffer) => {
    pair.inbound = pair.inbound.length === 0 ? chunk : Buffer.concat([pair.inbound, chunk]);
    while (!pair.dead) {
      const buffer = pair.inbound;
      if (!pair.startupDone) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        if (buffer.length < length) return;
        const code = buffer.readInt32BE(4);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) pair.bareReplies++;
        else pair.startupDone = true;
        pair.upstream.write(buffer.subarray(0, length));
        pair.inbound = buffer.subarray(length);
        continue;
      }
      const message = typedMessage(buffer);
      if (message === undefined) return;
      const type = message[0]!;
      pair.inbound = buffer.subarray(message.length);
      const text = statementText(type, message.subarray(5));
      if (text !== undefined) statements++;
      const fault = armed;
      if (text !== undefined && fault?.match.test(text)) {
        armed = undefined;
        if (fault.when === "before") {
          kill(pair);
          fault.done();
          return;
        }
        pair.upstream.write(message);
        if (type === 0x51) pair.pendingReady++;
        // Its answer ends with the ReadyForQuery that brings pendingReady back to 0 (after the
        // Sync that follows a Parse, for the extended protocol).
        pair.swallowing = true;
        pair.onSwallowed = fault.done;
        continue;
      }
      if (type === 0x51 || type === 0x53) pair.pendingReady++;
      pair.upstream.write(message);
    }
  };

  const fromServer = (pair: Pair, chunk: Buffer) => {
    pair.outbound = pair.outbound.length === 0 ? chunk : Buffer.concat([pair.outbound, chunk]);
    while (!pair.dead) {
      const buffer = pair.outbound;
      if (pair.bareReplies > 0) {
        if (buffer.length < 1) return;
        pair.bareReplies--;
        pair.client.write(buffer.subarray(0, 1));
        pair.outbound = buffer.subarray(1);
        continue;
      }
      const message = typedMessage(buffer);
      if (message === undefined) return;
      const type = message[0]!;
      pair.outbound = buffer.subarray(message.length);
      if (type === 0x5a) pair.pendingReady = Math.max(0, pair.pendingReady - 1);
      if (pair.swallowing) {
        if (type === 0x5a && pair.pendingReady === 0) {
          const done = pair.onSwallowed;
          kill(pair);
          done?.();
          return;
        }
        continue; // the client never hears the answer
      }
      pair.client.write(message);
    }
  };

  const server: Server = createServer((client) => {
    const upstream = new Socket();
    const pair: Pair = {
      client,
      upstream,
      inbound: Buffer.alloc(0),
      outbound: Buffer.alloc(0),
      startupDone: false,
      bareReplies: 0,
      pendingReady: 0,
      swallowing: false,
      onSwallowed: undefined,
      dead: false,
    };
    pairs.add(pair);
    const closeBoth = () => {
      pair.dead = true;
      pairs.delete(pair);
      if (!client.destroyed) client.destroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.on("error", closeBoth);
    client.on("close", closeBoth);
    upstream.on("error", () => kill(pair));
    upstream.on("close", closeBoth);
    // Messages are forwarded one by one: without this, Nagle's algorithm holds the small ones back.
    client.setNoDelay(true);
    client.pause();
    upstream.connect({ path: socketPath }, () => client.resume());
    client.on("data", (chunk: Buffer) => fromClient(pair, chunk));
    upstream.on("data", (chunk: Buffer) => fromServer(pair, chunk));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const user = options.user ?? "postgres";
  const database = options.database ?? "postgres";

  return {
    host: "127.0.0.1",
    port,
    connectionString: `postgresql://${user}@127.0.0.1:${port}/${database}`,
    get connections() {
      return pairs.size;
    },
    get statements() {
      return statements;
    },
    resetOnStatement(match, when) {
      return new Promise<void>((resolve) => {
        armed = { match, when, done: resolve };
      });
    },
    resetAll() {
      for (const pair of [...pairs]) kill(pair);
    },
    close() {
      for (const pair of [...pairs]) kill(pair);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
