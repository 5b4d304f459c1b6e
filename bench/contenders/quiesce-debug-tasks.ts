/**
 * The task rows' @quiesce/core contenders in debug mode (`setDebug(true)`: every task
 * records where it was created), in a child of their own: debug mode is process-wide.
 */
import { setDebug } from "@quiesce/core";
import type { Contender } from "../lib/contender.ts";
import { heap as heapOf, spawn as spawnOf } from "./quiesce-tasks.ts";

setDebug(true);

/** `spawnTask` in debug mode; sizes above `maxN` are skipped. */
export function spawn(setup: { maxN: number }): Contender<{ n: number }> {
  const inner = spawnOf();
  return { measure: (args) => (args.n > setup.maxN ? {} : inner.measure(args)) };
}

export function heap(): Contender<{ n: number }> {
  return heapOf();
}
