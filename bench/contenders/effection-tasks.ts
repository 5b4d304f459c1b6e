/** The task rows' raw effection anchors (a child where quiesce is never loaded). */
import { all, type Operation, spawn as spawnOf } from "effection";
import type { Contender } from "../lib/contender.ts";
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
