import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { action, type Operation } from "effection";

/**
 * Counts of one server's requests since `useHttpDrain()` took it over.
 *
 * @example
 * ```ts
 * import type { HttpDrainStats } from "@quiesce/core";
 *
 * const { accepted, answered, cancelled }: HttpDrainStats = http.stats();
 * ```
 */
export interface HttpDrainStats {
  /** Requests handed to the server's handler. */
  readonly accepted: number;
  /** Responses sent in full (any status, the cancel phase's 503s included). */
  readonly answered: number;
  /** Requests still open at the cancel phase: answered 503, or cut if already streaming. */
  readonly cancelled: number;
  /** Requests whose connection closed before their response was sent. */
  readonly aborted: number;
  /** Requests that arrived on a connection already closing: never handed to the handler. */
  readonly dropped: number;
  /** Requests accepted and not yet answered. */
  readonly inFlight: number;
  /** Connections open now. */
  readonly connections: number;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

interface Connection {
  readonly socket: Socket;
  /** Its requests not yet closed, in order (more than one when the client pipelines). */
  readonly responses: ServerResponse[];
  closing: boolean;
}

/** The body of the cancel phase's answer. */
export const CANCELLED_BODY = "503 Service Unavailable: shutting down\n";

/**
 * The connections and requests of one `node:http` server, closed without resets:
 * the server's `request` listeners run through a gate that counts every request,
 * and a connection that has to close sends its FIN and reads on until the client
 * closes its side (or `lingerMs` pass), so that no request of the client reaches
 * a closed socket, which the OS would answer with a reset.
 */
export class HttpConnections {
  private readonly counts = { accepted: 0, answered: 0, cancelled: 0, aborted: 0, dropped: 0 };
  private readonly connections = new Map<Socket, Connection>();
  private readonly responses = new Set<ServerResponse>();
  private readonly listeners: Listener[];
  private readonly waiters = new Set<() => void>();
  /** Responses this class told to close their connection (not ones the handler told). */
  private readonly closers = new WeakSet<ServerResponse>();
  private closing = false;

  constructor(
    private readonly server: Server,
    private readonly lingerMs: number,
  ) {
    this.listeners = server.listeners("request") as Listener[];
    server.removeAllListeners("request");
    server.on("request", this.onRequest);
    server.on("connection", this.onConnection);
  }

  stats(): HttpDrainStats {
    return {
      ...this.counts,
      inFlight: this.open().length,
      connections: this.connections.size,
    };
  }

  /** Drain: stop accepting, close after their response the busy connections, close idle ones. */
  drain(): void {
    if (this.closing) return;
    this.closing = true;
    // http's `close()` also destroys idle connections at once, and a request already
    // on its way to one of them would meet a reset: they are closed below, with a FIN.
    const server: { closeIdleConnections?: () => void; close(): unknown } = this.server;
    server.closeIdleConnections = () => {};
    try {
      server.close();
    } finally {
      delete server.closeIdleConnections;
    }
    for (const connection of this.connections.values()) {
      const last = connection.responses.at(-1);
      if (last === undefined) this.linger(connection);
      else this.closeAfter(last);
    }
  }

  /** Cancel: answers what is still open with 503 (or cuts it if it is streaming). */
  cancel(): void {
    this.drain();
    for (const res of this.open()) {
      this.counts.cancelled++;
      if (res.headersSent) {
        res.destroy();
        continue;
      }
      res.writeHead(503, {
        connection: "close",
        "content-type": "text/plain; charset=utf-8",
        "content-length": Buffer.byteLength(CANCELLED_BODY),
      });
      res.end(CANCELLED_BODY);
    }
  }

  /** Waits until no accepted request is waiting for its response. */
  answered(): Operation<void> {
    return this.until(() => this.responses.size === 0);
  }

  /** Waits until every connection has closed. */
  closed(): Operation<void> {
    return this.until(() => this.connections.size === 0);
  }

  /** Destroys what is left, closes the server and gives its listeners back. */
  release(): void {
    for (const { socket } of this.connections.values()) socket.destroy();
    this.server.closeAllConnections();
    this.server.off("request", this.onRequest);
    this.server.off("connection", this.onConnection);
    for (const listener of this.listeners) this.server.on("request", listener);
  }

  /** Responses not yet ended by their handler (an ended one may still be flushing). */
  private open(): ServerResponse[] {
    return [...this.responses].filter((res) => !res.writableEnded);
  }

  private readonly onConnection = (socket: Socket): void => {
    this.track(socket);
  };

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const connection = this.track(req.socket);
    if (connection.closing) {
      this.counts.dropped++;
      return;
    }
    this.counts.accepted++;
    this.responses.add(res);
    if (this.closing) {
      // Only the last response of a connection closes it: one pipelined behind it comes first.
      for (const before of connection.responses) {
        if (this.closers.has(before) && !before.headersSent) before.removeHeader("connection");
      }
      this.closeAfter(res);
    }
    connection.responses.push(res);
    res.once("close", () => {
      this.responses.delete(res);
      connection.responses.splice(connection.responses.indexOf(res), 1);
      if (res.writableFinished) this.counts.answered++;
      else this.counts.aborted++;
      if (this.closing && connection.responses.length === 0) this.linger(connection);
      this.notify();
    });
    for (const listener of this.listeners) listener.call(this.server, req, res);
  };

  private closeAfter(res: ServerResponse): void {
    if (res.headersSent) return;
    res.setHeader("connection", "close");
    this.closers.add(res);
  }

  private track(socket: Socket): Connection {
    const known = this.connections.get(socket);
    if (known !== undefined) return known;
    const connection: Connection = { socket, responses: [], closing: false };
    this.connections.set(socket, connection);
    socket.once("close", () => {
      this.connections.delete(socket);
      this.notify();
    });
    // node:http ends a connection whose response said `Connection: close` with
    // `destroySoon()`, which destroys it as soon as the response is flushed.
    const destroySoon = socket.destroySoon.bind(socket);
    socket.destroySoon = () => (this.closing ? this.linger(connection) : destroySoon());
    return connection;
  }

  private linger(connection: Connection): void {
    if (connection.closing) return;
    connection.closing = true;
    const { socket } = connection;
    socket.end();
    const timer = setTimeout(() => socket.destroy(), this.lingerMs);
    socket.once("close", () => clearTimeout(timer));
  }

  private until(done: () => boolean): Operation<void> {
    return action<void>((resolve) => {
      const check = () => {
        if (done()) resolve();
      };
      this.waiters.add(check);
      check();
      return () => this.waiters.delete(check);
    });
  }

  private notify(): void {
    for (const check of [...this.waiters]) check();
  }
}
