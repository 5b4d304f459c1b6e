// A long-running HTTP service that hands CPU work to a thread pool, and stops the
// way Kubernetes expects, in phases (useHttpDrain from @quiesce/core):
//   1. not ready: /readyz answers 503 at once, work is still served (--not-ready-ms);
//   2. drain: the listener closes, responses carry `Connection: close`, idle
//      connections close; requests in flight finish within a budget (--drain-ms);
//   3. cancel: what is left is cancelled (the worker stops; the client gets a 503);
//   4. the pool shuts down, and the process ends by the signal (SIGTERM: 143).
// SIGUSR2 (nodemon's restart signal) stops it the same way. SIGURG prints the live
// task tree to stderr at any time, without disturbing it.
//
//   pnpm example daemon                       listens on 127.0.0.1:8787
//   pnpm example daemon --port 0 --drain-ms 2000 --not-ready-ms 1000 --workers 2
//   curl 'http://127.0.0.1:8787/work?ms=3000' & kill -TERM <pid>
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  cancelReason,
  describeCancelReason,
  type HttpDrainPhase,
  type HttpDrainStats,
  main,
  spawnTask,
  type TaskHandle,
  useHttpDrain,
} from "@quiesce/core";
import { type ExecutorPool, runInExecutor, useThreadPool } from "@quiesce/executor";
import { action, createSignal, ensure, type Operation, suspend } from "effection";

const port = Number(flag("--port") ?? 8787);
const drainMs = Number(flag("--drain-ms") ?? 5000);
const notReadyMs = Number(flag("--not-ready-ms") ?? 0);
const workers = Number(flag("--workers") ?? 3);
const quiet = process.argv.includes("--quiet"); // no line per request (load tests)
const MAX_JOB_MS = 60_000;

const log = (line: string) => console.log(`daemon: ${line}`);
const say = (line: string) => quiet || log(line);

type Exchange = [IncomingMessage, ServerResponse];

function reply(res: ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    "content-type": "application/json",
    ...(close ? { connection: "close" } : {}),
  });
  res.end(`${JSON.stringify(body)}\n`);
}

function listen(server: Server): Operation<number> {
  return action<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
    return () => server.off("error", reject);
  });
}

const counts = { finished: 0, cancelled: 0 };

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
    counts.finished++;
    say(`${name}: 200 in ${took()} ms (worker ${result.worker})`);
  } finally {
    const why = yield* cancelReason();
    if (why && !res.headersSent) {
      const text = describeCancelReason(why);
      reply(res, 503, { error: `cancelled: ${text}` }, true);
      counts.cancelled++;
      say(`${name}: cancelled after ${took()} ms (${text}), answered 503`);
    }
  }
}

let shutdownAt = 0;
function onPhase(phase: HttpDrainPhase, stats: HttpDrainStats): void {
  const since = () => Math.round(performance.now() - shutdownAt);
  if (phase === "not-ready") {
    shutdownAt = performance.now();
    counts.finished = 0;
    log(
      `not ready: /readyz answers 503; still serving for ${notReadyMs} ms ` +
        `(${stats.inFlight} in flight)`,
    );
  } else if (phase === "draining") {
    log(
      `draining: listener closed; ${stats.inFlight} in flight on ${stats.connections} ` +
        `connections, budget ${drainMs} ms`,
    );
  } else if (phase === "cancelling") {
    log(
      `drain: ${counts.finished} finished, ${counts.cancelled + stats.inFlight} cancelled ` +
        `after ${since()} ms`,
    );
  } else if (phase === "closed") {
    log(
      `http closed: ${stats.accepted} accepted, ${stats.answered} answered ` +
        `(${stats.cancelled} by the cancel phase), ${stats.aborted} aborted, ` +
        `${stats.dropped} dropped`,
    );
  }
}

await main(
  function* () {
    let shutDown: ExecutorPool | undefined;
    // Registered first, so it runs last: after the pool's own teardown.
    yield* ensure(() => {
      const stats = shutDown?.stats();
      if (stats) {
        log(
          `pool shut down: ${stats.completed} jobs completed, ${stats.cancelled} cancelled, ` +
            `${stats.killed} killed`,
        );
      }
    });
    const pool = yield* useThreadPool({
      module: new URL("./worker.mjs", import.meta.url),
      maxWorkers: workers,
    });
    shutDown = pool;

    // Requests arrive in node:http callbacks; a signal carries them into the task tree.
    const requests = createSignal<Exchange, never>();
    const incoming = yield* requests; // subscribed before the server listens: none is lost
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/healthz") return reply(res, 200, { ok: true });
      if (path === "/readyz") {
        return http.ready
          ? reply(res, 200, { ready: true })
          : reply(res, 503, { ready: false, phase: http.phase });
      }
      requests.send([req, res]);
    });
    // Before listen(), so that it sees every connection; before the request tasks,
    // so that its cancel phase comes after theirs (they answer with their reason).
    const http = yield* useHttpDrain(server, { notReadyMs, drainMs, onPhase });
    const listening = yield* listen(server);

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
          say(`${name}: accepted (${inFlight.size} in flight)`);
        }
      },
      { name: "accept" },
    );

    log(
      `listening on http://127.0.0.1:${listening} (pid ${process.pid}, ${workers} workers); ` +
        "SIGTERM or SIGUSR2 drains, SIGURG prints the task tree",
    );
    yield* suspend();
  },
  {
    // SIGUSR2 too: nodemon restarts with it, and waits for the program to end.
    signals: ["SIGINT", "SIGTERM", "SIGHUP", "SIGUSR2"],
    printTreeOn: "SIGURG",
    drainMs: notReadyMs + drainMs + 1000,
    graceMs: notReadyMs + drainMs + 5000,
  },
);

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
