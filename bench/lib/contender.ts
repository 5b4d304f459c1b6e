import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Named measurements of one call: milliseconds, bytes, jobs per second, ... */
export type Metrics = Record<string, number>;

/**
 * One side of a row, living in a child process of its own (see contender-host.ts):
 * a contender module exports factories `(setup) => Contender`; the parent sends
 * `measure(args)` calls one at a time, alternating between children.
 */
export interface Contender<A = void> {
  measure(args: A): Promise<Metrics> | Metrics;
  close?(): Promise<void> | void;
}

/** Milliseconds elapsed while `fn` runs. */
export async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * V8's `gc()`, obtained at run time: `--expose-gc` on the command line would be
 * inherited by worker threads, which refuse it.
 */
const gc = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

/** Runs a full garbage collection. */
export function collectGarbage(): void {
  gc();
}
