import { Server } from "node:http";
import { type Operation, race, resource, sleep, spawn } from "effection";
import { HttpConnections, type HttpDrainStats } from "./http-connections-internal.ts";
import { useShutdown } from "./use-shutdown.ts";
import { argumentError, expectDuration, expectFunction, expectOptions } from "./validate.ts";

export type { HttpDrainStats } from "./http-connections-internal.ts";

/**
 * Where a drained server stands: `serving` → `not-ready` → `draining` →
 * `cancelling` → `closed`.
 *
 * @example
 * ```ts
 * import type { HttpDrainPhase } from "@quiesce/core";
 *
 * const phase: HttpDrainPhase = http.phase;
 * ```
 */
export type HttpDrainPhase = "serving" | "not-ready" | "draining" | "cancelling" | "closed";

/**
 * Options of {@link useHttpDrain}. The phases' budgets add up inside `main()`'s:
 * `notReadyMs` + the drain ≤ `drainMs` of `main()`, and `lingerMs` fits in what
 * is left of its `graceMs`.
 *
 * @example
 * ```ts
 * import type { HttpDrainOptions } from "@quiesce/core";
 *
 * const options: HttpDrainOptions = { notReadyMs: 5_000, drainMs: 10_000 };
 * ```
 */
export interface HttpDrainOptions {
  /**
   * Not-ready phase: how long `ready` is false while requests are still served as
   * usual, the time a load balancer takes to stop sending new ones (Kubernetes:
   * the endpoints update). Default 0.
   */
  notReadyMs?: number;
  /**
   * Drain phase budget: after it the server counts as drained even with requests
   * still open, and the tree is cancelled. Default none: `main()`'s `drainMs` decides.
   */
  drainMs?: number;
  /** How long a closing connection waits for the client to close its side. Default 500. */
  lingerMs?: number;
  /** Called at each change of phase, with the counts so far (e.g. to log). */
  onPhase?: (phase: HttpDrainPhase, stats: HttpDrainStats) => void;
}

/**
 * The handle of a drained server.
 *
 * @example
 * ```ts
 * import type { HttpDrain } from "@quiesce/core";
 *
 * const http: HttpDrain = yield* useHttpDrain(server);
 * if (!http.ready) res.writeHead(503).end();
 * ```
 */
export interface HttpDrain {
  readonly phase: HttpDrainPhase;
  /** What a readiness endpoint answers: false from the first signal on. */
  readonly ready: boolean;
  /** The counts so far: accepted, answered, cancelled, aborted, dropped, in flight. */
  stats(): HttpDrainStats;
}

/**
 * Shuts a `node:http` server down the way Kubernetes expects, as a part that drains
 * (`useShutdown()`). On the first signal: **not ready** (`ready` turns false while
 * requests are still served, for `notReadyMs`); **drain** (the listener stops
 * accepting, responses still to come carry `Connection: close`, idle keep-alive
 * connections are closed; the drain ends when every accepted request is answered);
 * **cancel** (when the scope ends, what is still open is answered `503` with
 * `Connection: close`, or cut if its headers went out already). A connection that
 * closes sends its FIN and reads on until the client closes its side, so no client
 * sees a reset. Call it before `listen()`, after the request handler is attached:
 * it routes the server's `request` listeners through itself, to count every request
 * and to keep the ones that arrive on a closing connection from a handler.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { main, useHttpDrain } from "@quiesce/core";
 * import { suspend } from "effection";
 *
 * await main(function* () {
 *   const server = createServer((req, res) => {
 *     if (req.url === "/readyz") res.writeHead(http.ready ? 200 : 503).end();
 *     else res.end("hello\n");
 *   });
 *   const http = yield* useHttpDrain(server, { notReadyMs: 5_000 });
 *   server.listen(8080, "127.0.0.1");
 *   yield* suspend();
 * }, { drainMs: 20_000, graceMs: 25_000 });
 * ```
 *
 * Cancellation: ending the scope is the cancel phase, then the server is closed and
 * its listeners given back. Outside `main()` shutdown never begins: the server
 * serves until its scope ends.
 */
export function useHttpDrain(server: Server, options: HttpDrainOptions = {}): Operation<HttpDrain> {
  if (!(server instanceof Server)) throw argumentError("server", "a node:http Server", server);
  expectOptions("options", options);
  const { notReadyMs = 0, drainMs, lingerMs = 500, onPhase } = options;
  expectDuration("notReadyMs", notReadyMs);
  if (drainMs !== undefined) expectDuration("drainMs", drainMs);
  expectDuration("lingerMs", lingerMs);
  if (onPhase !== undefined) expectFunction("onPhase", onPhase);
  return resource(function* (provide) {
    const shutdown = yield* useShutdown();
    const connections = new HttpConnections(server, lingerMs);
    let phase: HttpDrainPhase = "serving";
    const enter = (next: HttpDrainPhase) => {
      phase = next;
      onPhase?.(next, connections.stats());
    };
    yield* spawn(function* () {
      yield* shutdown;
      enter("not-ready");
      if (notReadyMs > 0) yield* sleep(notReadyMs);
      enter("draining");
      connections.drain();
      const answered = connections.answered();
      yield* drainMs === undefined ? answered : race([answered, sleep(drainMs)]);
      shutdown.drained();
    });
    try {
      yield* provide({
        get phase() {
          return phase;
        },
        get ready() {
          return phase === "serving";
        },
        stats: () => connections.stats(),
      });
    } finally {
      enter("cancelling");
      connections.cancel();
      yield* race([connections.closed(), sleep(lingerMs)]);
      connections.release();
      enter("closed");
    }
  });
}
