// A long-running HTTP service that hands CPU work to a thread pool, and stops the
// way an orchestrator expects. On SIGTERM (or Ctrl+C):
//   1. intake stops: /readyz and new /work requests answer 503;
//   2. requests in flight drain, within a budget;
//   3. whatever is still running is cancelled (the worker sees it and stops);
//   4. the pool shuts down, and the process ends by SIGTERM (143).
// SIGUSR2 prints the live task tree to stderr at any time, without disturbing it.
//
//   pnpm example daemon                       listens on 127.0.0.1:8787
//   pnpm example daemon --port 0 --drain-ms 2000 --workers 2
//   curl 'http://127.0.0.1:8787/work?ms=3000' & kill -TERM <pid>
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  cancelReason,
  describeCancelReason,
  main,
  spawnTask,
  type TaskHandle,
  useShutdown,
  wait,
} from "@quiesce/core";
import { type ExecutorPool, runInExecutor, useThreadPool } from "@quiesce/executor";
import { action, createSignal, type Operation, resource, suspend } from "effection";

const port = Number(flag("--port") ?? 8787);
const drainMs = Number(flag("--drain-ms") ?? 5000);
const workers = Number(flag("--workers") ?? 3);
const MAX_JOB_MS = 60_000;

const log = (line: string) => console.log(`daemon: ${line}`);

type Exchange = [IncomingMessage, ServerResponse];

/** A node:http server on 127.0.0.1 as a resource: closed, connections and all, at scope end. */
function useHttpServer(
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
): Operation<number> {
  return resource(function* (provide) {
    const server = createServer(onRequest);
    yield* action<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
      return () => {};
    });
    try {
      yield* provide((server.address() as AddressInfo).port);
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
}

function reply(res: ServerResponse, status: number, body: unknown, close = false): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, {
    "content-type": "application/json",
    ...(close ? { connection: "close" } : {}),
  });
  res.end(`${JSON.stringify(body)}\n`);
}

/** One /work request: a task that runs a job on the pool and answers with its result. */
function* handleWork(
  pool: ExecutorPool,
  name: string,
  ms: number,
  res: ServerResponse,
): Operation<void> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  try {
    const result = yield* runInExecutor<{ steps: number; worker: number }>(pool, "work", ms);
    reply(res, 200, { ms, ...result });
    log(`${name}: 200 in ${took()} ms (worker ${result.worker})`);
  } finally {
    const why = yield* cancelReason();
    if (why) {
      const text = describeCancelReason(why);
      reply(res, 503, { error: `cancelled: ${text}` }, true);
      log(`${name}: cancelled after ${took()} ms (${text}), answered 503`);
    }
  }
}

await main(
  function* () {
    const shutdown = yield* useShutdown();
    const pool = yield* useThreadPool({
      module: new URL("./worker.mjs", import.meta.url),
      maxWorkers: workers,
    });

    // Requests arrive in node:http callbacks; a signal carries them into the task tree.
    const requests = createSignal<Exchange, never>();
    const incoming = yield* requests; // subscribed before the server listens: none is lost
    const listening = yield* useHttpServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/healthz") return reply(res, 200, { ok: true });
      if (path === "/readyz") {
        return shutdown.requested
          ? reply(res, 503, { ready: false, reason: "draining" }, true)
          : reply(res, 200, { ready: true });
      }
      if (shutdown.requested) return reply(res, 503, { error: "shutting down" }, true);
      requests.send([req, res]);
    });

    const inFlight = new Set<TaskHandle<void>>();
    let seq = 0;
    yield* spawnTask(
      function* () {
        for (;;) {
          const next = yield* incoming.next();
          if (next.done) return;
          const [req, res] = next.value;
          const url = new URL(req.url ?? "/", "http://x");
          const ms = Number(url.searchParams.get("ms") ?? 200);
          if (url.pathname !== "/work" || !(ms >= 0 && ms <= MAX_JOB_MS)) {
            reply(res, 404, { error: "try /work?ms=500, /healthz or /readyz" });
            continue;
          }
          const name = `GET ${url.pathname}${url.search} #${++seq}`;
          const task = yield* spawnTask(() => handleWork(pool, name, ms, res), { name });
          inFlight.add(task);
          task.onDone(() => inFlight.delete(task));
          // A client that goes away cancels its own request, and only that.
          res.on("close", () => {
            if (!res.writableFinished) task.cancel("client went away");
          });
          log(`${name}: accepted (${inFlight.size} in flight)`);
        }
      },
      { name: "accept" },
    );

    log(
      `listening on http://127.0.0.1:${listening} (pid ${process.pid}, ${workers} workers); ` +
        "SIGTERM drains, SIGUSR2 prints the task tree",
    );

    // Phase 1: serve until shutdown begins.
    const why = yield* shutdown;
    const drainStart = performance.now();
    log(
      `${describeCancelReason(why)}: intake stopped (/readyz answers 503); ` +
        `draining ${inFlight.size} requests, budget ${drainMs} ms`,
    );
    // Phase 2: drain within the budget; then cancel what is left.
    const { done, pending } = yield* wait([...inFlight], { timeout: drainMs });
    for (const task of pending) task.cancel({ kind: "budget", ms: drainMs });
    yield* wait(pending);
    log(
      `drain: ${done.length} finished, ${pending.length} cancelled ` +
        `after ${Math.round(performance.now() - drainStart)} ms`,
    );
    // Phase 3: the pool, now idle, shuts down; then main cancels the rest and exits.
    yield* pool.shutdown({ timeoutMs: 1000 });
    const stats = pool.stats();
    log(
      `pool shut down: ${stats.completed} jobs completed, ${stats.cancelled} cancelled, ` +
        `${stats.killed} killed`,
    );
    shutdown.drained();
    yield* suspend();
  },
  { printTreeOn: "SIGUSR2", drainMs: drainMs + 2000, graceMs: drainMs + 8000 },
);

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
