// The worker side of the demo: CPU work that cooperates with cancellation. A job
// checks its cancel flag between small slices of work (one Atomics.load); when
// cancelled it stops, saves a checkpoint (a deliberate 150 ms of cleanup), says so,
// and rethrows, so the job ends as "cancelled", not "killed".
import { writeSync } from "node:fs";

export const CHECKPOINT_MS = 150;

function block(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// This worker's number, 1..maxWorkers, for people to read (not its thread id): taken
// from a counter the workers share, the first time this worker gets a job. A worker
// that replaces a killed one gets the next number.
let number;

/** Prints a line; a reader that went away (`pnpm demo | head`) must not fail the job. */
function say(line) {
  try {
    writeSync(1, line);
  } catch {}
}

export function crunch(id, ms, numbers, ctx) {
  number ??= Atomics.add(numbers, 0, 1) + 1;
  const start = performance.now();
  let x = 1;
  try {
    while (performance.now() - start < ms) {
      for (let i = 0; i < 4096; i++) x = (x * 48271) % 2147483647;
      ctx.throwIfCancelled();
    }
    return { id, worker: number, checksum: x };
  } catch (error) {
    if (ctx.cancelled()) {
      const pct = Math.min(99, Math.round(((performance.now() - start) / ms) * 100));
      block(CHECKPOINT_MS);
      const label = `job ${String(id).padStart(2, "0")}`;
      say(
        `  ${label}: cancelled at ${pct}% on worker ${number}, ` +
          `checkpoint saved (${CHECKPOINT_MS} ms)\n`,
      );
    }
    throw error;
  }
}
