// The worker side of many-roots-one-pool: seed 004's `worker(index)`. It blocks its
// thread for a second and says when it started and ended, in seconds since `t0`
// (an absolute time, so the main thread and the workers share one clock).
import { writeSync } from "node:fs";

const now = () => performance.timeOrigin + performance.now();

function block(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function worker(index, t0, ms) {
  writeSync(1, `${index} before: ${((now() - t0) / 1000).toFixed(3)}\n`);
  block(ms);
  writeSync(1, `${index} after: ${((now() - t0) / 1000).toFixed(3)}\n`);
  return index;
}
