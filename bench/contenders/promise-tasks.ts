/** The task rows' plain-promise anchors: async functions and AbortControllers. */
import { setMaxListeners } from "node:events";
import type { Contender } from "../lib/contender.ts";
import { deferred } from "../lib/deferred.ts";
import { bytesPerTask } from "./heap-meter.ts";
import { type Shape, TreeCounter } from "./tree-counter.ts";

/** n async functions that count themselves; the last opens the gate awaited. */
export function spawn(): Contender<{ n: number }> {
  return {
    async measure({ n }) {
      const start = performance.now();
      const gate = deferred();
      let left = n;
      for (let i = 0; i < n; i++) {
        void (async () => {
          if (--left === 0) gate.resolve();
          return i;
        })();
      }
      await gate.promise;
      return { ms: performance.now() - start };
    },
  };
}

function abortable(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** A task as an async function with its own AbortController, linked to its parent's. */
async function promiseTask(
  parent: AbortSignal,
  body: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const forward = () => controller.abort(parent.reason);
  parent.addEventListener("abort", forward, { once: true });
  try {
    await body(controller.signal);
  } finally {
    parent.removeEventListener("abort", forward);
  }
}

async function leaf(signal: AbortSignal, c: TreeCounter): Promise<void> {
  try {
    c.start();
    await abortable(signal);
  } catch {
    // cancelled
  } finally {
    c.cleaned++;
  }
}

function tree(shape: Shape, depth: number, c: TreeCounter, signal: AbortSignal): Promise<void> {
  return promiseTask(signal, async (own) => {
    if (shape === "wide") {
      const children = [];
      for (let i = 0; i < c.n; i++) children.push(promiseTask(own, (s) => leaf(s, c)));
      await Promise.all(children);
    } else {
      const child = depth > 1 ? tree(shape, depth - 1, c, own) : undefined;
      try {
        await leaf(own, c);
      } finally {
        await child;
      }
    }
  });
}

export function cancelTree(): Contender<{ shape: Shape; n: number }> {
  return {
    async measure({ shape, n }) {
      const c = new TreeCounter(n);
      const root = new AbortController();
      setMaxListeners(0, root.signal);
      const done = tree(shape, n, c, root.signal);
      await c.ready;
      const t0 = performance.now();
      root.abort(new Error("bench"));
      const t1 = performance.now();
      await done;
      const t2 = performance.now();
      c.check();
      return { cancel: t1 - t0, cleanup: t2 - t0 };
    },
  };
}

/** Heap per async function awaiting an abortable promise, with its own controller. */
export function heap(): Contender<{ n: number }> {
  return {
    measure: ({ n }) =>
      bytesPerTask(n, (ready) => {
        const tasks: { controller: AbortController; done: Promise<void> }[] = [];
        for (let i = 0; i < n; i++) {
          const controller = new AbortController();
          setMaxListeners(0, controller.signal);
          const done = (async (signal: AbortSignal) => {
            ready();
            try {
              await abortable(signal);
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
  };
}

/** `Promise.all` over n async functions parked on one gate. */
export function combinator(): Contender<{ n: number }> {
  return {
    async measure({ n }) {
      const gate = deferred();
      const tasks: Promise<number>[] = [];
      for (let i = 0; i < n; i++) {
        tasks.push(
          (async () => {
            await gate.promise;
            return i;
          })(),
        );
      }
      const start = performance.now();
      gate.resolve();
      await Promise.all(tasks);
      return { ms: performance.now() - start };
    },
  };
}
