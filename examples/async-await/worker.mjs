// The worker side of async-await: plain JavaScript, loaded by the pool in each child
// process. `crunch(id, ms)` keeps its CPU busy for `ms` and returns id². It checks
// its cancel flag between slices of work; when cancelled it saves a checkpoint (a
// deliberate 100 ms of cleanup), says so with the reason, and rethrows.
import { writeSync } from "node:fs";

const CHECKPOINT_MS = 100;

function log(message) {
  writeSync(2, `[worker ${process.pid}] ${message}\n`);
}

function block(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function crunch(id, ms, ctx) {
  log(`job ${id}: running (${ms} ms of work)`);
  const start = performance.now();
  let x = 1;
  try {
    while (performance.now() - start < ms) {
      for (let i = 0; i < 4096; i++) x = (x * 48271) % 2147483647;
      ctx.throwIfCancelled(); // one cheap check per slice
    }
    log(`job ${id}: done`);
    return id ** 2;
  } catch (error) {
    if (ctx.cancelled()) {
      const pct = Math.round(((performance.now() - start) / ms) * 100);
      const reason = ctx.signal.reason?.reason; // the quiesce CancelReason
      const why = reason?.kind === "signal" ? `signal ${reason.signal}` : (reason?.kind ?? "?");
      block(CHECKPOINT_MS);
      log(`job ${id}: cancelled at ${pct}% (${why}), checkpoint saved`);
    }
    throw error;
  }
}
