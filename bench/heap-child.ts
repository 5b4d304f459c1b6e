/**
 * Run by heap.ts as `node --expose-gc ... heap-child.ts <n> <rounds>`: measures heap
 * bytes per suspended task for each variant, alternating, and prints JSON samples.
 */
import { setMaxListeners } from "node:events";
import { spawnTask, type TaskHandle } from "@quiesce/core";
import { run, spawn, suspend, type Task } from "effection";
import { alternate, collectGarbage, type Variant } from "./lib/alternate.ts";

const n = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 3);
if (typeof (globalThis as { gc?: unknown }).gc !== "function") {
  throw new Error("heap-child.ts needs node --expose-gc");
}

function heap(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** Starts `n` suspended tasks in `start`, measures the heap they hold, then stops them. */
async function perTask(
  start: (ready: () => void) => { stop: () => Promise<unknown> },
): Promise<Record<string, number>> {
  let started = 0;
  let resolve!: () => void;
  const ready = new Promise<void>((r) => {
    resolve = r;
  });
  // Teardown of the previous variant can finish on a later turn: let it, then measure.
  await new Promise((r) => setTimeout(r, 20));
  const before = heap();
  const { stop } = start(() => {
    if (++started === n) resolve();
  });
  await ready;
  const after = heap();
  await stop();
  return { bytes: (after - before) / n };
}

function* idle(ready: () => void) {
  ready();
  yield* suspend();
}

const variants: Variant[] = [
  {
    name: "@quiesce/core",
    measure: () =>
      perTask((ready) => {
        const handles: TaskHandle<void>[] = [];
        const holder = run(function* () {
          for (let i = 0; i < n; i++) handles.push(yield* spawnTask(() => idle(ready)));
          yield* suspend();
        });
        return { stop: () => holder.halt() };
      }),
  },
  {
    name: "effection",
    measure: () =>
      perTask((ready) => {
        const tasks: Task<void>[] = [];
        const holder = run(function* () {
          for (let i = 0; i < n; i++) tasks.push(yield* spawn(() => idle(ready)));
          yield* suspend();
        });
        return { stop: () => holder.halt() };
      }),
  },
  ...[undefined, 4].map((limit) => ({
    // What spawnTask keeps per task for reports: V8's unformatted frames of a stack
    // captured inside a running effection operation; spawn-task.ts captures 4 frames
    // (since dd1b84f), the default limit is 10.
    name: limit === undefined ? "site stack, 10 frames" : `site stack, ${limit} frames`,
    measure: () =>
      perTask((ready) => {
        const sites: object[] = [];
        const holder = run(function* () {
          for (let i = 0; i < n; i++) {
            const site = {};
            const saved = Error.stackTraceLimit;
            if (limit !== undefined) Error.stackTraceLimit = limit;
            Error.captureStackTrace(site);
            Error.stackTraceLimit = saved;
            sites.push(site);
            ready();
          }
          yield* suspend();
        });
        return { stop: () => holder.halt() };
      }),
  })),
  {
    name: "async + AbortController",
    measure: () =>
      perTask((ready) => {
        const tasks: { controller: AbortController; done: Promise<void> }[] = [];
        for (let i = 0; i < n; i++) {
          const controller = new AbortController();
          setMaxListeners(0, controller.signal);
          const done = (async (signal: AbortSignal) => {
            ready();
            try {
              await new Promise((_, reject) => {
                signal.addEventListener("abort", () => reject(signal.reason), { once: true });
              });
            } catch {
              // cancelled
            }
          })(controller.signal);
          tasks.push({ controller, done });
        }
        return {
          stop: () => {
            for (const t of tasks) t.controller.abort();
            return Promise.all(tasks.map((t) => t.done));
          },
        };
      }),
  },
];

console.log(JSON.stringify(await alternate(variants, { rounds, warmup: 1 })));
