// The worker side of the demo: CPU work that cooperates with cancellation. A job
// checks its cancel flag between small slices of work (one Atomics.load); when
// cancelled it stops, saves a checkpoint (a deliberate 150 ms of cleanup), says so,
// and rethrows, so the job ends as "cancelled", not "killed".
import { writeSync } from "node:fs";

export const CHECKPOINT_MS = 150;

function block(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function crunch(id, ms, ctx) {
  const start = performance.now();
  let x = 1;
  try {
    while (performance.now() - start < ms) {
      for (let i = 0; i < 4096; i++) x = (x * 48271) % 2147483647;
      ctx.throwIfCancelled();
    }
    return { id, worker: ctx.workerId, checksum: x };
  } catch (error) {
    if (ctx.cancelled()) {
      const pct = Math.min(99, Math.round(((performance.now() - start) / ms) * 100));
      block(CHECKPOINT_MS);
      const label = `job ${String(id).padStart(2, "0")}`;
      writeSync(
        1,
        `  ${label}: cancelled at ${pct}% on worker ${ctx.workerId}, ` +
          `checkpoint saved (${CHECKPOINT_MS} ms)\n`,
      );
    }
    throw error;
  }
}
