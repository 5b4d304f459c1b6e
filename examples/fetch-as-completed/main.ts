// Seed 002: a local HTTP server with slow routes, and a client that fetches many
// URLs at most four at a time and handles each result as it completes. Ctrl+C
// cancels the client's tasks; each in-flight `fetch` is aborted through its
// AbortSignal (the reason says why), and the server sees the client go away.
//
//   pnpm example fetch-as-completed
//   pnpm example fetch-as-completed --limit 2 --timeout-ms 800
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  asCompleted,
  CancelledError,
  callAbortable,
  cancelAll,
  cancelReason,
  main,
  spawnTask,
  type TaskHandle,
  TimeoutError,
  withTimeout,
} from "@quiesce/core";
import { action, each, type Operation, race, resource, sleep, until } from "effection";

const limit = Number(flag("--limit") ?? 4);
const timeoutMs = Number(flag("--timeout-ms") ?? 1500);
const paths = [
  "/delay/900",
  "/delay/300",
  "/delay/600",
  "/delay/150",
  "/delay/1200",
  "/status/503",
  "/delay/450",
  "/delay/3000", // slower than the per-request timeout
  "/delay/750",
  "/delay/200",
  "/delay/1000",
  "/delay/500",
];

/** The slow server: `/delay/<ms>` answers after ms, `/status/<code>` at once. */
function useSlowServer(): Operation<{ base: string; mostAtOnce: () => number }> {
  return resource(function* (provide) {
    const open = new Set<Promise<void>>();
    let now = 0;
    let most = 0;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const started = performance.now();
      most = Math.max(most, ++now);
      res.on("close", () => now--);
      const [, route, arg] = (req.url ?? "").split("/");
      const n = Number(arg);
      if (route === "status" && n >= 100 && n < 600) {
        res.writeHead(n).end();
        return;
      }
      if (route !== "delay" || !(n >= 0 && n <= 10_000)) {
        res.writeHead(404).end();
        return;
      }
      const timer = setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ path: req.url, ms: n }));
      }, n);
      open.add(
        new Promise<void>((resolve) =>
          res.on("close", () => {
            clearTimeout(timer);
            if (!res.writableFinished) {
              const after = Math.round(performance.now() - started);
              console.log(`server: client went away from ${req.url} after ${after} ms`);
            }
            resolve();
          }),
        ),
      );
    });
    yield* action<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
      return () => {};
    });
    const { port } = server.address() as AddressInfo;
    try {
      yield* provide({ base: `http://127.0.0.1:${port}`, mostAtOnce: () => most });
    } finally {
      // Stop listening, then give in-flight requests a moment to see their client go
      // (the client's tasks are cancelled before the server), then close the rest.
      server.close();
      server.closeIdleConnections();
      yield* race([until(Promise.all(open)), sleep(500)]);
      server.closeAllConnections();
    }
  });
}

/** At most `n` of the wrapped operations run at once; the others wait their turn. */
function createLimiter(n: number) {
  let active = 0;
  const waiting = new Set<() => void>();
  return function* limited<T>(op: () => Operation<T>): Operation<T> {
    // Every release wakes every waiter and each checks again: a waiter that is
    // cancelled while woken cannot strand a free slot.
    while (active >= n) {
      yield* action<void>((resolve) => {
        waiting.add(resolve);
        return () => waiting.delete(resolve);
      });
    }
    active += 1;
    try {
      return yield* op();
    } finally {
      active -= 1;
      for (const wake of [...waiting]) wake();
      waiting.clear();
    }
  };
}

const started = new Set<string>();

function* fetchJson(url: string): Operation<unknown> {
  return yield* callAbortable(async (signal) => {
    let finished = false;
    signal.addEventListener("abort", () => {
      if (finished) return;
      const why = signal.reason instanceof CancelledError ? signal.reason.message : signal.reason;
      console.log(`aborting fetch ${new URL(url).pathname}: ${why}`);
    });
    try {
      const response = await fetch(url, { signal });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return await response.json();
    } finally {
      finished = true;
    }
  });
}

await main(function* () {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  const tasks: TaskHandle<unknown>[] = [];
  let mostAtOnce = () => 0;
  try {
    const server = yield* useSlowServer();
    const base = server.base;
    mostAtOnce = server.mostAtOnce;
    const limited = createLimiter(limit);
    for (const path of paths) {
      const task = yield* spawnTask(
        () =>
          limited(function* () {
            started.add(path);
            return yield* withTimeout(timeoutMs, fetchJson(base + path));
          }),
        { name: `GET ${path}` },
      );
      tasks.push(task);
    }
    console.log(
      `fetching ${paths.length} URLs from ${base}, at most ${limit} at a time (Ctrl+C to stop)`,
    );
    for (const task of yield* each(asCompleted(tasks))) {
      if (task.state === "done") {
        console.log(`${String(ms()).padStart(5)} ms  ok      ${task.name}`);
      } else {
        const error = task.error();
        const what = error instanceof TimeoutError ? "timeout" : "failed ";
        console.log(`${String(ms()).padStart(5)} ms  ${what} ${task.name}: ${String(error)}`);
      }
      yield* each.next();
    }
  } finally {
    // Stopped early (Ctrl+C): cancel the requests and wait for their cleanup
    // before counting (asyncio's `for t in all_tasks(): t.cancel()`).
    if (tasks.some((t) => !t.settled)) {
      yield* cancelAll((yield* cancelReason()) ?? "stopping");
    }
    const count = (pred: (t: TaskHandle<unknown>) => boolean) => tasks.filter(pred).length;
    const ok = count((t) => t.state === "done");
    const failed = count((t) => t.state === "failed");
    const inFlight = count(
      (t) => t.state !== "done" && t.state !== "failed" && started.has(t.name.slice(4)),
    );
    const notStarted = count((t) => !started.has(t.name.slice(4)));
    console.log(
      `summary: ${ok} ok, ${failed} failed or timed out, ${inFlight} aborted in flight, ` +
        `${notStarted} never started; ${(ms() / 1000).toFixed(3)} s; ` +
        `the server saw at most ${mostAtOnce()} requests at once`,
    );
  }
});

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
