/** The task rows' raw effection anchors (a child where quiesce is never loaded). */
import { all, type Operation, run, spawn as spawnOf, suspend } from "effection";
import type { Contender } from "../lib/contender.ts";
import { bytesPerTask } from "./heap-meter.ts";
import {
  cancelTree as cancelTreeOf,
  gateCollect,
  type Shape,
  spawnAndComplete,
  suspendedHeap,
} from "./structured.ts";

export function spawn(): Contender<{ n: number }> {
  return { measure: ({ n }) => spawnAndComplete(n, (op) => spawnOf(op)) };
}

export function cancelTree(): Contender<{ shape: Shape; n: number }> {
  return {
    measure: ({ shape, n }) =>
      cancelTreeOf(
        shape,
        n,
        (op) => spawnOf(op),
        function* (op) {
          const task = yield* spawnOf(op);
          // Effection's halt() is lazy; `.then` starts it, as `TaskHandle.cancel` does.
          return () => task.halt().then(() => {});
        },
      ),
  };
}

export function heap(): Contender<{ n: number }> {
  return { measure: ({ n }) => suspendedHeap(n, (op) => spawnOf(op)) };
}

/**
 * What `spawnTask` keeps per task for reports, on its own: V8's unformatted frames of
 * a stack captured inside a running effection operation (`frames` deep).
 */
export function siteStackHeap(setup: { frames: number }): Contender<{ n: number }> {
  return {
    measure: ({ n }) =>
      bytesPerTask(n, (ready) => {
        const sites: object[] = [];
        const holder = run(function* () {
          for (let i = 0; i < n; i++) {
            const site = {};
            const saved = Error.stackTraceLimit;
            Error.stackTraceLimit = setup.frames;
            Error.captureStackTrace(site);
            Error.stackTraceLimit = saved;
            sites.push(site);
            ready();
          }
          yield* suspend();
        });
        return { stop: () => holder.halt() };
      }),
  };
}

/** Effection's own `all()` over n gated tasks. */
export function combinator(): Contender<{ n: number }> {
  return {
    measure: ({ n }) =>
      gateCollect(
        n,
        (op) => spawnOf(op),
        (tasks: Operation<number>[]) => all(tasks),
      ),
  };
}
