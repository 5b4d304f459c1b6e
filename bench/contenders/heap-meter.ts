import { collectGarbage, type Metrics } from "../lib/contender.ts";

/** Heap in use after two full GCs (the child runs with --expose-gc). */
function heap(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/**
 * Heap bytes per task: `start` launches `n` tasks that call `ready()` once each and
 * then stay suspended; once all have, the heap is measured, then `stop()` ends them.
 */
export async function bytesPerTask(
  n: number,
  start: (ready: () => void) => { stop: () => Promise<unknown> },
): Promise<Metrics> {
  let started = 0;
  let resolve!: () => void;
  const ready = new Promise<void>((r) => {
    resolve = r;
  });
  // Teardown of the previous call can finish on a later turn: let it, then measure.
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
