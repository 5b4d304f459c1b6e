/** The task rows' @quiesce/core contenders (runs in a child of its own; see isolated.ts). */
import { asCompleted, gather, spawnTask, type TaskHandle, wait } from "@quiesce/core";
import { each, spawn as effectionSpawn, type Operation } from "effection";
import type { Contender } from "../lib/contender.ts";
import {
  cancelTree as cancelTreeOf,
  gateCollect,
  type Shape,
  spawnAndComplete,
  suspendedHeap,
} from "./structured.ts";

export function spawn(): Contender<{ n: number }> {
  return { measure: ({ n }) => spawnAndComplete(n, (op) => spawnTask(op)) };
}

/**
 * Raw effection's `spawn`, measured here, in the process where quiesce is loaded and
 * `spawnTask` has run: what quiesce's presence costs code that never calls it (the
 * tax the untaxed effection column is free of). Sizes above `maxN` are skipped.
 */
export function taxedEffectionSpawn(setup: { maxN: number }): Contender<{ n: number }> {
  return {
    measure: ({ n }) => (n > setup.maxN ? {} : spawnAndComplete(n, (op) => effectionSpawn(op))),
  };
}

export function cancelTree(): Contender<{ shape: Shape; n: number }> {
  return {
    measure: ({ shape, n }) =>
      cancelTreeOf(
        shape,
        n,
        (op) => spawnTask(op),
        function* (op) {
          const handle = yield* spawnTask(op);
          return () => handle.cancel("bench");
        },
      ),
  };
}

export function heap(): Contender<{ n: number }> {
  return { measure: ({ n }) => suspendedHeap(n, (op) => spawnTask(op)) };
}

function* viaAsCompleted(tasks: TaskHandle<number>[]): Operation<number> {
  let seen = 0;
  for (const _ of yield* each(asCompleted(tasks))) {
    seen++;
    yield* each.next();
  }
  if (seen !== tasks.length) throw new Error(`asCompleted gave ${seen} of ${tasks.length}`);
  return seen;
}

function* inOrder(tasks: TaskHandle<number>[]): Operation<void> {
  for (const task of tasks) yield* task;
}

const COLLECT = {
  wait: (tasks: TaskHandle<number>[]) => wait(tasks),
  gather: (tasks: TaskHandle<number>[]) => gather(tasks),
  asCompleted: viaAsCompleted,
  each: inOrder,
};

/** `wait`, `gather`, `asCompleted` or `yield*` of each handle over n gated tasks. */
export function combinator(setup: { collect: keyof typeof COLLECT }): Contender<{ n: number }> {
  const collect = COLLECT[setup.collect];
  return { measure: ({ n }) => gateCollect(n, (op) => spawnTask(op), collect) };
}
